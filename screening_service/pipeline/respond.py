"""Decide -> respond: decisions become protobuf messages."""

from __future__ import annotations

from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.pipeline.decide import Decision, Hit, Referral
from screening_service.proto import pb

REFERRAL: Final = {
    Referral.NONE: pb.REFERRAL_NONE,
    Referral.INTERVIEW: pb.REFERRAL_INTERVIEW,
    Referral.PRIORITY_INTERVIEW: pb.REFERRAL_PRIORITY_INTERVIEW,
}


def _indicator(hit: Hit) -> pb.Indicator:
    return pb.Indicator(
        rule_id=hit.rule_id,
        title=hit.title,
        typology=hit.typology,
        weight=hit.weight,
        refer_priority=hit.refer_priority,
        evidence=[pb.Evidence(field=e.field, value=e.value) for e in hit.evidence],
    )


def to_proto(decision: Decision) -> pb.Decision:
    evaluated_at = Timestamp()
    evaluated_at.FromDatetime(decision.evaluated_at)
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
    )
