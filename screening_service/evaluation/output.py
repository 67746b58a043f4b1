"""The evaluation population on disk: JSON lines, gzip or Parquet, one file or partitions.

One process plans the flights (sizes and seeds, population.flight_plan) and
cuts them into chunks of whole flights, each within one partition: flight
``i`` goes to the partition its first traveler falls in, so partitions hold
about the same number of travelers. Chunks are drawn and encoded on
``processes`` processes and written in order (synthetic/output.py): the
same seed and size give the same bytes whatever the number of processes.
Labels go to one JSON lines file (layout.py says where), in record order.

With at least two partitions per process, each process writes whole
partitions itself (`_write_part`) and sends back only their labels: the
records never cross a pipe, and the files are the ones this process would
have written from the same chunks.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screening_service.evaluation.population import (
    FlightSpec,
    flight_plan,
    generate_evaluation_population,
    generate_flight,
)
from screening_service.synthetic.draws import Draws
from screening_service.synthetic.layout import Format, Layout, layout_for
from screening_service.synthetic.output import (
    CHUNK_TRAVELERS,
    Chunk,
    ChunkWriter,
    PartWriter,
    Written,
    encode_records,
    in_order,
    write_chunks,
)

__all__ = ["Written", "write_evaluation_population"]


@dataclass(frozen=True)
class _Task:
    partition: int
    flights: tuple[FlightSpec, ...]
    fmt: Format
    as_manifests: bool


def _tasks(
    travelers: int, seed: int, partitions: int, fmt: Format, as_manifests: bool
) -> Iterator[_Task]:
    batch: list[FlightSpec] = []
    partition = size = offset = 0
    for spec in flight_plan(travelers, seed):
        home = offset * partitions // max(1, travelers)
        if batch and (home != partition or size >= CHUNK_TRAVELERS):
            yield _Task(partition, tuple(batch), fmt, as_manifests)
            batch, size = [], 0
        partition = home
        batch.append(spec)
        size += spec.size
        offset += spec.size
    if batch:
        yield _Task(partition, tuple(batch), fmt, as_manifests)


def _encode(task: _Task) -> Chunk:
    """Draw a chunk's flights and encode them (runs in a worker process).

    The cyclic garbage collector is paused meanwhile: a chunk is a hundred
    thousand small dicts and lists, none in a cycle, which it would walk
    again and again for nothing (about 7% of the time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _draw_and_encode(task)
    finally:
        if enabled:
            gc.enable()


def _draw_and_encode(task: _Task) -> Chunk:
    records: list[dict[str, Any]] = []
    labels: list[bytes] = []
    travelers = 0
    for spec in task.flights:
        flight = generate_flight(Draws(spec.seed), spec.size, key=spec.key)
        body = flight.body
        travelers += len(body["travelers"])
        if task.as_manifests:
            records.append({"manifest": body})
        else:
            records += [{"traveler": traveler} for traveler in body["travelers"]]
        labels.append(flight.label_lines())
    encoded = encode_records(records, task.fmt)
    return Chunk(task.partition, encoded, b"".join(labels), len(records), travelers, travelers)


def write_evaluation_population(
    out: Path | str,
    travelers: int,
    seed: int,
    fmt: Format | None = None,
    *,
    as_manifests: bool = True,
    partitions: int | None = None,
    processes: int = 1,
) -> Written:
    """Records at ``out`` (layout.py: a file, or a directory of partitions) and the labels.

    Records are ``{"manifest": body}`` (or ``{"traveler": body}`` per
    traveler) with protobuf JSON bodies, as `screening replay` reads; the
    labels file has one line per traveler (labels.py). OutputError when
    ``out`` cannot be used; OSError when it cannot be written.
    """
    generate_evaluation_population(travelers, seed)  # checks the arguments, draws nothing
    layout = layout_for(out, travelers, fmt=fmt, partitions=partitions)
    tasks = _tasks(travelers, seed, layout.partitions or 1, layout.fmt, as_manifests)
    if processes > 1 and (layout.partitions or 1) >= 2 * processes:
        return _write_by_partition(layout, tasks, processes)
    return write_chunks(layout, in_order(tasks, _encode, processes))


@dataclass(frozen=True)
class _Part:
    index: int
    path: str
    fmt: Format
    chunks: tuple[_Task, ...]


def _write_part(part: _Part) -> tuple[bytes, Written]:
    """Draw, encode and write one partition's chunks (runs in a worker process)."""
    labels: list[bytes] = []
    records = travelers = 0
    writer = PartWriter(Path(part.path), part.fmt)
    try:
        for task in part.chunks:
            chunk = _encode(task)
            writer.write(chunk.records, chunk.record_count)
            labels.append(chunk.labels)
            records += chunk.record_count
            travelers += chunk.travelers
    finally:
        writer.close()
    return b"".join(labels), Written(records, travelers, travelers)


def _write_by_partition(layout: Layout, tasks: Iterator[_Task], processes: int) -> Written:
    chunks: list[list[_Task]] = [[] for _ in range(layout.partitions or 1)]
    for task in tasks:
        chunks[task.partition].append(task)
    parts = [_Part(i, str(layout.part(i)), layout.fmt, tuple(c)) for i, c in enumerate(chunks)]
    with ChunkWriter(layout) as writer:
        writer.created += layout.files()
        # One partition waits beside each busy process; each result holds a
        # partition's labels (about 90 bytes a traveler).
        done = in_order(parts, _write_part, processes, window=processes + 1)
        with contextlib.closing(done):  # workers stop before a failed run's cleanup
            for part, (labels, written) in zip(parts, done, strict=True):
                writer.write_part(part.index, labels, written)
    return writer.written()
