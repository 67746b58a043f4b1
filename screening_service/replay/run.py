"""`replay`: the candidate (and a baseline) over recorded traffic, on a Dask cluster.

The client proves the candidate's own examples, reads the input into
partitions of whole records, and hands them to the cluster (`cluster`):
with history, a first pass records every flight's travel events in the
replay's own store, in any order, because counts are by event time; the
second pass screens each partition (`work.screen_partition`). Results are
added up in partition order, so the report is the same on one process, on
many, or after a worker died mid-run.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from distributed import Client
from tqdm import tqdm

from screening_service.evaluation.labels import Label, LabelIndex
from screening_service.evaluation.metrics import PackSpec, build_report
from screening_service.history.bulk import BulkHistory
from screening_service.history.bulk_postgres import BulkPostgres, new_schema_name
from screening_service.judgement import pack_spec
from screening_service.lookout import load_lookout
from screening_service.pipeline.history import PREFIX as HISTORY_PREFIX
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pseudonyms import PseudonymKey
from screening_service.replay.cluster import dask_client, run_partitions
from screening_service.replay.inputs import PARTITION_BYTES, Partition, partitions, sources
from screening_service.replay.report import ReplayReport
from screening_service.replay.work import (
    HistoryPlace,
    Job,
    PackTally,
    PartitionResult,
    peak_rss,
    read_files,
    record_partition,
    screen_partition,
)
from screening_service.rules.condition_ast import fields_read
from screening_service.runtime.packs import build_snapshot


@dataclass(frozen=True)
class _Packs:
    candidate: PackSpec
    baseline: PackSpec | None
    # Whether either pack reads a `history.*` field: if neither does, the passes that
    # compute history would change no decision, and are skipped.
    reads_history: bool


def _reads_history(snapshot: Snapshot) -> bool:
    compiled = snapshot.compiled
    read = set(compiled.fact_fields)
    for aggregate in compiled.pack.info.aggregates:
        read.update(fields_read(aggregate.condition))
    return any(name.startswith(HISTORY_PREFIX) for name in read)


def _packs(candidate: Path, baseline: Path | None) -> _Packs:
    """Both packs' specs; the candidate's own examples must pass (PackError if one fails)."""
    proven = build_snapshot(candidate, prove_examples=True)
    try:
        candidate_spec, reads = pack_spec(proven), _reads_history(proven)
    finally:
        proven.engine.close()
    if baseline is None:
        return _Packs(candidate_spec, None, reads)
    base = build_snapshot(baseline, prove_examples=False)
    try:
        return _Packs(candidate_spec, pack_spec(base), reads or _reads_history(base))
    finally:
        base.engine.close()


class _InOrder:
    """Partition results added to the report in partition order, as soon as they can be."""

    def __init__(self, report: ReplayReport, decisions: TextIO | None, keep: bool) -> None:
        self.report = report
        self.decisions = decisions
        self.keep = keep
        self.waiting: dict[int, PartitionResult] = {}
        self.next = 0
        self.travelers = 0

    def __call__(self, number: int, result: PartitionResult) -> None:
        self.travelers += result.travelers
        self.waiting[number] = result
        while self.next in self.waiting:
            part = self.waiting.pop(self.next)
            if self.decisions is not None:
                for line in part.decisions:
                    self.decisions.write(json.dumps(line) + "\n")
            if not self.keep:
                part.decisions = []
            self.report.add(part)
            self.next += 1


def replay(
    candidate: Path,
    records: Path,
    baseline: Path | None = None,
    *,
    lookout: Path | None = None,
    home_country: str | None = None,
    processes: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    keep_decisions: bool = False,
    decisions: TextIO | None = None,
    labels: Mapping[str, Label] | LabelIndex | None = None,
    history: bool = True,
    history_database: str | None = None,
    partition_bytes: int = PARTITION_BYTES,
) -> ReplayReport:
    """Replay ``records`` (a file or a directory of partitions) through the packs.

    ``scheduler`` is a Dask scheduler's address; without it a local cluster
    of ``processes`` workers (default: every core) runs the replay; JSON lines are
    cut into partitions of about ``partition_bytes``. The history passes use a
    SQLite file in a temporary directory of this machine, or, with
    ``history_database`` (a PostgreSQL URI), a schema of their own in that
    database, dropped at the end: for workers on other machines. Raises
    PackError if a pack does not compile or the candidate's examples fail,
    LookoutLoadError if the list does not load, InputError or MessageError
    if the input cannot be read, ClusterError if the cluster cannot be used,
    HistoryUnavailable if the history store cannot be created or used.
    """
    packs = _packs(candidate, baseline)
    candidate_spec, baseline_spec = packs.candidate, packs.baseline
    warnings = []
    if baseline_spec is not None and baseline_spec.version == candidate_spec.version:
        warnings.append(
            f"baseline and candidate both carry version {candidate_spec.version}: "
            "decisions logged under one will be indistinguishable from the other's"
        )
    if lookout:
        load_lookout(lookout)
    files = sources(records)
    processes = processes or os.cpu_count() or 1
    report = ReplayReport(
        baseline=PackTally() if baseline else None,
        processes=processes,
        labelled=labels is not None,
        warnings=warnings,
    )
    started = time.perf_counter()
    with_history = history and packs.reads_history
    with (
        _history_place(with_history, history_database) as place,
        dask_client(scheduler, processes) as client,
    ):
        job = Job(
            candidate=read_files(candidate),
            baseline=read_files(baseline) if baseline else None,
            lookout=read_files(lookout) if lookout else None,
            lookout_is_file=bool(lookout and lookout.is_file()),
            keep_decisions=keep_decisions or decisions is not None,
            labels=LabelIndex.of(labels.values()) if isinstance(labels, Mapping) else labels,
            history=place,
        ).sealed()
        if scheduler:
            report.processes = len(client.scheduler_info().get("workers", {}))
        total = sum(s.size for s in files)
        if job.history is not None:
            _record_history(
                client,
                job,
                partitions(files, home_country, partition_bytes, shared_disk=scheduler is None),
                _bar(progress, total, "history"),
            )
        in_order = _InOrder(report, decisions, keep_decisions)
        with _bar(progress, total, "replay") as bar:

            def screened(number: int, partition: Partition, result: PartitionResult) -> None:
                in_order(number, result)
                bar.update(partition.weight)
                bar.set_postfix_str(f"{in_order.travelers:,} travelers", refresh=False)

            run_partitions(
                client,
                screen_partition,
                job,
                partitions(files, home_country, partition_bytes, shared_disk=scheduler is None),
                screened,
            )
        report.worker_peak_rss = max(client.run(peak_rss).values(), default=0)
    report.report = build_report(report.evaluation, candidate_spec, baseline_spec)
    report.seconds = time.perf_counter() - started
    return report


def _record_history(
    client: Client,
    job: Job,
    parts: Iterator[Partition],
    progress: contextlib.AbstractContextManager[tqdm],  # type: ignore[type-arg]
) -> None:
    """The first pass: every flight's travel events into the replay's history file, which
    is then indexed for the second pass's counts."""
    assert job.history is not None
    with progress as bar:

        def recorded(_number: int, partition: Partition, _travelers: int) -> None:
            bar.update(partition.weight)

        run_partitions(client, record_partition, job, parts, recorded)
    history = job.history.open()
    try:
        history.index()
    finally:
        history.close()


@contextlib.contextmanager
def _history_place(wanted: bool, database: str | None) -> Iterator[HistoryPlace | None]:
    """The replay's own history store, created (schema and all) before any worker opens
    it, with a key that lives as long as the replay (its pseudonyms mean nothing
    afterwards); the store is removed at the end, whatever happens."""
    if not wanted:
        yield None
        return
    key = PseudonymKey.generate().secret
    if database is not None:
        place = HistoryPlace(key, dsn=database, schema=new_schema_name())
        store = place.open(create=True)
        assert isinstance(store, BulkPostgres)
        try:
            yield place
        finally:
            try:
                store.drop()
            finally:
                store.close()
        return
    with tempfile.TemporaryDirectory(prefix="replay-history-") as scratch:
        path = Path(scratch) / "history.sqlite3"
        BulkHistory(path).close()
        yield HistoryPlace(key, path=str(path))


@contextlib.contextmanager
def _bar(shown: bool, total: int, what: str) -> Iterator[tqdm]:  # type: ignore[type-arg]
    with tqdm(total=total, unit="B", unit_scale=True, disable=not shown, desc=what) as bar:
        yield bar
