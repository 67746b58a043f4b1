"""Decide -> card: one traveler's decision as plain text, as the officer would read it.

`screening rules explain` prints this card by default: the referral and its
reason, each indicator with its rationale, phrased evidence, the reports it
read and the other travelers involved, the interview guidance; then, for the
rule author, every rule that did not fire with the clause that decided it.
The card shows observation notes (it is what the desk sees); it is printed
for a person, never logged.
"""

from __future__ import annotations

from collections.abc import Set

from screening_service.pipeline.decide import Decision, Hit, Referral
from screening_service.pipeline.records import Observation
from screening_service.rules import prove
from screening_service.rules.compile import CompiledPack
from screening_service.values import Record

REFERRAL_WORDS = {
    Referral.NONE: "no referral",
    Referral.INTERVIEW: "INTERVIEW",
    Referral.PRIORITY_INTERVIEW: "PRIORITY INTERVIEW",
}
MARKS = {"question": "?", "check": "!"}


def _report(observation: Observation) -> str:
    source = observation.source or "unknown source"
    when = (
        observation.reported_at.strftime("%Y-%m-%d %H:%M UTC")
        if observation.reported_at is not None
        else "time unknown"
    )
    line = f"report: {observation.code.replace('_', ' ')} (by {source}, {when})"
    return f'{line}: "{observation.note}"' if observation.note else line


def _indicator(hit: Hit) -> list[str]:
    flags = ", refers on its own" if hit.refer_priority else ""
    lines = [
        f"  * {hit.title}",
        f"    [{hit.rule_id}, {hit.typology}, weight {hit.weight:g}{flags}]",
    ]
    if hit.rationale:
        lines.append(f"    why: {hit.rationale}")
    lines += [f"    - {e.phrase}" for e in hit.evidence]
    lines += [f"    {_report(o)}" for o in hit.observations]
    if hit.related:
        lines.append(f"    others involved: {', '.join(hit.related)}")
    return lines


def card(decision: Decision, record: Record, fired: Set[int], compiled: CompiledPack) -> list[str]:
    """The lines of one traveler's card."""
    lines = [f"traveler {decision.traveler_id}: {REFERRAL_WORDS[decision.referral]}"]
    if decision.referral_reason is not None:
        lines.append(f"  reason: {decision.referral_reason.text}")
    scores = ", ".join(f"{t} {s:g}" for t, s in decision.typology_scores)
    lines.append(f"  score: {decision.score:g}" + (f" ({scores})" if scores else ""))
    if decision.indicators:
        lines.append("indicators:")
        for hit in decision.indicators:
            lines += _indicator(hit)
    if decision.shadow_indicators:
        lines.append("shadow indicators (never change the referral):")
        for hit in decision.shadow_indicators:
            lines += _indicator(hit)
    if decision.guidance:
        lines.append("interview guidance:")
        for typology in decision.guidance:
            lines.append(f"  {typology.title}")
            lines += [f"    {MARKS[g.kind.value]} {g.text} ({g.source})" for g in typology.items]
    silent = [c for c in compiled.rules if c.index not in fired]
    if silent:
        lines.append("rules that did not fire:")
        lines += [f"  - {c.rule.id}: {prove.explain(c.rule.condition, record)}" for c in silent]
    return lines
