"""Decide: weights -> typology scores -> referral, by hand-computed sums of the bundled weights.

Weights and thresholds are read off rules/*.yaml and rules/pack.yaml by hand
(interview at 50, priority interview at 100).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from screening_service.engine.native import Engine
from screening_service.pipeline.decide import Referral, decide, new_decision_ids
from screening_service.pipeline.respond import to_proto
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
        "three booking indicators, 15 + 10 + 15, capped at 25 (group booking_pattern)",
        ["third-party-purchase", "cash-payment", "last-minute-booking"],
        Referral.NONE,
        25,
        {"trafficking_general": 25},
    ),
    (
        "the four booking indicators are replaced by their combination: 50",
        [
            "third-party-purchase",
            "cash-payment",
            "last-minute-booking",
            "one-way-ticket",
            "third-party-cash-one-way-last-minute",
        ],
        Referral.INTERVIEW,
        50,
        {"trafficking_general": 50},
    ),
    (
        "a minor alone, said twice, counts once: 15 (group minor_alone)",
        ["minor-without-parent-or-guardian", "outbound-minor-third-party-one-way"],
        Referral.NONE,
        15,
        {"child_trafficking": 15},
    ),
    (
        "two typologies: 20 + 50 (labor) + 15 (child) = 85",
        [
            "recent-document-third-party-one-way",
            "household-worker-visa-employer-paid",
            "minor-without-parent-or-guardian",
        ],
        Referral.INTERVIEW,
        85,
        {"labor_trafficking": 70, "child_trafficking": 15},
    ),
    (
        "exactly the priority threshold: 15 + 40 (child) + 30 + 15 (general) = 100",
        [
            "minor-without-parent-or-guardian",
            "minor-shares-contact-with-unrelated-adult",
            "lookout-other-list",
            "third-party-purchase",
        ],
        Referral.PRIORITY_INTERVIEW,
        100,
        {"child_trafficking": 55, "trafficking_general": 45},
    ),
    (
        "a single crew report of a core indicator refers: 50",
        ["observation-signs-of-control-or-fear"],
        Referral.INTERVIEW,
        50,
        {"trafficking_general": 50},
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
    assert ("2026.12.1", WHEN, "T-1") == (
        decision.ruleset_version,
        decision.evaluated_at,
        decision.traveler_id,
    )
    assert 32 == len(decision.decision_id)
    int(decision.decision_id, 16)


def test_a_flight_s_decision_ids_are_distinct_128_bit_hex() -> None:
    ids = new_decision_ids(300)
    assert 300 == len(set(ids))
    assert {32} == {len(i) for i in ids}
    assert all(int(i, 16) >= 0 for i in ids)
    assert [] == new_decision_ids(0)


def test_a_given_decision_id_is_kept_and_a_missing_one_made(snapshot: Snapshot) -> None:
    given = decide(snapshot, "T-1", {}, [], WHEN, decision_id="ab" * 16)
    made = decide(snapshot, "T-1", {}, [], WHEN)
    assert "ab" * 16 == given.decision_id
    assert 32 == len(made.decision_id)


def test_quiet_decisions_answer_the_same_remembered_reason_each_time(snapshot: Snapshot) -> None:
    first, second = (to_proto(decide(snapshot, f"T-{n}", {}, [], WHEN)) for n in (1, 2))
    assert first.referral_reason == second.referral_reason
    assert "score 0 is below the interview threshold 50" == second.referral_reason.text
