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
INTERVIEW at the interview thresholds likewise; NONE otherwise. The first
of these causes, in that order, is the decision's `ReferralReason`.

For the officer at the desk, each indicator carries the rule's title,
rationale and source, its evidence phrased with units (`phrase`), the
reports it read (rules on ``observations.*``) and the other travelers behind
a flight-level value (`related`); a referral carries the interview guidance
of every typology whose indicators fired.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import os
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Final

from screening_service.catalog import CATALOG, Field, FieldType
from screening_service.pipeline.phrase import phrase, unit
from screening_service.pipeline.records import Observation
from screening_service.pipeline.related import MAX_NAMED, NOBODY, Related
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules import condition_ast as ast
from screening_service.rules.compile import CompiledPack, CompiledRule
from screening_service.rules.model import Guidance, PackInfo, Rule
from screening_service.values import FactValue, Record, render

_AGGREGATE_FIELD = Field("flight.*", FieldType.INT, "a declared aggregate")


class Referral(enum.Enum):
    NONE = "none"
    INTERVIEW = "interview"
    PRIORITY_INTERVIEW = "priority_interview"


class ReasonKind(enum.Enum):
    NONE = "none"
    PRIORITY_RULE = "priority_rule"
    SCORE_THRESHOLD = "score_threshold"
    TYPOLOGY_THRESHOLD = "typology_threshold"


@dataclass(frozen=True)
class ReferralReason:
    """The first cause of the referral: a priority rule, or which threshold the score reached."""

    referral: Referral
    kind: ReasonKind
    rule_id: str = ""
    typology: str = ""
    threshold: float = 0.0
    score: float = 0.0

    @property
    def text(self) -> str:
        level = (
            "priority interview" if self.referral is Referral.PRIORITY_INTERVIEW else "interview"
        )
        if self.kind is ReasonKind.PRIORITY_RULE:
            return f"rule {self.rule_id} refers for a priority interview on its own"
        if self.kind is ReasonKind.TYPOLOGY_THRESHOLD:
            return (
                f"{self.typology} score {self.score:g} reached its {level} "
                f"threshold {self.threshold:g}"
            )
        if self.kind is ReasonKind.SCORE_THRESHOLD:
            return f"score {self.score:g} reached the {level} threshold {self.threshold:g}"
        return f"score {self.score:g} is below the interview threshold {self.threshold:g}"


@dataclass(frozen=True)
class Evidence:
    field: str
    value: str
    unit: str = ""
    phrase: str = ""
    unknown: bool = False


@dataclass(frozen=True)
class Hit:
    rule_id: str
    title: str
    typology: str
    weight: float
    refer_priority: bool
    evidence: tuple[Evidence, ...]
    rationale: str = ""
    source: str = ""
    observations: tuple[Observation, ...] = ()
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class TypologyGuidance:
    typology: str
    title: str
    items: tuple[Guidance, ...]


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
    referral_reason: ReferralReason | None = None
    guidance: tuple[TypologyGuidance, ...] = ()


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


def evidence(
    compiled: CompiledRule, record: Record, info: PackInfo | None = None
) -> tuple[Evidence, ...]:
    """The values the rule read, as an officer reads them; an unknown value says "unknown"."""
    return _evidence(compiled.fields, record, _described(info))


def _described(info: PackInfo | None) -> dict[str, str]:
    return {a.field_name: a.description for a in info.aggregates} if info else {}


def _item(name: str, value: FactValue | None, described: Mapping[str, str]) -> Evidence:
    shown = _shown(name, value)
    known = value is not None
    return Evidence(
        name, shown, unit(name), phrase(name, shown, known, described.get(name, "")), not known
    )


# Evidence items kept per pack: values that repeat (flags, codes, small counts) are
# phrased once. Floats are not kept: -0.0 equals 0.0 but is shown "-0".
_REMEMBERED: Final = (bool, int, str, type(None))
_MAX_REMEMBERED: Final = 4096


def _evidence(
    fields: tuple[str, ...],
    record: Record,
    described: Mapping[str, str],
    remembered: dict[tuple[str, type, object], Evidence] | None = None,
) -> tuple[Evidence, ...]:
    found = []
    for name in fields:
        value = record.get(name)
        kind = type(value)
        if remembered is None or kind not in _REMEMBERED:
            found.append(_item(name, value, described))
            continue
        key = (name, kind, value)  # the type too: True == 1, but they read differently
        item = remembered.get(key)
        if item is None:
            if len(remembered) >= _MAX_REMEMBERED:
                remembered.clear()
            item = remembered[key] = _item(name, value, described)
        found.append(item)
    return tuple(found)


