"""The evaluation population on disk: JSON lines, gzip or Parquet, one file or partitions.

One process plans the flights (sizes and seeds, population.flight_plan) and
cuts them into chunks of whole flights, each within one partition: flight
``i`` goes to the partition its first traveler falls in, so partitions hold
about the same number of travelers. Chunks are drawn and encoded on
``processes`` processes and written in order (synthetic/output.py): the
same seed and size give the same bytes whatever the number of processes.
Labels go to one JSON lines file (layout.py says where), in record order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from screening_service.evaluation.population import (
    FlightSpec,
    flight_plan,
    generate_evaluation_population,
    generate_flight,
)
from screening_service.synthetic.draws import Draws
from screening_service.synthetic.encode import FlightEncoder
from screening_service.synthetic.layout import Format, layout_for
from screening_service.synthetic.output import (
    Chunk,
    Written,
    cut_chunks,
    cycles_not_collected,
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
    for partition, flights in cut_chunks(flight_plan(travelers, seed), travelers, partitions):
        yield _Task(partition, flights, fmt, as_manifests)


def _encode(task: _Task) -> Chunk:
    """Draw a chunk's flights and encode them (runs in a worker process)."""
    with cycles_not_collected():
        return _draw_and_encode(task)


def _draw_and_encode(task: _Task) -> Chunk:
    encoder = FlightEncoder(task.fmt)
    labels: list[bytes] = []
    travelers = 0
    for spec in task.flights:
        flight = generate_flight(Draws(spec.seed), spec.size, key=spec.key)
        body = flight.body
        travelers += len(body["travelers"])
        if task.as_manifests:
            encoder.add([{"manifest": body}])
        else:
            encoder.add([{"traveler": traveler} for traveler in body["travelers"]])
        labels.append(flight.label_lines())
    return Chunk(
        task.partition, encoder.encoded(), b"".join(labels), encoder.records, travelers, travelers
    )


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
    return write_chunks(layout, in_order(tasks, _encode, processes))
