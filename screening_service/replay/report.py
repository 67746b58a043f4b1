"""Replay's report: partition results added up, printed, and written as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from screening_service.evaluation.metrics import EvaluationReport
from screening_service.evaluation.text import format_text
from screening_service.replay.work import PackTally, PartitionResult


@dataclass
class ReplayReport(PartitionResult):
    seconds: float = 0.0
    processes: int = 1
    labelled: bool = False
    report: EvaluationReport | None = None
    warnings: list[str] = field(default_factory=list)
    # The largest peak resident memory of any worker process (bytes; 0: not measured).
    worker_peak_rss: int = 0

    @property
    def travelers_per_second(self) -> float:
        return self.travelers / self.seconds if self.seconds else 0.0

    def add(self, part: PartitionResult) -> None:
        """Add one partition's result; called in partition order, so lists keep input order."""
        self.records += part.records
        self.travelers += part.travelers
        self.invalid += part.invalid
        self.candidate.merge(part.candidate)
        if self.baseline is not None and part.baseline is not None:
            self.baseline.merge(part.baseline)
        self.changed += part.changed
        self.decisions += part.decisions
        self.evaluation.merge(part.evaluation)


def _place(place: tuple[str, int], single: bool) -> str:
    name, number = place
    return f"line {number}" if single else f"{name} line {number}"


def print_report(report: ReplayReport, records: Path, out: TextIO) -> None:
    base = report.baseline
    print(
        f"replayed {records}: {report.travelers} travelers in {report.records} records "
        f"({len(report.invalid)} invalid) in {report.seconds:.1f} s, "
        f"{report.travelers_per_second:,.0f} travelers/s on {report.processes} processes "
        f"(peak worker memory {report.worker_peak_rss / 2**20:,.0f} MiB)",
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
    single = records.is_file()
    for place, problem in report.invalid[:20]:
        print(f"invalid record at {_place(place, single)}: {problem}", file=out)
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


def report_json(report: ReplayReport, *, timing: bool = True) -> dict[str, Any]:
    """The whole report; ``timing=False`` leaves out what differs between identical runs."""

    def tally(t: PackTally | None) -> dict[str, Any] | None:
        if t is None:
            return None
        return {
            "version": t.version,
            "hash": t.content_hash,
            "referrals": dict(sorted(t.referrals.items())),
            "hits": dict(sorted(t.hits.items())),
            "shadow_hits": dict(sorted(t.shadow_hits.items())),
        }

    body: dict[str, Any] = {
        "records": report.records,
        "travelers": report.travelers,
        "candidate": tally(report.candidate),
        "baseline": tally(report.baseline),
        "changed": [{"traveler_id": t, "from": a, "to": b} for t, a, b in report.changed],
        "invalid": [{"file": name, "line": n, "problem": p} for (name, n), p in report.invalid],
        "warnings": report.warnings,
        "labelled": report.labelled,
        "evaluation": report.report.as_dict() if report.report is not None else None,
    }
    if timing:
        body["seconds"] = round(report.seconds, 3)
        body["travelers_per_second"] = round(report.travelers_per_second, 1)
        body["processes"] = report.processes
        body["worker_peak_rss_bytes"] = report.worker_peak_rss
    return body