_OBSERVED: Final = ("observations.codes", "observations.sources")


def observations_read(rule: Rule, observations: Iterable[Observation]) -> tuple[Observation, ...]:
    """The reports a rule on ``observations.*`` read: those of the codes and sources it names
    (every report when it names none, e.g. ``observations.count >= 2``)."""
    if not any(name.startswith("observations.") for name in ast.fields_read(rule.condition)):
        return ()
    named: dict[str, set[object]] = {name: set() for name in _OBSERVED}
    for node, _depth in ast.walk(rule.condition):
        if isinstance(node, ast.Contains | ast.Compare) and node.field.name in named:
            named[node.field.name].add(node.value.value)
        elif isinstance(node, ast.InList) and node.field.name in named:
            named[node.field.name].update(v.value for v in node.values)
    codes, sources = named["observations.codes"], named["observations.sources"]
    return tuple(
        o
        for o in observations
        if (not codes or o.code in codes) and (not sources or o.source in sources)
    )


@dataclass(frozen=True)
class _RulePlan:
    """What a hit of one rule says that does not depend on the traveler."""

    compiled: CompiledRule
    rationale: str
    source: str
    reads_observations: bool


@dataclass(frozen=True)
class _PackPlan:
    """Per pack, computed once: the rules' fixed texts, and the whole quiet decision.

    A traveler no rule fired for (most of them) gets the score, reason and
    guidance of an empty firing, which depend on the pack alone.
    """

    rules: tuple[_RulePlan, ...]
    described: Mapping[str, str]
    quiet_score: float
    quiet_reason: ReferralReason
    quiet_guidance: tuple[TypologyGuidance, ...]
    remembered: dict[tuple[str, type, object], Evidence] = dataclasses.field(default_factory=dict)


def _plan_of(compiled: CompiledPack) -> _PackPlan:
    info = compiled.pack.info
    rules = tuple(
        _RulePlan(
            c,
            " ".join(c.rule.rationale.split()),
            " ".join(c.rule.source.split()),
            any(name.startswith("observations.") for name in ast.fields_read(c.rule.condition)),
        )
        for c in compiled.rules
    )
    scores = typology_scores(info, [])
    reason = referral_reason(info, [], scores)
    return _PackPlan(
        rules,
        _described(info),
        round(sum(scores.values()), 4),
        reason,
        guidance(info, [], reason),
    )


_PLANS: dict[int, tuple[weakref.ref[CompiledPack], _PackPlan]] = {}
_MAX_PLANS: Final = 16


def _pack_plan(compiled: CompiledPack) -> _PackPlan:
    """The pack's plan, built on its first decision (a compiled pack is not hashable: by id,
    with a weak reference proving the id still names the same pack)."""
    found = _PLANS.get(id(compiled))
    if found is not None and found[0]() is compiled:
        return found[1]
    plan = _plan_of(compiled)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[id(compiled)] = (weakref.ref(compiled), plan)
    return plan


def _hit(
    planned: _RulePlan,
    record: Record,
    described: Mapping[str, str],
    observations: Sequence[Observation],
    related: Related,
    remembered: dict[tuple[str, type, object], Evidence],
) -> Hit:
    compiled = planned.compiled
    rule = compiled.rule
    others = (
        dict.fromkeys(
            islice((i for name in compiled.fields for i in related.get(name, ())), MAX_NAMED)
        )
        if related
        else ()
    )
    return Hit(
        rule.id,
        rule.title,
        rule.typology,
        rule.weight,
        rule.refer_priority,
        _evidence(compiled.fields, record, described, remembered),
        planned.rationale,
        planned.source,
        observations_read(rule, observations)
        if observations and planned.reads_observations
        else (),
        tuple(others),
    )


def new_decision_id() -> str:
    """128 random bits as 32 hex digits (what uuid4().hex gives, at a quarter of the cost)."""
    return os.urandom(16).hex()


def new_decision_ids(count: int) -> list[str]:
    """``count`` decision ids from one read of the system's random source (one read per
    flight instead of one per traveler; each id is still 128 random bits of its own)."""
    digits = os.urandom(16 * count).hex()
    return [digits[n : n + 32] for n in range(0, 32 * count, 32)]


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


