"""Evaluate -> decide: fired rules become a scored, explained decision.

Enforced rules add their weight to the score and to their typology's score;
shadow rules are reported and change nothing. The referral is
PRIORITY_INTERVIEW when a fired enforced rule says ``refer: priority`` or the
score reaches the pack's priority threshold, INTERVIEW at the interview
threshold, NONE otherwise.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass

from screening_service.catalog import CATALOG
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.compile import CompiledRule
from screening_service.values import Record, render


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


ABSENT = "(absent)"


def evidence(compiled: CompiledRule, record: Record) -> tuple[Evidence, ...]:
    """The values the rule read, as an officer reads them."""
    items = []
    for name in compiled.fields:
        value = record.get(name)
        empty = value is None or (isinstance(value, list) and not value)
        items.append(Evidence(name, ABSENT if empty else render(CATALOG[name], value)))  # type: ignore[arg-type]
    return tuple(items)


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
    enforced = [_hit(c, record) for c in hits if c.rule.enforced]
    shadow = [_hit(c, record) for c in hits if not c.rule.enforced]
    by_typology: dict[str, float] = {}
    for hit in enforced:
        by_typology[hit.typology] = by_typology.get(hit.typology, 0.0) + hit.weight
    score = sum(hit.weight for hit in enforced)
    if any(hit.refer_priority for hit in enforced) or score >= info.priority_threshold:
        referral = Referral.PRIORITY_INTERVIEW
    elif score >= info.interview_threshold:
        referral = Referral.INTERVIEW
    else:
        referral = Referral.NONE
    return Decision(
        traveler_id=traveler_id,
        decision_id=new_decision_id(),
        referral=referral,
        score=score,
        typology_scores=tuple(sorted(by_typology.items())),
        indicators=tuple(enforced),
        shadow_indicators=tuple(shadow),
        ruleset_version=snapshot.version,
        ruleset_hash=snapshot.content_hash,
        evaluated_at=evaluated_at,
    )
