"""Replay's input: files and directories of recorded traffic, cut into partitions.

A records file is JSON lines (``.jsonl``, or gzip-compressed ``.jsonl.gz``),
Parquet (``.parquet``: one row per record, nullable struct columns
``manifest`` and ``traveler`` shaped like the JSON body), or a file of
airline messages (PAXLST, PNRGOV; converted flight by flight). A directory
holds such files as partitions, read in name order.

A partition is a run of whole records (each record is one flight, or a
traveler alone), so flight-level fields are computed exactly as live. JSON
lines travel inside the partition as bytes, so a worker on another machine
needs no access to the client's files; workers that share the client's disk
(a local cluster) are given an uncompressed file's byte range instead and
read it themselves, which spares the client sending every byte through the
scheduler. A Parquet partition is one row group, named by path and read by
the worker (Parquet lives where the cluster reads). Every record keeps its
place: the file and line (or row) it came from.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import pyarrow.parquet as pq
from google.protobuf import json_format

from screening_service.messages import convert, is_message
from screening_service.pipeline import json_requests as js
from screening_service.pipeline.screen import Request
from screening_service.proto import pb
from screening_service.pseudonyms import PseudonymKey

# Bytes of JSON lines per partition: about 2,000 travelers (a few seconds of work per task,
# small enough that a killed worker's retried partition costs little).
PARTITION_BYTES: Final = 2 << 20
_SUFFIXES: Final = (".jsonl", ".jsonl.gz", ".json", ".ndjson", ".parquet", ".gz")


class InputError(ValueError):
    """The input cannot be read as records (named by file, never by content)."""


@dataclass(frozen=True)
class Lines:
    """JSON lines ``first``, ``first + 1``, ... of ``source``."""

    source: str
    first: int
    data: bytes
    # Input bytes this partition stands for (compressed, for gzip): the progress bar's unit.
    weight: int


@dataclass(frozen=True)
class Span:
    """JSON lines ``first``, ``first + 1``, ... of ``source``: ``length`` bytes from
    ``offset`` of the file at ``path``, which the worker reads."""

    source: str
    path: str
    offset: int
    length: int
    first: int
    weight: int


@dataclass(frozen=True)
class RowGroup:
    """One Parquet row group; ``first`` is the number of its first row (from 1)."""

    source: str
    path: str
    group: int
    first: int
    weight: int


Partition = Lines | Span | RowGroup


@dataclass(frozen=True)
class Source:
    path: Path
    size: int


def sources(path: Path) -> list[Source]:
    """The files a replay reads: ``path`` itself, or a directory's record files by name."""
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.name.endswith(_SUFFIXES) and not _labels(p)
        )
        if not files:
            raise InputError(f"{path}: no records files (.jsonl, .jsonl.gz, .parquet) in it")
    else:
        files = [path]
    return [Source(p, p.stat().st_size) for p in files]


def _labels(path: Path) -> bool:
    """Ground truth written beside records (``labels.jsonl``, ``NAME.labels.jsonl``)."""
    return path.name == "labels.jsonl" or path.name.endswith(".labels.jsonl")


def partitions(
    files: list[Source],
    home_country: str | None,
    size: int = PARTITION_BYTES,
    *,
    shared_disk: bool = False,
) -> Iterator[Partition]:
    """Every file's records in order, cut into partitions of whole records; with
    ``shared_disk``, an uncompressed file's partitions are byte ranges (`Span`)."""
    for source in files:
        path = source.path
        if path.name.endswith(".parquet"):
            yield from _row_groups(path)
            continue
        with path.open("rb") as handle:
            head = handle.read(64)
        if head.startswith(b"\x1f\x8b"):
            with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield from _line_blocks(path.name, stream, raw.tell, size)
        elif is_message(head):
            yield _messages(path, home_country, source.size)
        else:
            with path.open("rb") as stream:
                blocks = _line_blocks(path.name, stream, stream.tell, size)
                yield from _spans(path, blocks) if shared_disk else blocks