def referral_reason(info: PackInfo, fired: list[Rule], scores: dict[str, float]) -> ReferralReason:
    """The referral and its first cause, in the order the module docstring gives."""
    score = round(sum(scores.values()), 4)
    priority_rule = next((r for r in fired if r.refer_priority and not r.mitigates), None)
    if priority_rule is not None:
        return ReferralReason(
            Referral.PRIORITY_INTERVIEW, ReasonKind.PRIORITY_RULE, rule_id=priority_rule.id
        )
    own = sorted((t, s) for t, s in scores.items() if t in info.typologies)
    for referral_level, total in (
        (Referral.PRIORITY_INTERVIEW, info.priority_threshold),
        (Referral.INTERVIEW, info.interview_threshold),
    ):
        if score >= total:
            return ReferralReason(
                referral_level, ReasonKind.SCORE_THRESHOLD, threshold=total, score=score
            )
        for typology, typology_score in own:
            declared = info.typologies[typology]
            threshold = (
                declared.priority_threshold
                if referral_level is Referral.PRIORITY_INTERVIEW
                else declared.interview_threshold
            )
            if threshold is not None and typology_score >= threshold:
                return ReferralReason(
                    referral_level,
                    ReasonKind.TYPOLOGY_THRESHOLD,
                    typology=typology,
                    threshold=threshold,
                    score=round(typology_score, 4),
                )
    return ReferralReason(
        Referral.NONE, ReasonKind.NONE, threshold=info.interview_threshold, score=score
    )


def referral(info: PackInfo, fired: list[Rule], scores: dict[str, float]) -> Referral:
    return referral_reason(info, fired, scores).referral


def guidance(
    info: PackInfo, fired: list[Rule], reason: ReferralReason
) -> tuple[TypologyGuidance, ...]:
    """For a referral: the guidance of each typology an adding rule fired for, in pack order."""
    if reason.referral is Referral.NONE:
        return ()
    contributing = {r.typology for r in fired if not r.mitigates}
    return tuple(
        TypologyGuidance(t.id, t.title, t.guidance)
        for t in info.typologies.values()
        if t.id in contributing and t.guidance
    )


def decide(
    snapshot: Snapshot,
    traveler_id: str,
    record: Record,
    fired: Iterable[int],
    evaluated_at: dt.datetime,
    *,
    observations: Sequence[Observation] = (),
    related: Related = NOBODY,
    decision_id: str = "",
) -> Decision:
    """One traveler's decision; ``observations`` are the traveler's reports and ``related``
    the other travelers behind each flight-level field (`pipeline.related`); ``decision_id``
    (from `new_decision_ids`) or a new one."""
    decision_id = decision_id or new_decision_id()
    compiled = snapshot.compiled
    plan = _pack_plan(compiled)
    pack = compiled.pack
    indices = sorted(fired)
    if not indices:
        return Decision(
            traveler_id=traveler_id,
            decision_id=decision_id,
            referral=plan.quiet_reason.referral,
            score=plan.quiet_score,
            typology_scores=(),
            indicators=(),
            shadow_indicators=(),
            ruleset_version=pack.version,
            ruleset_hash=pack.content_hash,
            evaluated_at=evaluated_at,
            referral_reason=plan.quiet_reason,
            guidance=plan.quiet_guidance,
        )
    info = pack.info
    hits = [plan.rules[i] for i in indices]
    described = plan.described
    enforced_rules = [h for h in hits if h.compiled.rule.enforced]
    remembered = plan.remembered
    enforced = [
        _hit(h, record, described, observations, related, remembered) for h in enforced_rules
    ]
    shadow = [
        _hit(h, record, described, observations, related, remembered)
        for h in hits
        if not h.compiled.rule.enforced
    ]
    rules = [h.compiled.rule for h in enforced_rules]
    scores = typology_scores(info, rules)
    reason = referral_reason(info, rules, scores)
    return Decision(
        traveler_id=traveler_id,
        decision_id=decision_id,
        referral=reason.referral,
        score=round(sum(scores.values()), 4),
        typology_scores=tuple(sorted(scores.items())),
        indicators=tuple(enforced),
        shadow_indicators=tuple(shadow),
        ruleset_version=pack.version,
        ruleset_hash=pack.content_hash,
        evaluated_at=evaluated_at,
        referral_reason=reason,
        guidance=guidance(info, rules, reason),
    )
