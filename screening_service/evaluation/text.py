"""The evaluation report as text for the terminal (`format_text`)."""

from __future__ import annotations

from screening_service.evaluation.report import EvaluationReport, Summary

CHANGED_SHOWN = 20
PAIRS_SHOWN = 10


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def _summary(name: str, s: Summary) -> list[str]:
    levels = ", ".join(f"{level} {n}" for level, n in s.referrals.items())
    rates = ", ".join(
        f"{cls} {pct(rate, 2)}" for cls, rate in s.referral_rate.items() if rate is not None
    )
    per_100 = "n/a" if s.per_100 is None else f"{s.per_100:.2f}"
    return [
        f"{name}: {s.travelers} travelers; {levels}; {per_100} referrals per 100",
        f"  precision {pct(s.precision)}  recall {pct(s.recall)}",
        f"  referral rate by class: {rates}",
    ]


def _limits(report: EvaluationReport) -> str:
    own = ", ".join(f"{a} {limit:g}x" for a, limit in sorted(report.disparity_limits.items()))
    return f"{report.disparity_limit:g}x" + (f"; {own}" if own else "") + " of"


def format_text(report: EvaluationReport) -> str:
    lines = [
        f"Evaluation of pack {report.candidate_version}"
        + (f" against {report.baseline_version}" if report.baseline_version else "")
    ]
    lines += _summary("candidate", report.candidate)
    if report.baseline is not None:
        lines += _summary("baseline", report.baseline)
    lines += _summary("shadow rules enforced", report.promoted)
    if report.mismatches:
        found = ", ".join(f"{k} x{n}" for k, n in report.mismatches.items())
        lines.append(f"WARNING: referrals not explained by weights and thresholds: {found}")
    lines += ["", "Recall by typology (victims):"]
    lines += [
        f"  {r.typology:<20} {r.referred:>6}/{r.victims:<6} {pct(r.recall)}"
        for r in report.typologies
    ]
    lines += ["", "Referral rate by pattern:"]
    lines += [
        f"  {r.cls:<10} {r.pattern:<28} {r.referred:>6}/{r.travelers:<7} {pct(r.rate, 2)}"
        for r in report.patterns
    ]
    lines += [
        "",
        "Rules (every rule; alone = referrals lost without it):",
        f"  {'rule':<34} {'mode':<7} {'weight':>6} {'hits':>7} {'prec':>7} {'recall':>7}"
        f" {'alone':>6}",
    ]
    lines += [
        f"  {r.rule_id:<34} {r.mode:<7} {r.weight:>6g} {r.hits:>7} {pct(r.precision):>7}"
        f" {pct(r.recall):>7} {r.alone:>6}" + ("" if r.in_pack else "  (not in the pack)")
        for r in report.rules
    ]
    if report.pairs:
        lines += ["", "Rules that fire together most:"]
        lines += [
            f"  {p.a} + {p.b}: {p.both} (jaccard {pct(p.jaccard, 0)})"
            for p in report.pairs[:PAIRS_SHOWN]
        ]
    w = report.workload
    lines += [
        "",
        f"Workload: {w.flights} flights, "
        + ("n/a" if w.per_100 is None else f"{w.per_100:.2f}")
        + " referrals per 100",
    ]
    if w.worst is not None:
        lines.append(
            f"  worst flight {w.worst.flight}: {w.worst.referred} referrals of "
            f"{w.worst.travelers} travelers"
        )
    lines += [
        "",
        f"Disparity (limit {_limits(report)} the overall referral rate; "
        f"groups of at least {report.min_group_size} travelers and "
        f"{report.min_group_referrals} referrals on {report.min_group_flights} flights):",
    ]
    flagged = report.flagged
    if not flagged:
        lines.append("  no group over the limit")
    for row in flagged:
        drivers = ", ".join(
            f"{d.rule_id} ({pct(d.group_rate, 2)} vs {pct(d.overall_rate, 2)})" for d in row.drivers
        )
        lines.append(
            f"  OVER LIMIT {row.attribute}={row.group}: {pct(row.rate, 2)}, "
            f"{row.ratio:.2f}x overall (limit {row.limit:g}x); "
            f"driven by {drivers or 'no single rule'}"
        )
    if report.changed:
        lines += ["", f"Changed travelers: {len(report.changed)}"]
        for c in report.changed[:CHANGED_SHOWN]:
            why = (
                "; ".join(
                    part
                    for part in (
                        "added " + ", ".join(c.added) if c.added else "",
                        "removed " + ", ".join(c.removed) if c.removed else "",
                        "reweighted " + ", ".join(c.reweighted) if c.reweighted else "",
                    )
                    if part
                )
                or "thresholds"
            )
            lines.append(f"  {c.traveler_id}: {c.baseline} -> {c.candidate} ({why})")
        if len(report.changed) > CHANGED_SHOWN:
            lines.append(f"  ... and {len(report.changed) - CHANGED_SHOWN} more (see the JSON)")
    return "\n".join(lines) + "\n"
