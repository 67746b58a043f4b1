"""`screening replay`: a candidate pack (and a baseline) over recorded traffic.

Records are JSON lines, each ``{"traveler": {...}}`` or ``{"manifest":
{...}}`` (protobuf JSON; the synthetic generator writes them). Chunks of
lines go to one process per core; each process compiles both packs (and
loads the lookout list) once and screens each record through the service's
own pipeline entry point (`pipeline.screen.screen`) with an in-process
engine, judging each record as of its own time. The report has per-rule
hits, referral counts by level for both packs, every traveler whose referral
changed, the invalid records by line, and the throughput.

Replay is also an evaluation (`screening_service.evaluation`): each chunk's
decisions become plain outcomes (judgement.py) with the traveler's label
(from ``NAME.labels.jsonl``, when given) and audit groups, and are tallied in
the worker; the parent adds the tallies, which is exact, so any number of
processes gives the same report. The candidate must pass its own examples
before anything is replayed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from google.protobuf import json_format
from tqdm import tqdm

from screening_service.evaluation.labels import Label
from screening_service.evaluation.metrics import (
    EvaluationReport,
    PackSpec,
    Tally,
    build_report,
    merge_all,
    tally,
)
from screening_service.evaluation.text import format_text
from screening_service.history import open_history
from screening_service.judgement import pack_spec, traveler_outcomes
from screening_service.lookout import LookoutIndex, load_lookout
from screening_service.messages import convert, is_message
from screening_service.pipeline.decide import Decision
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.history import HistoryOptions, add_history
from screening_service.pipeline.screen import Context, FlightResult, Request, screen, validate
from screening_service.pipeline.validate import Invalid
from screening_service.proto import pb
from screening_service.pseudonyms import PseudonymKey
from screening_service.runtime.packs import build_snapshot

CHUNK_LINES = 200


@dataclass
class PackTally:
    version: str = ""
    content_hash: str = ""
    referrals: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    shadow_hits: Counter[str] = field(default_factory=Counter)

    def merge(self, other: PackTally) -> None:
        self.version, self.content_hash = other.version, other.content_hash
        self.referrals.update(other.referrals)
        self.hits.update(other.hits)
        self.shadow_hits.update(other.shadow_hits)


@dataclass
class ChunkResult:
    records: int = 0
    travelers: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)
    candidate: PackTally = field(default_factory=PackTally)
    baseline: PackTally | None = None
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    evaluation: Tally = field(default_factory=Tally)


@dataclass
class ReplayReport(ChunkResult):
    seconds: float = 0.0
    processes: int = 1
    labelled: bool = False
    report: EvaluationReport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def travelers_per_second(self) -> float:
        return self.travelers / self.seconds if self.seconds else 0.0


# Per worker process: the packs' contexts, their specs and options, set once by _init.
_contexts: dict[str, Context] = {}
_specs: dict[str, PackSpec] = {}
_options: dict[str, bool] = {"keep_decisions": False}
_labels: dict[str, Mapping[str, Label] | None] = {"labels": None}


def _init(
    candidate: str,
    baseline: str | None,
    lookout: str | None,
    keep_decisions: bool,
    labels: Mapping[str, Label] | None = None,
    history: tuple[str, str] | None = None,
) -> None:
    index = LookoutIndex.build(load_lookout(Path(lookout))) if lookout else None
    options = None
    if history is not None:
        path, key = history
        store = open_history(f"sqlite:{path}", data_dir=Path(path).parent, instrumented=False)
        assert store is not None
        options = HistoryOptions(store, PseudonymKey(bytes.fromhex(key)))
    _contexts["candidate"] = Context(
        build_snapshot(Path(candidate), prove_examples=False), index, options
    )
    _specs["candidate"] = pack_spec(_contexts["candidate"].snapshot)
    if baseline:
        _contexts["baseline"] = Context(
            build_snapshot(Path(baseline), prove_examples=False), index, options
        )
        _specs["baseline"] = pack_spec(_contexts["baseline"].snapshot)
    _options["keep_decisions"] = keep_decisions
    _labels["labels"] = labels


def _record_chunk(lines: list[tuple[int, str]]) -> int:
    """The first pass: every valid record's travel events into the replay's history.

    Counts are by event time, so once every event is in, the second pass
    reads for each flight exactly what a live service fed in order would have.
    """
    context = _contexts["candidate"]
    assert context.history is not None
    recorded = 0
    for _number, line in lines:
        try:
            valid = validate(parse_record(line), live=False)
        except (ValueError, json_format.ParseError):
            continue
        if isinstance(valid, Invalid):
            continue
        records = enrich_flight(valid.travelers, valid.flight, dt.datetime.now(dt.UTC))
        add_history(context.history, valid.flight, valid.travelers, records)
        recorded += len(records)
    return recorded


def parse_record(line: str) -> Request:
    """The request one JSON line holds: a manifest, or a single traveler."""
    data = json.loads(line)
    if isinstance(data, dict) and "manifest" in data:
        manifest = json_format.ParseDict(data["manifest"], pb.Manifest())
        return pb.ScreenManifestRequest(manifest=manifest)
    body = data.get("traveler", data) if isinstance(data, dict) else data
    return pb.ScreenRequest(traveler=json_format.ParseDict(body, pb.Traveler()))


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


def _tally(context: Context, request: Request, counts: PackTally) -> FlightResult | str:
    outcome = screen(context, request, live=False)
    if isinstance(outcome, Invalid):
        first = outcome.violations[0]
        return f"{len(outcome.violations)} violation(s), first: {first.field} {first.description}"
    counts.version = context.snapshot.version
    counts.content_hash = context.snapshot.content_hash
    for decision in outcome.decisions:
        counts.referrals[decision.referral.value] += 1
        counts.hits.update(h.rule_id for h in decision.indicators)
        counts.shadow_hits.update(h.rule_id for h in decision.shadow_indicators)
    return outcome


def flight_key(request: Request, number: int) -> str:
    """The flight a record stands for, for the workload: carrier, number, local date of the
    manifest (or of a single traveler's first segment); the line number when neither says."""
    if isinstance(request, pb.ScreenManifestRequest):
        m = request.manifest
        carrier, number_text, when = m.carrier, m.flight_number, m.scheduled_departure
        if not (carrier and number_text) and m.travelers and m.travelers[0].itinerary.segments:
            first = m.travelers[0].itinerary.segments[0]
            carrier, number_text, when = first.carrier, first.flight_number, first.departure_time
    elif isinstance(request, pb.ScreenRequest) and request.traveler.itinerary.segments:
        first = request.traveler.itinerary.segments[0]
        carrier, number_text, when = first.carrier, first.flight_number, first.departure_time
    else:
        return f"line {number}"
    if not (carrier and number_text):
        return f"line {number}"
    day = when.ToDatetime().date().isoformat() if when.seconds else "?"
    return f"{carrier}{number_text} {day}"


def _screen_chunk(lines: list[tuple[int, str]]) -> ChunkResult:
    result = ChunkResult(baseline=PackTally() if "baseline" in _contexts else None)
    for number, line in lines:
        result.records += 1
        try:
            request = parse_record(line)
        except (ValueError, json_format.ParseError) as error:
            result.invalid.append((number, f"not a record: {type(error).__name__}"))
            continue
        candidate = _tally(_contexts["candidate"], request, result.candidate)
        if isinstance(candidate, str):
            result.invalid.append((number, candidate))
            continue
        result.travelers += len(candidate.decisions)
        baseline = candidate
        if result.baseline is not None:
            screened = _tally(_contexts["baseline"], request, result.baseline)
            assert not isinstance(screened, str), "both packs validate the same request"
            baseline = screened
        outcomes = traveler_outcomes(
            flight_key(request, number),
            candidate.records,
            candidate.decisions,
            baseline.decisions if result.baseline is not None else None,
            _labels["labels"],
        )
        result.evaluation.merge(tally(outcomes, _specs["candidate"], _specs.get("baseline")))
        for before, after in zip(baseline.decisions, candidate.decisions, strict=True):
            was, now = before.referral.value, after.referral.value
            if was != now:
                result.changed.append((after.traveler_id, was, now))
            if _options["keep_decisions"]:
                result.decisions.append(
                    {
                        "traveler_id": after.traveler_id,
                        "baseline": was,
                        "candidate": now,
                        "detail": decision_json(after),
                    }
                )
    return result


def _json_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield number, line


def _lines(path: Path, home_country: str | None) -> Iterable[tuple[int, str]]:
    """Numbered JSON lines of a records file, or one ``{"manifest"}`` line per flight of a
    file of airline messages (numbered by flight; conversion warnings are not shown here:
    `screening convert` lists them). Messages are converted now, so that an unreadable
    one fails before any worker starts."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if not is_message(head):
        return _json_lines(path)
    conversion = convert(path.read_bytes(), None, home_country, PseudonymKey.from_environment())
    return [
        (
            number,
            json.dumps(
                {
                    "manifest": json_format.MessageToDict(
                        flight.manifest, preserving_proto_field_name=True
                    )
                }
            ),
        )
        for number, flight in enumerate(conversion.flights, 1)
    ]


def _chunks(lines: Iterable[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for numbered in lines:
        chunk.append(numbered)
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def replay(
    candidate: Path,
    records: Path,
    baseline: Path | None = None,
    *,
    lookout: Path | None = None,
    home_country: str | None = None,
    processes: int | None = None,
    progress: bool = False,
    keep_decisions: bool = False,
    labels: Mapping[str, Label] | None = None,
    history: bool = True,
) -> ReplayReport:
    """Replay ``records`` through the packs and evaluate the candidate.

    ``records`` holds JSON lines, or airline messages (PAXLST, PNRGOV) converted flight by
    flight; ``labels`` the ground truth (`evaluation.labels.read_labels`). Raises PackError
    if a pack does not compile or the candidate's own examples fail, LookoutLoadError if
    the list does not load, MessageError if a message file cannot be read. With
    ``history`` the travel history is computed from the input itself (two passes over it,
    in a temporary store), so history rules decide as the live service would have.
    """
    proven = build_snapshot(candidate, prove_examples=True)
    candidate_spec = pack_spec(proven)
    proven.engine.close()
    baseline_spec = None
    warnings = []
    if baseline:
        base = build_snapshot(baseline, prove_examples=False)
        baseline_spec = pack_spec(base)
        base.engine.close()
        if baseline_spec.version == candidate_spec.version:
            warnings.append(
                f"baseline and candidate both carry version {candidate_spec.version}: "
                "decisions logged under one will be indistinguishable from the other's"
            )
    if lookout:
        load_lookout(lookout)
    truth = labels
    lines = _lines(records, home_country)
    processes = processes or os.cpu_count() or 1
    report = ReplayReport(
        baseline=PackTally() if baseline else None,
        processes=processes,
        labelled=truth is not None,
        warnings=warnings,
    )
    started = time.perf_counter()
    total = records.stat().st_size
    context = multiprocessing.get_context("fork")
    scratch = tempfile.TemporaryDirectory(prefix="replay-history-") if history else None
    init = (
        str(candidate),
        str(baseline) if baseline else None,
        str(lookout) if lookout else None,
        keep_decisions,
        truth,
        (str(Path(scratch.name) / "history.sqlite3"), PseudonymKey.generate().secret.hex())
        if scratch is not None
        else None,
    )
    parts: list[Tally] = []
    with (
        scratch or contextlib.nullcontext(),
        context.Pool(processes, initializer=_init, initargs=init) as pool,
        tqdm(total=total, unit="B", unit_scale=True, disable=not progress, desc="replay") as bar,
    ):
        if scratch is not None:
            for _recorded in pool.imap(_record_chunk, _chunks(lines)):
                pass
            lines = _lines(records, home_country)
        sizes: list[int] = []

        def sized() -> Iterator[list[tuple[int, str]]]:
            for chunk in _chunks(lines):
                sizes.append(sum(len(line.encode()) for _, line in chunk))
                yield chunk

        for n, result in enumerate(pool.imap(_screen_chunk, sized())):
            bar.update(sizes[n])
            report.records += result.records
            report.travelers += result.travelers
            report.invalid += result.invalid
            report.candidate.merge(result.candidate)
            if report.baseline is not None and result.baseline is not None:
                report.baseline.merge(result.baseline)
            report.changed += result.changed
            report.decisions += result.decisions
            parts.append(result.evaluation)
    report.evaluation = merge_all(parts)
    report.report = build_report(report.evaluation, candidate_spec, baseline_spec)
    report.seconds = time.perf_counter() - started
    return report


def print_report(report: ReplayReport, records: Path, out: TextIO) -> None:
    base = report.baseline
    print(
        f"replayed {records}: {report.travelers} travelers in {report.records} records "
        f"({len(report.invalid)} invalid) in {report.seconds:.1f} s, "
        f"{report.travelers_per_second:,.0f} travelers/s on {report.processes} processes",
        file=out,
    )
    for warning in report.warnings:
        print(f"WARNING: {warning}", file=out)
    header = f"candidate {report.candidate.version} ({report.candidate.content_hash[:12]})"
    if base:
        header = f"baseline {base.version} ({base.content_hash[:12]}) -> " + header
    print(header, file=out)
    print(f"\n{'referral':<22}{'baseline':>10}{'candidate':>11}{'change':>9}", file=out)
    for level in ("none", "interview", "priority_interview"):
        after = report.candidate.referrals[level]
        before = base.referrals[level] if base else after
        print(f"  {level:<20}{before:>10}{after:>11}{after - before:>+9}", file=out)
    tallies = [report.candidate, *([base] if base else [])]
    rules = sorted({rule for t in tallies for rule in (*t.hits, *t.shadow_hits)})
    travelers = max(report.travelers, 1)
    print(
        f"\n{'rule hits (enforce+shadow)':<46}{'baseline':>10}{'candidate':>11}{'rate':>9}",
        file=out,
    )
    for rule in rules:
        after = report.candidate.hits[rule] + report.candidate.shadow_hits[rule]
        before = (base.hits[rule] + base.shadow_hits[rule]) if base else after
        shadow = " (shadow)" if report.candidate.shadow_hits[rule] else ""
        rate = f"{100 * after / travelers:.2f}%"
        print(f"  {rule + shadow:<44}{before:>10}{after:>11}{rate:>9}", file=out)
    print(f"\nreferral changed for {len(report.changed)} traveler(s)", file=out)
    for traveler_id, was, now in report.changed[:50]:
        print(f"  {traveler_id}: {was} -> {now}", file=out)
    if len(report.changed) > 50:
        print(f"  ... and {len(report.changed) - 50} more (see --json)", file=out)
    for number, problem in report.invalid[:20]:
        print(f"invalid record at line {number}: {problem}", file=out)
    if report.report is not None:
        if not report.labelled:
            print("\nno labels: precision and recall need NAME.labels.jsonl or --labels", file=out)
        print("\n" + format_text(report.report), end="", file=out)


def disparity_findings(report: ReplayReport) -> list[str]:
    """One line per group over its limit: the group, its ratio, the rules that drive it."""
    if report.report is None:
        return []
    lines = []
    for row in report.report.flagged:
        drivers = ", ".join(d.rule_id for d in row.drivers) or "no single rule"
        lines.append(
            f"disparity: {row.attribute}={row.group or '(unknown)'} is referred at "
            f"{row.ratio or 0:.2f}x the overall rate (limit {row.limit:g}x; "
            f"{row.referred} of {row.travelers} travelers); driven by {drivers}"
        )
    return lines


def report_json(report: ReplayReport) -> dict[str, Any]:
    def tally(t: PackTally | None) -> dict[str, Any] | None:
        if t is None:
            return None
        return {
            "version": t.version,
            "hash": t.content_hash,
            "referrals": dict(t.referrals),
            "hits": dict(t.hits),
            "shadow_hits": dict(t.shadow_hits),
        }

    return {
        "records": report.records,
        "travelers": report.travelers,
        "seconds": round(report.seconds, 3),
        "travelers_per_second": round(report.travelers_per_second, 1),
        "processes": report.processes,
        "candidate": tally(report.candidate),
        "baseline": tally(report.baseline),
        "changed": [{"traveler_id": t, "from": a, "to": b} for t, a, b in report.changed],
        "invalid": [{"line": n, "problem": p} for n, p in report.invalid],
        "warnings": report.warnings,
        "labelled": report.labelled,
        "evaluation": report.report.as_dict() if report.report is not None else None,
    }
