"""Writing a population in chunks: encoded anywhere, written in order by one process.

A population is cut into chunks of whole flights (a few thousand travelers,
never across partitions). Each chunk is encoded on its own, possibly in
another process: JSON lines, a gzip member of them, or an Arrow table that
becomes one Parquet row group. This process writes the chunks in chunk
order, so the bytes depend on the seed and size alone, never on how many
processes drew them: a gzip file is the concatenation of its chunks'
members (gzip readers read every member; the header carries no time), and a
Parquet file has one row group per chunk. At most ``window`` chunks are in
flight, so memory stays bounded however many travelers are asked for.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import gzip
import multiprocessing
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from screening_service.synthetic.encode import (
    GZIP_LEVEL,
    Encoded,
)
from screening_service.synthetic.layout import Layout
from screening_service.synthetic.spill import Spilled, append_to, spill, table_of

if TYPE_CHECKING:  # pyarrow is imported for Parquet only: JSON lines runs skip its 50 MB
    import pyarrow.parquet as pq

PARQUET_COMPRESSION: Final = "zstd"
CHUNK_TRAVELERS: Final = 10_000
Task = TypeVar("Task")


@dataclass(frozen=True)
class Written:
    records: int
    travelers: int
    labelled: int


@dataclass(frozen=True)
class Chunk:
    """Encoded records of whole flights in one partition, and their label lines."""

    partition: int
    records: Encoded | Spilled
    labels: bytes
    record_count: int
    travelers: int
    labelled: int


class Planned(Protocol):
    """A flight of a plan: how many travelers it will have."""

    @property
    def size(self) -> int: ...


Spec = TypeVar("Spec", bound=Planned)


def cut_chunks(
    plan: Iterable[Spec], travelers: int, partitions: int
) -> Iterator[tuple[int, tuple[Spec, ...]]]:
    """A plan's flights in chunks, each of whole flights within one partition and of
    about `CHUNK_TRAVELERS`: flight ``i`` goes to the partition its first traveler falls
    in, so partitions hold about the same number of travelers."""
    batch: list[Spec] = []
    partition = size = offset = 0
    for spec in plan:
        home = offset * partitions // max(1, travelers)
        if batch and (home != partition or size >= CHUNK_TRAVELERS):
            yield partition, tuple(batch)
            batch, size = [], 0
        partition = home
        batch.append(spec)
        size += spec.size
        offset += spec.size
    if batch:
        yield partition, tuple(batch)


@contextlib.contextmanager
def cycles_not_collected() -> Iterator[None]:
    """The cyclic garbage collector paused while a chunk is drawn and encoded: a chunk
    is a hundred thousand small dicts and lists, none in a cycle, which it would walk
    again and again for nothing (about 7% of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def in_order(
    tasks: Iterable[Task], encode: Callable[[Task], Chunk], processes: int, window: int = 0
) -> Iterator[Chunk]:
    """``encode(task)`` for every task, in task order, on ``processes`` processes.

    ``encode`` must be a module-level function (it is sent to spawned
    processes by name). Spawned, not forked: this process may already run
    Arrow's threads, which a fork would copy mid-state. The other processes'
    records come back in files (spill.py) of a directory removed at the end.
    """
    if processes <= 1:
        yield from map(encode, tasks)
        return
    limit = window or 2 * processes
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="screening-synth-") as directory,
        ProcessPoolExecutor(processes, mp_context=context) as pool,
    ):
        pending: deque[Future[Chunk]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(_spilled, encode, task, directory))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            # Leaving the pool waits for the chunks being drawn; then the directory goes.
            for future in pending:
                future.cancel()


def _spilled(encode: Callable[[Task], Chunk], task: Task, directory: str) -> Chunk:
    """``encode(task)`` with its records in a file of ``directory`` (in a worker process)."""
    chunk = encode(task)
    assert not isinstance(chunk.records, Spilled)  # encode returns records in memory
    return dataclasses.replace(chunk, records=spill(chunk.records, directory))


class ChunkWriter:
    """Writes chunks to the layout's files in order; creates every partition file."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        if layout.is_directory:
            layout.root.mkdir(parents=True, exist_ok=True)
        self._labels = layout.labels.open("wb")
        self.created = [layout.labels]
        self._current = -1
        self._empty = True
        self._file: int | None = None  # a descriptor: spilled chunks are copied into it
        self._parquet: pq.ParquetWriter | None = None
        self.records = self.travelers = self.labelled = 0

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(complete=kind is None)
        if kind is not None:
            # No half-written file is left to be read as a whole population.
            for path in self.created:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)

    def write(self, chunk: Chunk) -> None:
        if chunk.partition < self._current:
            raise ValueError("chunks must come in partition order")
        while self._current < chunk.partition:
            self._open(self._current + 1)
        records = chunk.records
        if isinstance(records, Spilled) and records.arrow:
            records = table_of(records)
        if isinstance(records, list | bytes | Spilled):
            assert self._file is not None  # opened for a JSON lines layout
            if isinstance(records, list):
                _write_lines(self._file, records)
            elif isinstance(records, bytes):
                _write_all(self._file, records)
            else:
                append_to(records, self._file)
        else:
            assert self._parquet is not None  # opened for a parquet layout
            self._parquet.write_table(records, row_group_size=max(1, chunk.record_count))
        self._empty = False
        self._labels.write(chunk.labels)
        self.records += chunk.record_count
        self.travelers += chunk.travelers
        self.labelled += chunk.labelled

    def _open(self, index: int) -> None:
        self._close_part()
        self._current = index
        self._empty = True
        path = self.layout.part(index)
        self.created.append(path)
        if self.layout.fmt == "parquet":
            import pyarrow.parquet as pq  # noqa: PLC0415  # pyarrow only when used

            from screening_service.synthetic.arrow import RECORD_SCHEMA  # noqa: PLC0415

            self._parquet = pq.ParquetWriter(
                path, RECORD_SCHEMA, compression=PARQUET_COMPRESSION, store_schema=True
            )
        else:
            self._file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)

    def _close_part(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._file is not None:
            if self._empty and self.layout.fmt == "jsonl.gz":
                # An empty partition is still a valid gzip file (one empty member).
                _write_all(self._file, gzip.compress(b"", GZIP_LEVEL, mtime=0))
            os.close(self._file)
            self._file = None

    def close(self, *, complete: bool = True) -> None:
        try:
            if complete:
                last = (self.layout.partitions or 1) - 1
                while self._current < last:
                    self._open(self._current + 1)
            self._close_part()
        finally:
            self._close_part()
            self._labels.close()

    def written(self) -> Written:
        return Written(self.records, self.travelers, self.labelled)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _write_lines(descriptor: int, lines: list[bytes]) -> None:
    for start in range(0, len(lines), _LINES_PER_WRITE):
        batch = lines[start : start + _LINES_PER_WRITE]
        written = os.writev(descriptor, batch)
        if written < sum(map(len, batch)):
            _write_all(descriptor, b"".join(batch)[written:])


_LINES_PER_WRITE: Final = 512  # below every system's IOV_MAX (1024 on Linux)


def write_chunks(layout: Layout, chunks: Iterable[Chunk]) -> Written:
    with ChunkWriter(layout) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.written()
