"""The evaluation report as one self-contained HTML page (`render_html`).

Inline CSS and inline SVG only (svg.py): no script, no web font, no image or
style sheet fetched, so the page reads the same offline, in a mail
attachment or in an air-gapped review. Every value is escaped. Sections
carry stable ids (summary, typologies, precision-recall, rules, histogram,
workload, disparity, changed) that the Chromium test looks for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from screening_service.evaluation import svg
from screening_service.evaluation.report import EvaluationReport, Summary
from screening_service.evaluation.tally import CLASSES
from screening_service.evaluation.text import pct

CHANGED_SHOWN = 500
PAIRS_SHOWN = 25
GROUPS_CHARTED = 25

_STYLE = """
body{font-family:"Liberation Sans",Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
tr.over td{background:#fde2e0}.warn{color:#b03a2e;font-weight:bold}
svg.chart{width:100%;max-width:900px;height:auto;display:block;margin:8px 0}
.note{color:#555;font-size:12px}
"""


def _cell(value: object, left: bool = False) -> str:
    cls = ' class="l"' if left else ""
    return f"<td{cls}>{escape(str(value))}</td>"


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], left: int = 1, row_class: str = ""
) -> str:
    head = "".join(
        f'<th class="l">{escape(h)}</th>' if i < left else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = "".join(_cell(v, i < left) for i, v in enumerate(row))
        body.append(f"<tr{row_class}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _summary_rows(name: str, s: Summary) -> list[object]:
    return [
        name,
        s.travelers,
        s.referrals["interview"],
        s.referrals["priority_interview"],
        "n/a" if s.per_100 is None else f"{s.per_100:.2f}",
        pct(s.precision),
        pct(s.recall),
        pct(s.referral_rate["lawful"], 2),
        pct(s.referral_rate["background"], 2),
    ]


def _summary(report: EvaluationReport) -> str:
    rows = [_summary_rows("candidate", report.candidate)]
    if report.baseline is not None:
        rows.append(_summary_rows("baseline", report.baseline))
    rows.append(_summary_rows("shadow rules enforced", report.promoted))
    headers = (
        "pack",
        "travelers",
        "interview",
        "priority",
        "per 100",
        "precision",
        "recall",
        "lawful referred",
        "background referred",
    )
    warn = ""
    if report.mismatches:
        found = ", ".join(f"{k} x{n}" for k, n in report.mismatches.items())
        warn = (
            f'<p class="warn">Referrals not explained by the weights and thresholds: '
            f"{escape(found)}</p>"
        )
    if report.flagged:
        warn += (
            f'<p class="warn">{len(report.flagged)} group(s) over the disparity limit of '
            f"{report.disparity_limit:g}x</p>"
        )
    return f'<section id="summary"><h2>Summary</h2>{_table(headers, rows)}{warn}</section>'


def _typologies(report: EvaluationReport) -> str:
    rows = [(r.typology, r.victims, r.referred, pct(r.recall)) for r in report.typologies]
    patterns = [
        (r.cls, r.pattern, r.travelers, r.referred, pct(r.rate, 2)) for r in report.patterns
    ]
    attributed = [(r.typology, r.referred, r.correct, pct(r.precision)) for r in report.attributed]
    return (
        '<section id="typologies"><h2>Recall by typology and referral rate by pattern</h2>'
        + _table(("typology", "victims", "referred", "recall"), rows)
        + _table(("class", "pattern", "travelers", "referred", "rate"), patterns, left=2)
        + "<p class=note>Referrals by the pack typology with the highest score:</p>"
        + _table(("pack typology", "referred", "in a case", "precision"), attributed)
        + "</section>"
    )


def _precision_recall(report: EvaluationReport) -> str:
    typologies = [(r.typology, None, r.recall) for r in report.typologies]
    rules = [(r.rule_id, r.precision, r.recall) for r in report.rules if r.hits]
    return (
        '<section id="precision-recall"><h2>Precision and recall</h2>'
        + svg.paired_bars("Recall by planted typology", typologies)
        + svg.paired_bars("Precision and recall by rule (rules that fired)", rules)
        + "</section>"
    )


def _rules(report: EvaluationReport) -> str:
    rows = [
        (
            r.rule_id + ("" if r.in_pack else " (not in pack)"),
            r.typology,
            r.mode,
            f"{r.weight:g}",
            "yes" if r.refer_priority else "",
            r.hits,
            *(r.hits_by_class[c] for c in CLASSES),
            pct(r.precision),
            pct(r.recall),
            r.alone,
            r.alone_victims,
            r.alone_priority,
        )
        for r in report.rules
    ]
    headers = (
        "rule",
        "typology",
        "mode",
        "weight",
        "priority",
        "hits",
        *CLASSES,
        "precision",
        "recall",
        "alone",
        "alone (victims)",
        "alone (priority)",
    )
    pairs = [(p.a, p.b, p.both, pct(p.jaccard, 0)) for p in report.pairs[:PAIRS_SHOWN]]
    chart = svg.hbars("Hits per rule", [(r.rule_id, float(r.hits)) for r in report.rules])
    return (
        '<section id="rules"><h2>Rules</h2>'
        "<p class=note>Every rule of the pack, zero hits included. <em>alone</em>: referrals "
        "that fall to no referral without the rule.</p>"
        + chart
        + _table(headers, rows, left=3)
        + "<h3>Rules that fire together</h3>"
        + _table(("rule", "with", "both", "jaccard"), pairs, left=2)
        + "</section>"
    )


def _histogram(report: EvaluationReport) -> str:
    bins = [(f"{b.low:g}", b.counts) for b in report.histogram]
    markers = []
    for name, threshold in report.thresholds.items():
        for i, b in enumerate(report.histogram):
            if b.high is None or b.low <= threshold < b.high:
                markers.append((i, name))
                break
    chart = svg.stacked_histogram("Travelers by score (square-root scale)", bins, CLASSES, markers)
    return f'<section id="histogram"><h2>Score distribution</h2>{chart}</section>'


def _workload(report: EvaluationReport) -> str:
    w = report.workload
    worst = (
        f"worst flight {escape(w.worst.flight)}: {w.worst.referred} referrals of "
        f"{w.worst.travelers} travelers"
        if w.worst
        else "no flights"
    )
    per_100 = "n/a" if w.per_100 is None else f"{w.per_100:.2f}"
    mean = "n/a" if w.mean_per_flight is None else f"{w.mean_per_flight:.2f}"
    return (
        f'<section id="workload"><h2>Workload</h2><p>{w.flights} flights; {per_100} '
        f"referrals per 100 travelers; {mean} per flight; {worst}.</p></section>"
    )


def _own_limits(report: EvaluationReport) -> str:
    """The attributes with their own limit, as a clause of the note."""
    own = ", ".join(
        f"{escape(a)} {limit:g}x" for a, limit in sorted(report.disparity_limits.items())
    )
    return f" (own limits: {own})" if own else ""


def _disparity(report: EvaluationReport) -> str:
    limit = report.disparity_limit
    sized = [r for r in report.disparity if r.travelers >= report.min_group_size and r.ratio]
    sized.sort(key=lambda r: -(r.ratio or 0.0))
    chart = svg.hbars(
        "Referral rate over the overall rate (largest groups' ratios)",
        [(f"{r.attribute}={r.group}", r.ratio or 0.0) for r in sized[:GROUPS_CHARTED]],
        fmt="{:.2f}x",
        marker=limit,
        marker_label=f"limit {limit:g}x",
        over=limit,
    )
    rows = []
    for r in report.disparity:
        drivers = ", ".join(
            f"{d.rule_id} ({pct(d.group_rate, 2)} vs {pct(d.overall_rate, 2)})" for d in r.drivers
        )
        rows.append(
            (
                r.attribute,
                r.group,
                r.travelers,
                r.referred,
                r.flights,
                pct(r.rate, 2),
                "n/a" if r.ratio is None else f"{r.ratio:.2f}x",
                f"{r.limit:g}x",
                "OVER LIMIT" if r.flagged else "",
                drivers,
            )
        )
    flagged = [row for row in rows if row[8]]
    note = (
        f"<p class=note>Travelers not in a trafficking case. A group is flagged above "
        f"{limit:g}x the overall rate{_own_limits(report)} with at least "
        f"{report.min_group_size} travelers and "
        f"{report.min_group_referrals} referrals on at least {report.min_group_flights} "
        "flights.</p>"
    )
    headers = (
        "attribute",
        "group",
        "travelers",
        "referred",
        "flights",
        "rate",
        "ratio",
        "limit",
        "flag",
        "driven by",
    )
    over = (
        _table(headers, flagged, left=2, row_class=' class="over"')
        if flagged
        else ("<p>No group over the limit.</p>")
    )
    return (
        '<section id="disparity"><h2>Disparity</h2>'
        + note
        + chart
        + over
        + "<details><summary>All groups</summary>"
        + _table(headers, rows, left=2)
        + "</details></section>"
    )


def _changed(report: EvaluationReport) -> str:
    rows = [
        (
            c.traveler_id,
            c.flight,
            c.baseline,
            c.candidate,
            ", ".join(c.added),
            ", ".join(c.removed),
            ", ".join(c.reweighted),
        )
        for c in report.changed[:CHANGED_SHOWN]
    ]
    more = len(report.changed) - len(rows)
    tail = f"<p class=note>... and {more} more in the JSON report.</p>" if more > 0 else ""
    headers = (
        "traveler",
        "flight",
        "baseline",
        "candidate",
        "rules added",
        "rules removed",
        "reweighted",
    )
    return (
        f'<section id="changed"><h2>Changed travelers ({len(report.changed)})</h2>'
        + _table(headers, rows, left=7)
        + tail
        + "</section>"
    )


def render_html(report: EvaluationReport) -> str:
    title = f"Evaluation of rule pack {report.candidate_version}"
    if report.baseline_version:
        title += f" against {report.baseline_version}"
    body = "".join(
        (
            _summary(report),
            _typologies(report),
            _precision_recall(report),
            _rules(report),
            _histogram(report),
            _workload(report),
            _disparity(report),
            _changed(report),
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )
