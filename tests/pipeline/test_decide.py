"""Decide: weights -> typology scores -> referral, by hand-computed sums of the bundled weights.

Weights and thresholds are read off rules/*.yaml and rules/pack.yaml by hand
(interview at 50, priority interview at 100).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from screening_service.engine.native import Engine
from screening_service.pipeline.decide import Referral, decide
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.build import compile_directory
from tests.conftest import BUNDLED_RULES

WHEN = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    compiled = compile_directory(BUNDLED_RULES)
    engine = Engine(compiled.engine_spec)
    yield Snapshot(compiled, engine, WHEN)
    engine.close()


def index(snapshot: Snapshot, rule_id: str) -> int:
    return next(c.index for c in snapshot.compiled.rules if c.rule.id == rule_id)


CASES: list[tuple[str, list[str], Referral, float, dict[str, float]]] = [
    ("nothing fired", [], Referral.NONE, 0, {}),
    (
        "three weak indicators: 15 + 10 + 15 = 40",
        ["third-party-purchase", "cash-payment", "last-minute-booking"],
        Referral.NONE,
        40,
        {"trafficking_general": 40},
    ),
    (
        "exactly the interview threshold: 40 + 10 = 50",
        ["third-party-purchase", "cash-payment", "last-minute-booking", "one-way-ticket"],
        Referral.INTERVIEW,
        50,
        {"trafficking_general": 50},
    ),
    (
        "two typologies: 35 (sex) + 30 (labor) + 25 (labor) = 90",
        [
            "young-group-one-absent-purchaser",
            "recent-document-third-party-one-way",
            "outbound-young-adult-recruited-abroad",
        ],
        Referral.INTERVIEW,
        90,
        {"labor_trafficking": 55, "sex_trafficking": 35},
    ),
    (
        "exactly the priority threshold: 40 + 40 + 20 = 100",
        [
            "minor-without-parent-or-guardian",
            "minor-shares-contact-with-unrelated-adult",
            "shared-contact-across-bookings",
        ],
        Referral.PRIORITY_INTERVIEW,
        100,
        {"child_trafficking": 80, "trafficking_general": 20},
    ),
    (
        "refer: priority at a score of 60, under the priority threshold",
        ["observation-documents-held-by-other"],
        Referral.PRIORITY_INTERVIEW,
        60,
        {"trafficking_general": 60},
    ),
    (
        "a shadow rule adds nothing",
        ["outbound-minor-long-layover-alone"],
        Referral.NONE,
        0,
        {},
    ),
]


@pytest.mark.parametrize(
    ("fired", "referral", "score", "typologies"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_referral_score_and_typologies(
    snapshot: Snapshot,
    fired: list[str],
    referral: Referral,
    score: float,
    typologies: dict[str, float],
) -> None:
    decision = decide(snapshot, "T-1", {}, {index(snapshot, r) for r in fired}, WHEN)
    assert (referral, score, typologies) == (
        decision.referral,
        decision.score,
        dict(decision.typology_scores),
    )
    shadow = {"outbound-minor-long-layover-alone"} & set(fired)
    assert sorted(set(fired) - shadow) == sorted(h.rule_id for h in decision.indicators)
    assert sorted(shadow) == [h.rule_id for h in decision.shadow_indicators]
    assert ("2026.12.0", WHEN, "T-1") == (
        decision.ruleset_version,
        decision.evaluated_at,
        decision.traveler_id,
    )
    assert 32 == len(decision.decision_id)
    int(decision.decision_id, 16)
