"""Replay as an evaluation: precision, recall, marginal effects, disparity.

Pure functions over plain data (outcomes.py): no engine, no protobuf. The
work is split so a distributed replay gives exactly a local replay's answer:
each worker turns its chunk into a `Tally` (`tally`), tallies add up
(`Tally.merge`, `merge_all`), and the report is built once from the sum
(`build_report`). `evaluate` does all three for one in-memory list.
"""

from __future__ import annotations

from collections.abc import Iterable

from screening_service.evaluation.outcomes import (
    AGE_BANDS,
    DEFAULT_DISPARITY_LIMIT,
    REFERRALS,
    Groups,
    PackOutcome,
    PackSpec,
    Referral,
    RuleSpec,
    TravelerOutcome,
    TypologyThreshold,
    age_band,
    referral_of,
)
from screening_service.evaluation.report import (
    MIN_GROUP_FLIGHTS,
    MIN_GROUP_REFERRALS,
    MIN_GROUP_SIZE,
    EvaluationReport,
    build_report,
)
from screening_service.evaluation.tally import CLASSES, Tally, merge_all, tally

__all__ = [
    "AGE_BANDS",
    "CLASSES",
    "DEFAULT_DISPARITY_LIMIT",
    "MIN_GROUP_FLIGHTS",
    "MIN_GROUP_REFERRALS",
    "MIN_GROUP_SIZE",
    "REFERRALS",
    "EvaluationReport",
    "Groups",
    "PackOutcome",
    "PackSpec",
    "Referral",
    "RuleSpec",
    "Tally",
    "TravelerOutcome",
    "TypologyThreshold",
    "age_band",
    "build_report",
    "evaluate",
    "merge_all",
    "referral_of",
    "tally",
]


def evaluate(
    outcomes: Iterable[TravelerOutcome],
    candidate: PackSpec,
    baseline: PackSpec | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    min_group_referrals: int = MIN_GROUP_REFERRALS,
    min_group_flights: int = MIN_GROUP_FLIGHTS,
) -> EvaluationReport:
    return build_report(
        tally(outcomes, candidate, baseline),
        candidate,
        baseline,
        min_group_size=min_group_size,
        min_group_referrals=min_group_referrals,
        min_group_flights=min_group_flights,
    )
