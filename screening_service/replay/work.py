"""What a replay worker does with one partition: record its travel, or screen it.

A worker (a Dask worker process, here or on another machine) builds the
job's packs and lookout list once, from the file contents the job carries,
and keeps them for every partition of the job. Each record is validated and
enriched once, then decided by the candidate and, from the same records, the
baseline (`screen`'s ``also``). The result is a `PartitionResult`: counts,
tallies and lists the client adds up in partition order, so any number of
workers, or a retried partition, gives the same report.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import resource
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from screening_service.evaluation.labels import LabelIndex
from screening_service.evaluation.metrics import PackSpec, Tally, tally
from screening_service.history.bulk import BulkHistory
from screening_service.history.bulk_postgres import BulkPostgres
from screening_service.judgement import pack_spec, traveler_outcomes
from screening_service.lookout import LookoutIndex, load_lookout
from screening_service.pipeline.decide import Decision
from screening_service.pipeline.enrich import history_fields
from screening_service.pipeline.history import HistoryOptions, flight_events
from screening_service.pipeline.screen import Context, FlightResult, screen, validate
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import Invalid, ValidFlight
from screening_service.pseudonyms import PseudonymKey
from screening_service.replay.inputs import Partition, records
from screening_service.runtime.packs import build_snapshot

Files = dict[str, bytes]
"""A directory's files by relative path: how a pack or lookout list reaches a worker."""


def read_files(path: Path) -> Files:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


@dataclass(frozen=True)
class HistoryPlace:
    """Where a replay's history lives, and its key (which lives as long as the replay).

    A SQLite file (``path``) when every worker shares the client's disk, else
    a schema of a PostgreSQL database every worker reaches (``dsn``, ``schema``).
    """

    key: bytes = field(repr=False)
    path: str | None = None
    dsn: str | None = field(default=None, repr=False)
    schema: str | None = None

    def open(self, *, create: bool = False) -> BulkHistory | BulkPostgres:
        if self.dsn is not None and self.schema is not None:
            return BulkPostgres(self.dsn, self.schema, create=create)
        assert self.path is not None, "a history place is a file or a schema"
        return BulkHistory(Path(self.path))

    def identity(self) -> bytes:
        """What tells one replay's history from another's (no DSN, no key in clear)."""
        return f"{self.path}|{self.schema}|".encode() + hashlib.sha256(self.key).digest()


@dataclass(frozen=True)
class Job:
    """Everything a partition is screened with, sent once to each worker."""

    candidate: Files
    baseline: Files | None
    lookout: Files | None
    lookout_is_file: bool
    keep_decisions: bool
    labels: LabelIndex | None
    # The replay's own history store and its throwaway key.
    history: HistoryPlace | None
    # What identifies the packs, lookout list and store: a worker builds them once per digest.
    digest: str = ""

    def sealed(self) -> Job:
        h = hashlib.sha256()
        for files in (self.candidate, self.baseline or {}, self.lookout or {}):
            for name in sorted(files):
                h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
            h.update(b"\1")
        h.update(self.history.identity() if self.history is not None else b"-")
        return replace(self, digest=h.hexdigest())


@dataclass
class PackTally:
    version: str = ""
    content_hash: str = ""
    referrals: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    shadow_hits: Counter[str] = field(default_factory=Counter)

    def add(self, snapshot: Snapshot, decisions: list[Decision]) -> None:
        """A flight's decisions: one counting pass per counter, not one per traveler."""
        self.version, self.content_hash = snapshot.version, snapshot.content_hash
        for referral, count in Counter(d.referral for d in decisions).items():
            self.referrals[referral.value] += count
        self.hits.update(h.rule_id for d in decisions for h in d.indicators)
        self.shadow_hits.update(h.rule_id for d in decisions for h in d.shadow_indicators)

    def merge(self, other: PackTally) -> None:
        self.version = other.version or self.version
        self.content_hash = other.content_hash or self.content_hash
        self.referrals.update(other.referrals)
        self.hits.update(other.hits)
        self.shadow_hits.update(other.shadow_hits)


Place = tuple[str, int]
"""A record's file name and line (or row) number."""


@dataclass
class PartitionResult:
    records: int = 0
    travelers: int = 0
    invalid: list[tuple[Place, str]] = field(default_factory=list)
    candidate: PackTally = field(default_factory=PackTally)
    baseline: PackTally | None = None
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    evaluation: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class _Loaded:
    candidate: Context
    baseline: Snapshot | None
    candidate_spec: PackSpec
    baseline_spec: PackSpec | None


_loaded: dict[str, _Loaded] = {}
_loading = threading.Lock()


def _materialise(files: Files, into: Path) -> Path:
    for name, data in files.items():
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return into


