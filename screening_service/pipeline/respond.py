"""Decide -> respond: decisions become protobuf messages."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service import proto
from screening_service.pipeline.decide import (
    Decision,
    Hit,
    ReasonKind,
    Referral,
    ReferralReason,
    TypologyGuidance,
)
from screening_service.pipeline.records import Observation
from screening_service.proto import pb
from screening_service.rules.model import GuidanceKind

REFERRAL: Final = {
    Referral.NONE: pb.REFERRAL_NONE,
    Referral.INTERVIEW: pb.REFERRAL_INTERVIEW,
    Referral.PRIORITY_INTERVIEW: pb.REFERRAL_PRIORITY_INTERVIEW,
}


REASON: Final = {
    ReasonKind.NONE: pb.ReferralReason.KIND_NONE,
    ReasonKind.PRIORITY_RULE: pb.ReferralReason.KIND_PRIORITY_RULE,
    ReasonKind.SCORE_THRESHOLD: pb.ReferralReason.KIND_SCORE_THRESHOLD,
    ReasonKind.TYPOLOGY_THRESHOLD: pb.ReferralReason.KIND_TYPOLOGY_THRESHOLD,
}
GUIDANCE: Final = {
    GuidanceKind.QUESTION: pb.GUIDANCE_KIND_QUESTION,
    GuidanceKind.CHECK: pb.GUIDANCE_KIND_CHECK,
}
# Catalog words back to wire enums.
OBSERVATION_CODE: Final = {word: n for n, word in proto.OBSERVATION_CODE.items()}
OBSERVATION_SOURCE: Final = {word: n for n, word in proto.OBSERVATION_SOURCE.items()}


def _timestamp(instant: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(instant)
    return stamp


@lru_cache(maxsize=64)
def _evaluated_at(instant: dt.datetime) -> tuple[int, int]:
    """A flight's decisions share their evaluation time: converted once."""
    stamp = _timestamp(instant)
    return stamp.seconds, stamp.nanos


def _observation(observation: Observation) -> pb.Observation:
    message = pb.Observation(
        code=pb.ObservationCode.ValueType(OBSERVATION_CODE.get(observation.code, 0)),
        source=pb.ObservationSource.ValueType(OBSERVATION_SOURCE.get(observation.source or "", 0)),
        note=observation.note or "",
    )
    if observation.reported_at is not None:
        message.reported_at.CopyFrom(_timestamp(observation.reported_at))
    return message


def _indicator(hit: Hit) -> pb.Indicator:
    return pb.Indicator(
        rule_id=hit.rule_id,
        title=hit.title,
        typology=hit.typology,
        weight=hit.weight,
        refer_priority=hit.refer_priority,
        evidence=[
            pb.Evidence(
                field=e.field, value=e.value, unit=e.unit, phrase=e.phrase, unknown=e.unknown
            )
            for e in hit.evidence
        ],
        rationale=hit.rationale,
        source=hit.source,
        observations=[_observation(o) for o in hit.observations],
        related_traveler_ids=hit.related,
    )


def _reason(reason: ReferralReason) -> pb.ReferralReason:
    return pb.ReferralReason(
        kind=REASON[reason.kind],
        rule_id=reason.rule_id,
        typology=reason.typology,
        threshold=reason.threshold,
        score=reason.score,
        text=reason.text,
    )


# Every quiet traveler of a pack shares one reason object (`decide`'s plan): its message
# is built once, remembered by identity (equal reasons may differ in a float's sign, which
# the text shows); the reason is held, so its id cannot name another while remembered.
_REASONS: dict[int, tuple[ReferralReason, pb.ReferralReason]] = {}
_MAX_REASONS: Final = 64


def _reason_message(reason: ReferralReason) -> pb.ReferralReason:
    """`_reason`, remembered; the Decision's constructor copies the message in."""
    found = _REASONS.get(id(reason))
    if found is not None and found[0] is reason:
        return found[1]
    message = _reason(reason)
    if len(_REASONS) >= _MAX_REASONS:
        _REASONS.clear()
    _REASONS[id(reason)] = (reason, message)
    return message


def _guidance(guidance: TypologyGuidance) -> pb.TypologyGuidance:
    return pb.TypologyGuidance(
        typology=guidance.typology,
        title=guidance.title,
        items=[
            pb.GuidanceItem(kind=GUIDANCE[g.kind], text=g.text, source=g.source)
            for g in guidance.items
        ],
    )


def to_proto(decision: Decision) -> pb.Decision:
    seconds, nanos = _evaluated_at(decision.evaluated_at)
    evaluated_at = Timestamp(seconds=seconds, nanos=nanos)
    reason = decision.referral_reason
    return pb.Decision(
        traveler_id=decision.traveler_id,
        decision_id=decision.decision_id,
        referral=REFERRAL[decision.referral],
        score=decision.score,
        typology_scores=[
            pb.TypologyScore(typology=t, score=s) for t, s in decision.typology_scores
        ],
        indicators=[_indicator(h) for h in decision.indicators],
        shadow_indicators=[_indicator(h) for h in decision.shadow_indicators],
        ruleset_version=decision.ruleset_version,
        ruleset_hash=decision.ruleset_hash,
        evaluated_at=evaluated_at,
        referral_reason=_reason_message(reason) if reason is not None else None,
        guidance=[_guidance(g) for g in decision.guidance],
    )