def _line_blocks(
    name: str, stream: IO[bytes] | gzip.GzipFile, position: Callable[[], int], size: int
) -> Iterator[Lines]:
    first = 1
    carry = b""
    done = 0
    try:
        while True:
            block = stream.read(size)
            if not block:
                break
            block = carry + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                carry = block
                continue
            whole, carry = block[:cut], block[cut:]
            now = position()
            yield Lines(name, first, whole, now - done)
            done = now
            first += whole.count(b"\n")
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(
            f"{name}: unreadable after line {first} ({type(error).__name__})"
        ) from None
    if carry:
        yield Lines(name, first, carry, position() - done)


def _spans(path: Path, blocks: Iterator[Lines]) -> Iterator[Span]:
    where = str(path.resolve())
    offset = 0
    for block in blocks:
        length = len(block.data)
        yield Span(block.source, where, offset, length, block.first, block.weight)
        offset += length


def _span_data(span: Span) -> bytes:
    try:
        with open(span.path, "rb") as stream:
            stream.seek(span.offset)
            data = stream.read(span.length)
    except OSError as error:
        raise InputError(f"{span.source}: unreadable ({error.strerror})") from None
    if len(data) != span.length:
        raise InputError(f"{span.source}: shorter than when the replay started")
    return data


def _row_groups(path: Path) -> Iterator[RowGroup]:
    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as error:  # pyarrow raises its own hierarchy for a damaged file
        problem = type(error).__name__
        raise InputError(f"{path.name}: not a readable Parquet file ({problem})") from None
    first = 1
    rows = max(metadata.num_rows, 1)
    size = path.stat().st_size
    for group in range(metadata.num_row_groups):
        count = metadata.row_group(group).num_rows
        yield RowGroup(path.name, str(path.resolve()), group, first, size * count // rows)
        first += count


def _messages(path: Path, home_country: str | None, size: int) -> Lines:
    """A file of airline messages as one partition of ``{"manifest"}`` lines, one per
    flight, numbered by flight (conversion warnings: `screening convert` lists them)."""
    conversion = convert(path.read_bytes(), None, home_country, PseudonymKey.from_environment())
    lines = (
        json.dumps(
            {"manifest": json_format.MessageToDict(f.manifest, preserving_proto_field_name=True)}
        )
        for f in conversion.flights
    )
    return Lines(path.name, 1, "".join(line + "\n" for line in lines).encode(), size)


Record = tuple[int, Request | str]
"""A record's number and its request, or why it is not one (named, never quoted)."""


def records(partition: Partition) -> Iterator[Record]:
    """The partition's requests in order, each numbered by its line or row."""
    if not isinstance(partition, RowGroup):
        data = partition.data if isinstance(partition, Lines) else _span_data(partition)
        number = partition.first - 1
        for line in data.split(b"\n"):
            number += 1
            if line.strip():
                yield number, parse_line(line)
        return
    table = pq.ParquetFile(partition.path).read_row_group(partition.group)
    for offset, row in enumerate(table.to_pylist()):
        yield partition.first + offset, parse_row(row)


def parse_line(line: bytes) -> Request | str:
    """One JSON line: canonical protobuf JSON decoded straight into structs, anything
    else through protobuf's own JSON parser (so both accept and refuse the same lines)."""
    try:
        return js.decode_line(line)
    except js.NotCanonical:
        pass
    try:
        return _protobuf(json.loads(line))
    # json_format raises TypeError or AttributeError for some shapes ({"traveler": null}).
    except (ValueError, TypeError, AttributeError, json_format.ParseError) as error:
        return f"not a record: {type(error).__name__}"


def parse_row(row: dict[str, Any]) -> Request | str:
    try:
        return js.from_row(row)
    except js.NotCanonical:
        pass
    try:
        present = {k: v for k, v in row.items() if v is not None}
        return _protobuf(json.loads(json.dumps(present, default=str)))
    except (ValueError, TypeError, AttributeError, json_format.ParseError) as error:
        return f"not a record: {type(error).__name__}"


def _protobuf(data: Any) -> Request:
    if isinstance(data, dict) and "manifest" in data:
        manifest = json_format.ParseDict(data["manifest"], pb.Manifest())
        return pb.ScreenManifestRequest(manifest=manifest)
    body = data.get("traveler", data) if isinstance(data, dict) else data
    return pb.ScreenRequest(traveler=json_format.ParseDict(body, pb.Traveler()))
