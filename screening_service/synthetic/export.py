"""Generated flights as JSON lines (or gzip, Parquet, partitions), and back.

Each line of a records file is one request body in protobuf JSON (field
names as in the .proto): ``{"traveler": {...}}`` for `Screen`, or
``{"manifest": {...}}`` for `ScreenManifest`. The ground truth goes to a
separate labels file (default: ``NAME.labels.jsonl`` beside ``NAME.jsonl``),
one line per planted traveler: ``{"traveler_id", "scenario", "subject"}``,
so a records file never carries the answer to the screening it feeds.
`write_records` writes the other formats and layouts of layout.py, in one
process (this population is drawn flight after flight from one generator).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from screening_service.proto import pb
from screening_service.synthetic.encode import encode_records, json_line
from screening_service.synthetic.layout import Format, layout_for
from screening_service.synthetic.output import (
    CHUNK_TRAVELERS,
    Chunk,
    Written,
    write_chunks,
)
from screening_service.synthetic.population import GeneratedFlight


@dataclass(frozen=True)
class Labels:
    """Ground truth of a records file: scenario per planted traveler, and the subjects."""

    scenarios: dict[str, str]
    subjects: frozenset[str]


def labels_path(records: Path | str) -> Path:
    """``flights.jsonl`` -> ``flights.labels.jsonl``."""
    path = Path(records)
    return path.with_name(f"{path.stem}.labels.jsonl")


def _line(kind: str, message: pb.Traveler | pb.Manifest) -> str:
    body = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return json.dumps({kind: body}, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(
    path: Path | str,
    flights: Iterable[GeneratedFlight],
    as_manifests: bool = True,
    *,
    labels: Path | str | None = None,
) -> Written:
    """Write one line per manifest (or per traveler) and the labels file; return the counts."""
    records = travelers = 0
    truth: list[str] = []
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for flight in flights:
            manifest = flight.manifest
            travelers += len(manifest.travelers)
            if as_manifests:
                out.write(_line("manifest", manifest))
                records += 1
            else:
                for traveler in manifest.travelers:
                    out.write(_line("traveler", traveler))
                    records += 1
            truth.extend(
                json.dumps(
                    {
                        "traveler_id": traveler_id,
                        "scenario": scenario,
                        "subject": traveler_id in flight.subjects,
                    },
                    separators=(",", ":"),
                )
                + "\n"
                for traveler_id, scenario in flight.labels.items()
            )
    with Path(labels or labels_path(path)).open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(truth)
    return Written(records, travelers, len(truth))


def label_lines(flight: GeneratedFlight) -> list[bytes]:
    """The labels file's lines for the flight's planted travelers."""
    return [
        json_line({"traveler_id": i, "scenario": s, "subject": i in flight.subjects})
        for i, s in flight.labels.items()
    ]


def _chunks(
    flights: Iterable[GeneratedFlight],
    travelers: int,
    partitions: int,
    fmt: Format,
    as_manifests: bool,
) -> Iterator[Chunk]:
    """Whole flights, cut where a partition begins or a chunk is full."""
    records: list[dict[str, Any]] = []
    labels: list[bytes] = []
    partition = size = offset = 0

    def chunk() -> Chunk:
        return Chunk(
            partition,
            encode_records(records, fmt),
            b"".join(labels),
            len(records),
            size,
            len(labels),
        )

    for flight in flights:
        home = offset * partitions // max(1, travelers)
        if records and (home != partition or size >= CHUNK_TRAVELERS):
            yield chunk()
            records, labels, size = [], [], 0
        partition = home
        body = json_format.MessageToDict(flight.manifest, preserving_proto_field_name=True)
        count = len(flight.manifest.travelers)
        if as_manifests:
            records.append({"manifest": body})
        else:
            records += [{"traveler": traveler} for traveler in body.get("travelers", ())]
        labels += label_lines(flight)
        size += count
        offset += count
    if records:
        yield chunk()


def write_records(
    out: Path | str,
    flights: Iterable[GeneratedFlight],
    travelers: int,
    fmt: Format | None = None,
    *,
    as_manifests: bool = True,
    partitions: int | None = None,
) -> Written:
    """Records at ``out`` in any format and layout of layout.py, labels beside them.

    ``travelers`` (the population's size) places flights in partitions.
    """
    layout = layout_for(out, travelers, fmt=fmt, partitions=partitions)
    chunks = _chunks(flights, travelers, layout.partitions or 1, layout.fmt, as_manifests)
    return write_chunks(layout, chunks)


def _records(path: Path | str) -> Iterator[tuple[int, Any]]:
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON object") from error


def read_jsonl(path: Path | str) -> Iterator[pb.Traveler | pb.Manifest]:
    """The requests of a records file, in order; ValueError names the line of a bad one.

    Error messages never repeat the record's content (names, dates of birth).
    """
    for number, record in _records(path):
        if not isinstance(record, dict) or len(record) != 1:
            raise ValueError(
                f'{path}:{number}: expected {{"traveler": ...}} or {{"manifest": ...}}'
            )
        ((kind, body),) = record.items()
        message: pb.Traveler | pb.Manifest
        if kind == "traveler":
            message = pb.Traveler()
        elif kind == "manifest":
            message = pb.Manifest()
        else:
            raise ValueError(f"{path}:{number}: unknown record kind (traveler or manifest)")
        try:
            json_format.ParseDict(body, message)
        except json_format.ParseError as error:
            raise ValueError(f"{path}:{number}: not a valid {kind} record") from error
        yield message


def read_labels(path: Path | str) -> Labels:
    scenarios: dict[str, str] = {}
    subjects: set[str] = set()
    for number, record in _records(path):
        try:
            traveler_id, scenario, subject = (
                record["traveler_id"],
                record["scenario"],
                record["subject"],
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: expected traveler_id, scenario, subject") from error
        scenarios[str(traveler_id)] = str(scenario)
        if subject is True:
            subjects.add(str(traveler_id))
    return Labels(scenarios, frozenset(subjects))