def _load(job: Job) -> _Loaded:
    """The job's packs, compiled once per worker process (a job's partitions share them)."""
    digest = job.digest
    with _loading:
        loaded = _loaded.get(digest)
        if loaded is not None:
            return loaded
        for old in _loaded.values():
            old.candidate.snapshot.engine.close()
            if old.baseline is not None:
                old.baseline.engine.close()
            if old.candidate.history is not None:
                old.candidate.history.store.close()
        _loaded.clear()
        with tempfile.TemporaryDirectory(prefix="replay-job-") as scratch:
            root = Path(scratch)
            candidate = build_snapshot(
                _materialise(job.candidate, root / "candidate"), prove_examples=False
            )
            baseline = (
                build_snapshot(_materialise(job.baseline, root / "baseline"), prove_examples=False)
                if job.baseline is not None
                else None
            )
            index = None
            if job.lookout is not None:
                listed = _materialise(job.lookout, root / "lookout")
                if job.lookout_is_file:
                    listed = listed / next(iter(job.lookout))
                index = LookoutIndex.build(load_lookout(listed))
        options = None
        if job.history is not None:
            store = job.history.open()
            options = HistoryOptions(store, PseudonymKey(job.history.key), documents=False)
        loaded = _Loaded(
            Context(candidate, index, options),
            baseline,
            pack_spec(candidate),
            pack_spec(baseline) if baseline is not None else None,
        )
        _loaded[digest] = loaded
        _batch_gc()
        return loaded


def _batch_gc() -> None:
    """A worker makes millions of short-lived dicts and no long-lived cycles: collecting
    the young generation every 700 allocations cost it about a tenth of its time. The
    compiled packs are frozen out of the collector's sight, and it runs less often."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def record_partition(job: Job, partition: Partition) -> int:
    """The first pass: every valid record's travel events into the replay's history.

    Counts are by event time, so once every event is in, the second pass
    reads for each flight exactly what a live service fed in order would have.
    """
    history = _load(job).candidate.history
    assert history is not None
    assert isinstance(history.store, BulkHistory | BulkPostgres)
    flights = []
    now = dt.datetime.now(dt.UTC)
    for _number, valid in _validated(partition):
        if isinstance(valid, str):
            continue
        fields = history_fields(valid.travelers, valid.flight, now)
        events = flight_events(history, valid.flight, valid.travelers, fields)
        if events is not None:
            flights.append(events)
    history.store.record_many(flights)
    return sum(len(f.events) for f in flights)


def peak_rss() -> int:
    """This worker process's peak resident memory, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def flight_key(valid: ValidFlight, number: int) -> str:
    """The flight a record stands for, for the workload: carrier, number, departure date
    (UTC) of the manifest or of its first traveler's first segment; else the record number."""
    flight = valid.flight
    carrier, number_text, when = flight.carrier, flight.flight_number, flight.scheduled_departure
    if not (carrier and number_text):
        first = next((t.segments[0] for t in valid.travelers if t.segments), None)
        if first is None:
            return f"record {number}"
        carrier, number_text, when = first.carrier, first.flight_number, first.departure
    day = when.date().isoformat() if when is not None else "?"
    return f"{carrier}{number_text} {day}"


def decision_json(decision: Decision) -> dict[str, Any]:
    """What `--decisions` records of one decision: referral, score, rules and evidence."""

    def hits(indicators: Any) -> list[dict[str, Any]]:
        return [
            {"rule_id": h.rule_id, "evidence": {e.field: e.value for e in h.evidence}}
            for h in indicators
        ]

    return {
        "referral": decision.referral.value,
        "score": decision.score,
        "indicators": hits(decision.indicators),
        "shadow_indicators": hits(decision.shadow_indicators),
    }


def _validated(partition: Partition) -> Iterator[tuple[int, ValidFlight | str]]:
    """Each record of the partition, numbered, validated as of its own time, or why it is
    not a valid record (the first violation named, never the value)."""
    for number, request in records(partition):
        if isinstance(request, str):
            yield number, request
            continue
        valid = validate(request, live=False)
        if isinstance(valid, Invalid):
            first = valid.violations[0]
            count = len(valid.violations)
            yield number, f"{count} violation(s), first: {first.field} {first.description}"
        else:
            yield number, valid


def screen_partition(job: Job, partition: Partition) -> PartitionResult:
    """The second pass: every record decided by both packs and tallied."""
    loaded = _load(job)
    context = loaded.candidate
    also = (loaded.baseline,) if loaded.baseline is not None else ()
    result = PartitionResult(baseline=PackTally() if also else None)
    for number, valid in _validated(partition):
        result.records += 1
        if isinstance(valid, str):
            result.invalid.append(((partition.source, number), valid))
            continue
        outcome = screen(context, valid, live=False, also=also)
        assert isinstance(outcome, FlightResult), "a validated flight is not refused"
        _tally_flight(job, loaded, result, flight_key(valid, number), outcome)
    return result


def _tally_flight(
    job: Job, loaded: _Loaded, result: PartitionResult, flight: str, candidate: FlightResult
) -> None:
    result.travelers += len(candidate.decisions)
    result.candidate.add(candidate.snapshot, candidate.decisions)
    baseline = candidate
    if result.baseline is not None:
        baseline = candidate.alternatives[0]
        result.baseline.add(baseline.snapshot, baseline.decisions)
    outcomes = traveler_outcomes(
        flight,
        candidate.records,
        candidate.decisions,
        baseline.decisions if result.baseline is not None else None,
        job.labels,
    )
    result.evaluation.merge(tally(outcomes, loaded.candidate_spec, loaded.baseline_spec))
    for before, after in zip(baseline.decisions, candidate.decisions, strict=True):
        was, now = before.referral.value, after.referral.value
        if was != now:
            result.changed.append((after.traveler_id, was, now))
        if job.keep_decisions:
            result.decisions.append(
                {
                    "traveler_id": after.traveler_id,
                    "baseline": was,
                    "candidate": now,
                    "detail": decision_json(after),
                }
            )
