"""Evaluation metrics on a hand-written population, every expected value worked out by hand.

Pack: interview 50, priority 100. Rules: A child 40, B general 15, C general
30, P child 10 (refers to priority on its own), S general 20 (shadow), Z
labour 25 (never fires).

    id   class       fired   shadow  score  referral   flight
    t1   victim/child A B     -       55     interview  F1
    t2   victim/sex   C       S       30     none       F1
    t3   victim/child P       -       10     priority   F1
    t4   escort/child A C     -       70     interview  F1
    t5   lawful       A B C   -       85     interview  F1
    t6   lawful       B       -       15     none       F2
    t7   background   -       S        0     none       F2
    t8   background   A C     S       70     interview  F2
    t9   background   B C     S       45     none       F2
    t10  unlabelled   A       -       40     none       F2
"""

from __future__ import annotations

import pytest

from screening_service.evaluation.labels import Label
from screening_service.evaluation.metrics import (
    EvaluationReport,
    Groups,
    PackOutcome,
    PackSpec,
    Referral,
    RuleSpec,
    TravelerOutcome,
    TypologyThreshold,
    age_band,
    evaluate,
    referral_of,
)

PACK = PackSpec(
    "cand",
    (
        RuleSpec("A", "child", 40),
        RuleSpec("B", "general", 15),
        RuleSpec("C", "general", 30),
        RuleSpec("P", "child", 10, refer_priority=True),
        RuleSpec("S", "general", 20, mode="shadow"),
        RuleSpec("Z", "labour", 25),
    ),
    interview=50,
    priority=100,
)
BASELINE = PackSpec(
    "base",
    (
        *(r if r.rule_id != "B" else RuleSpec("B", "general", 35) for r in PACK.rules),
        RuleSpec("D", "general", 50),
    ),
    interview=50,
    priority=100,
)


LABEL_OF: dict[str, Label | None] = {
    "victim": Label("x", "victim", "trafficking", None, "p"),
    "escort": Label("x", "escort", "trafficking", None, "p"),
    "lawful": Label("x", "lookalike", "lawful", None, "lawful"),
    "background": Label("x", "background", "background", None, "background"),
    "unlabelled": None,
}


def _label(cls: str, typology: str | None = None) -> Label | None:
    label = LABEL_OF[cls]
    if label is None or typology is None:
        return label
    return Label(label.traveler_id, label.label, label.kind, typology, label.pattern)


ROWS: list[tuple[str, str, str | None, tuple[str, ...], tuple[str, ...], float, Referral, str]] = [
    ("t1", "victim", "child", ("A", "B"), (), 55, "interview", "F1"),
    ("t2", "victim", "sex", ("C",), ("S",), 30, "none", "F1"),
    ("t3", "victim", "child", ("P",), (), 10, "priority_interview", "F1"),
    ("t4", "escort", "child", ("A", "C"), (), 70, "interview", "F1"),
    ("t5", "lawful", None, ("A", "B", "C"), (), 85, "interview", "F1"),
    ("t6", "lawful", None, ("B",), (), 15, "none", "F2"),
    ("t7", "background", None, (), ("S",), 0, "none", "F2"),
    ("t8", "background", None, ("A", "C"), ("S",), 70, "interview", "F2"),
    ("t9", "background", None, ("B", "C"), ("S",), 45, "none", "F2"),
    ("t10", "unlabelled", None, ("A",), (), 40, "none", "F2"),
]
# The baseline differs for t6 (rule D fired: interview) and t9 (B weighs 35: interview);
# B fired on both under another weight, so both list it as reweighted.
BASELINE_OF: dict[str, PackOutcome] = {
    "t6": PackOutcome("interview", 50, ("B", "D")),
    "t9": PackOutcome("interview", 65, ("B", "C")),
}


def outcomes() -> list[TravelerOutcome]:
    result = []
    for tid, cls, typology, fired, shadow, score, referral, flight in ROWS:
        mine = PackOutcome(referral, score, fired, shadow)
        result.append(
            TravelerOutcome(
                tid,
                flight,
                _label(cls, typology),
                Groups("AAA", "f", "25-44", "R"),
                mine,
                BASELINE_OF.get(tid, mine),
            )
        )
    return result


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    return evaluate(outcomes(), PACK, BASELINE)


