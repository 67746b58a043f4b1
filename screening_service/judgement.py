"""What replay hands to the evaluation: the pipeline's decisions as plain outcomes.

The evaluation package judges a pack without importing it (it must not be
shaped by what it measures), so the translation lives here, between the
two: a compiled pack becomes a `PackSpec` (weights, thresholds, composition,
the disparity limits of ``pack.yaml``), and each decision with the enriched
record it was made from becomes a `TravelerOutcome` (its label, its audit
groups, the fired rule ids). Only the audit reads the protected attributes
(nationality, sex, age), from the enriched record; no rule can.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from screening_service.evaluation.labels import LabelLookup
from screening_service.evaluation.metrics import (
    DEFAULT_DISPARITY_LIMIT,
    PackOutcome,
    PackSpec,
    Referral,
    RuleSpec,
    TravelerOutcome,
    TypologyThreshold,
)
from screening_service.evaluation.regions import groups_for
from screening_service.pipeline.decide import Decision
from screening_service.pipeline.decide import Referral as ReferralLevel
from screening_service.pipeline.snapshot import Snapshot
from screening_service.values import Record


def pack_spec(snapshot: Snapshot) -> PackSpec:
    """The numbers of a compiled pack that decide a referral, and its disparity limits."""
    pack = snapshot.compiled.pack
    info = pack.info
    rules = tuple(
        RuleSpec(
            rule.id,
            rule.typology,
            rule.weight,
            "enforce" if rule.enforced else "shadow",
            rule.refer_priority,
            rule.group,
            rule.replaces,
            rule.mitigates,
        )
        for rule in pack.rules
    )
    own = {
        name: TypologyThreshold(t.interview_threshold, t.priority_threshold)
        for name, t in info.typologies.items()
        if t.interview_threshold is not None or t.priority_threshold is not None
    }
    return PackSpec(
        info.version,
        rules,
        info.interview_threshold,
        info.priority_threshold,
        own,
        info.disparity_limit if info.disparity_limit is not None else DEFAULT_DISPARITY_LIMIT,
        {name: group.cap for name, group in info.groups.items()},
        dict(info.disparity_limits),
    )


def _text(record: Record, name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) else ""


def _age(record: Record) -> int | None:
    value = record.get("traveler.age_years")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_REFERRALS: Final[dict[ReferralLevel, Referral]] = {
    ReferralLevel.NONE: "none",
    ReferralLevel.INTERVIEW: "interview",
    ReferralLevel.PRIORITY_INTERVIEW: "priority_interview",
}


# A decision no rule fired for has one of a few outcomes: made once each, not per traveler.
_QUIET: dict[tuple[ReferralLevel, float], PackOutcome] = {}


def pack_outcome(decision: Decision) -> PackOutcome:
    if not decision.indicators and not decision.shadow_indicators:
        key = (decision.referral, decision.score)
        quiet = _QUIET.get(key)
        if quiet is None:
            quiet = _QUIET[key] = PackOutcome(_REFERRALS[decision.referral], decision.score)
        return quiet
    return PackOutcome(
        _REFERRALS[decision.referral],
        decision.score,
        tuple(h.rule_id for h in decision.indicators),
        tuple(h.rule_id for h in decision.shadow_indicators),
    )


def traveler_outcomes(
    flight: str,
    records: Sequence[Record],
    candidate: Sequence[Decision],
    baseline: Sequence[Decision] | None,
    labels: LabelLookup | None,
) -> list[TravelerOutcome]:
    """One outcome per traveler of a screened flight, in request order."""
    found = []
    for n, (record, decision) in enumerate(zip(records, candidate, strict=True)):
        groups = groups_for(
            _text(record, "traveler.nationality"),
            _text(record, "traveler.sex"),
            _age(record),
            _text(record, "itinerary.origin"),
        )
        found.append(
            TravelerOutcome(
                decision.traveler_id,
                flight,
                labels.get(decision.traveler_id) if labels is not None else None,
                groups,
                pack_outcome(decision),
                pack_outcome(baseline[n]) if baseline is not None else None,
            )
        )
    return found
