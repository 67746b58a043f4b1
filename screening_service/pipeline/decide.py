"""Evaluate -> decide: fired rules become a scored, explained decision.

Scoring, per typology, from the enforced rules that fired (shadow rules are
reported and change nothing):

1. a fired rule named in another fired rule's ``replaces:`` does not count
   (the combination's weight replaces its parts');
2. the weights of fired rules in one ``group`` count at most the group's cap;
3. mitigating rules (``mitigates: true``) subtract their weight, and a
   typology's score never goes below zero.

The score is the sum of the typology scores. The referral is
PRIORITY_INTERVIEW when a fired enforced rule says ``refer: priority``
(mitigation never cancels it), the score reaches the pack's priority
threshold or a typology's score reaches its own priority threshold;
INTERVIEW at the interview thresholds likewise; NONE otherwise.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass

from screening_service.catalog import CATALOG, Field, FieldType
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.compile import CompiledRule
from screening_service.rules.model import PackInfo, Rule
from screening_service.values import FactValue, Record, render

_AGGREGATE_FIELD = Field("flight.*", FieldType.INT, "a declared aggregate")


class Referral(enum.Enum):
    NONE = "none"
    INTERVIEW = "interview"
    PRIORITY_INTERVIEW = "priority_interview"


@dataclass(frozen=True)
class Evidence:
    field: str
    value: str


@dataclass(frozen=True)
class Hit:
    rule_id: str
    title: str
    typology: str
    weight: float
    refer_priority: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Decision:
    traveler_id: str
    decision_id: str
    referral: Referral
    score: float
    typology_scores: tuple[tuple[str, float], ...]
    indicators: tuple[Hit, ...]
    shadow_indicators: tuple[Hit, ...]
    ruleset_version: str
    ruleset_hash: str
    evaluated_at: dt.datetime


UNKNOWN = "unknown"
NONE_LISTED = "(none)"


def _shown(name: str, value: FactValue | None) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, list) and not value:
        return NONE_LISTED
    field = CATALOG.get(name)
    if field is None:  # a declared aggregate: a whole number or a boolean
        return (
            render(_AGGREGATE_FIELD, value) if not isinstance(value, bool) else str(value).lower()
        )
    if field.scope == "companion" and isinstance(value, list):
        return ", ".join(item or UNKNOWN for item in value) or NONE_LISTED
    return render(field, value)


def evidence(compiled: CompiledRule, record: Record) -> tuple[Evidence, ...]:
    """The values the rule read, as an officer reads them; an unknown value says "unknown"."""
    return tuple(Evidence(name, _shown(name, record.get(name))) for name in compiled.fields)


def _hit(compiled: CompiledRule, record: Record) -> Hit:
    rule = compiled.rule
    return Hit(
        rule.id,
        rule.title,
        rule.typology,
        rule.weight,
        rule.refer_priority,
        evidence(compiled, record),
    )


def new_decision_id() -> str:
    """128 random bits as 32 hex digits (what uuid4().hex gives, at a quarter of the cost)."""
    return os.urandom(16).hex()


def typology_scores(info: PackInfo, fired: list[Rule]) -> dict[str, float]:
    """Per-typology scores of the fired enforced rules: replaces, group caps, mitigation."""
    replaced = {other for rule in fired for other in rule.replaces}
    counted = [r for r in fired if r.id not in replaced]
    adding: dict[str, dict[str, float]] = {}
    for rule in counted:
        if rule.mitigates:
            continue
        by_group = adding.setdefault(rule.typology, {})
        key = rule.group or f"#{rule.id}"
        by_group[key] = by_group.get(key, 0.0) + rule.weight
    scores: dict[str, float] = {}
    for typology, groups in adding.items():
        total = 0.0
        for key, weight in groups.items():
            group = info.groups.get(key)
            total += min(weight, group.cap) if group is not None else weight
        scores[typology] = total
    for rule in counted:
        if rule.mitigates:
            scores[rule.typology] = max(0.0, scores.get(rule.typology, 0.0) - rule.weight)
    return scores


def referral(info: PackInfo, fired: list[Rule], scores: dict[str, float]) -> Referral:
    score = sum(scores.values())
    if any(r.refer_priority and not r.mitigates for r in fired) or score >= info.priority_threshold:
        return Referral.PRIORITY_INTERVIEW
    own = [(info.typologies[t], s) for t, s in scores.items() if t in info.typologies]
    if any(t.priority_threshold is not None and s >= t.priority_threshold for t, s in own):
        return Referral.PRIORITY_INTERVIEW
    if score >= info.interview_threshold:
        return Referral.INTERVIEW
    if any(t.interview_threshold is not None and s >= t.interview_threshold for t, s in own):
        return Referral.INTERVIEW
    return Referral.NONE


def decide(
    snapshot: Snapshot,
    traveler_id: str,
    record: Record,
    fired: Iterable[int],
    evaluated_at: dt.datetime,
) -> Decision:
    compiled = snapshot.compiled
    info = compiled.pack.info
    hits = [compiled.rules[i] for i in sorted(fired)]
    enforced_rules = [c for c in hits if c.rule.enforced]
    enforced = [_hit(c, record) for c in enforced_rules]
    shadow = [_hit(c, record) for c in hits if not c.rule.enforced]
    rules = [c.rule for c in enforced_rules]
    scores = typology_scores(info, rules)
    return Decision(
        traveler_id=traveler_id,
        decision_id=new_decision_id(),
        referral=referral(info, rules, scores),
        score=round(sum(scores.values()), 4),
        typology_scores=tuple(sorted(scores.items())),
        indicators=tuple(enforced),
        shadow_indicators=tuple(shadow),
        ruleset_version=snapshot.version,
        ruleset_hash=snapshot.content_hash,
        evaluated_at=evaluated_at,
    )