def test_summary(report: EvaluationReport) -> None:
    s = report.candidate
    assert {"none": 5, "interview": 4, "priority_interview": 1} == s.referrals
    assert (10, 5, 50.0) == (s.travelers, s.referred, s.per_100)
    assert pytest.approx(0.6) == s.precision
    assert pytest.approx(2 / 3) == s.recall
    expected_rates = {
        "victim": 2 / 3,
        "escort": 1.0,
        "lawful": 0.5,
        "background": 1 / 3,
        "unlabelled": 0.0,
    }
    assert expected_rates == pytest.approx(s.referral_rate)
    assert {} == report.mismatches


def test_recall_by_typology(report: EvaluationReport) -> None:
    assert [("child", 2, 2, 1.0), ("sex", 1, 0, 0.0)] == [
        (r.typology, r.victims, r.referred, r.recall) for r in report.typologies
    ]


@pytest.mark.parametrize(
    ("rule_id", "hits", "precision", "recall", "alone", "alone_victims"),
    [
        ("A", 5, 0.5, 1 / 3, 4, 1),
        ("B", 4, 0.25, 1 / 3, 1, 1),
        ("C", 5, 0.4, 1 / 3, 2, 0),
        ("P", 1, 1.0, 1 / 3, 1, 1),
        ("S", 4, 0.25, 1 / 3, 0, 0),
        ("Z", 0, None, 0.0, 0, 0),
    ],
)
def test_every_rule_listed_with_its_quality_and_marginal_effect(
    report: EvaluationReport,
    rule_id: str,
    hits: int,
    precision: float | None,
    recall: float,
    alone: int,
    alone_victims: int,
) -> None:
    (row,) = [r for r in report.rules if r.rule_id == rule_id]
    assert (hits, alone, alone_victims) == (row.hits, row.alone, row.alone_victims)
    assert precision == pytest.approx(row.precision)
    assert pytest.approx(recall) == row.recall


def test_rule_order_is_the_pack_order(report: EvaluationReport) -> None:
    assert ["A", "B", "C", "P", "S", "Z"] == [r.rule_id for r in report.rules]


def test_shadow_promotion(report: EvaluationReport) -> None:
    p = report.promoted
    assert {"none": 3, "interview": 6, "priority_interview": 1} == p.referrals
    assert pytest.approx(4 / 7) == p.precision
    assert 1.0 == p.recall


def test_co_firing_pairs(report: EvaluationReport) -> None:
    pairs = {(p.a, p.b): (p.both, p.jaccard) for p in report.pairs}
    assert {("A", "C"), ("C", "S"), ("A", "B"), ("B", "C"), ("A", "S"), ("B", "S")} == set(pairs)
    assert 3 == pairs["A", "C"][0]
    assert pytest.approx(3 / 7) == pairs["A", "C"][1]
    assert 3 == pairs["C", "S"][0]
    assert 2 == pairs["A", "B"][0]
    assert ("A", "C") == (report.pairs[0].a, report.pairs[0].b)


def test_referrals_attributed_to_the_top_pack_typology(report: EvaluationReport) -> None:
    assert [("child", 4, 3, 0.75), ("general", 1, 0, 0.0)] == [
        (r.typology, r.referred, r.correct, r.precision) for r in report.attributed
    ]


def test_workload(report: EvaluationReport) -> None:
    w = report.workload
    assert (50.0, 2, 2.5) == (w.per_100, w.flights, w.mean_per_flight)
    assert w.worst is not None
    assert ("F1", 5, 4) == (w.worst.flight, w.worst.travelers, w.worst.referred)


def test_histogram_bins_scores_with_the_thresholds_on_edges(report: EvaluationReport) -> None:
    bins = report.histogram
    assert (0.0, 5.0) == (bins[0].low, bins[0].high)
    assert bins[-1].high is None
    assert 150.0 == bins[-1].low
    by_low = {b.low: b.counts for b in bins if sum(b.counts.values())}
    assert {0.0, 10.0, 15.0, 30.0, 40.0, 45.0, 55.0, 70.0, 85.0} == set(by_low)
    assert 2 == by_low[70.0]["background"] + by_low[70.0]["escort"]


def test_changed_travelers_say_which_rules_changed_them(report: EvaluationReport) -> None:
    assert [
        ("t6", "interview", "none", (), ("D",), ("B",)),
        ("t9", "interview", "none", (), (), ("B",)),
    ] == [
        (c.traveler_id, c.baseline, c.candidate, c.added, c.removed, c.reweighted)
        for c in report.changed
    ]
    assert report.baseline is not None
    assert 7 == report.baseline.referred


def test_a_referral_the_weights_cannot_explain_is_counted() -> None:
    odd = TravelerOutcome("x", "F", None, Groups(), PackOutcome("interview", 15, ("B",)))
    assert {"interview->none": 1} == evaluate([odd], PACK).mismatches


def test_fired_rules_missing_from_the_pack_are_listed() -> None:
    odd = TravelerOutcome("x", "F", None, Groups(), PackOutcome("none", 0, ("GHOST",)))
    (ghost,) = [r for r in evaluate([odd], PACK).rules if r.rule_id == "GHOST"]
    assert (False, 1) == (ghost.in_pack, ghost.hits)


@pytest.mark.parametrize(
    ("fired", "without", "promote", "expected"),
    [
        (("A", "B"), None, False, "interview"),
        (("A", "B"), "A", False, "none"),
        (("P",), None, False, "priority_interview"),
        (("A", "C", "S"), None, False, "interview"),
        (("A", "C", "S"), None, True, "interview"),
        (("B", "C", "S"), None, True, "interview"),
        (("A", "A", "A"), None, False, "priority_interview"),
        ((), None, False, "none"),
    ],
)
def test_referral_of(
    fired: tuple[str, ...], without: str | None, promote: bool, expected: str
) -> None:
    assert expected == referral_of(PACK, fired, without=without, promote=promote)


def test_typology_thresholds() -> None:
    pack = PackSpec(
        "t",
        PACK.rules,
        interview=50,
        priority=100,
        typology_thresholds={"child": TypologyThreshold(interview=40, priority=80)},
    )
    assert "interview" == referral_of(pack, ("A",))
    assert "priority_interview" == referral_of(pack, ("A", "A"))
    assert "none" == referral_of(pack, ("C",))


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, ""),
        (0, "0-11"),
        (11, "0-11"),
        (12, "12-17"),
        (17, "12-17"),
        (18, "18-24"),
        (24, "18-24"),
        (25, "25-44"),
        (44, "25-44"),
        (45, "45-64"),
        (64, "45-64"),
        (65, "65+"),
        (99, "65+"),
    ],
)
def test_age_band(age: int | None, band: str) -> None:
    assert band == age_band(age)


COMPOSED = PackSpec(
    "c",
    (
        RuleSpec("a", "t", 20, group="g"),
        RuleSpec("b", "t", 20, group="g"),
        RuleSpec("combo", "t", 50, replaces=("a", "b")),
        RuleSpec("m", "t", 15, mitigates=True),
        RuleSpec("p", "u", 10, refer_priority=True),
    ),
    50,
    100,
    group_caps={"g": 25},
)


@pytest.mark.parametrize(
    ("fired", "expected"),
    [
        (("a", "b"), "none"),  # 20 + 20 capped at 25
        (("a", "b", "combo"), "interview"),  # the combination replaces its parts: 50
        (("a", "b", "combo", "m"), "none"),  # 50 - 15 = 35
        (("m", "p"), "priority_interview"),  # mitigation never cancels a priority rule
    ],
)
def test_referral_of_follows_replaces_caps_and_mitigation(
    fired: tuple[str, ...], expected: str
) -> None:
    assert expected == referral_of(COMPOSED, fired)
