"""Tallies of any partition add up to the whole; the disparity audit names group and rule."""

from __future__ import annotations

import random

import pytest

from screening_service.evaluation.labels import Label
from screening_service.evaluation.metrics import (
    Groups,
    PackOutcome,
    PackSpec,
    RuleSpec,
    TravelerOutcome,
    build_report,
    evaluate,
    merge_all,
    referral_of,
    tally,
)
from screening_service.evaluation.text import format_text

PACK = PackSpec(
    "v2",
    tuple(
        [RuleSpec(f"r{i}", ("child", "sex", "labour")[i % 3], 10.0 * (i % 5 + 1)) for i in range(8)]
        + [RuleSpec("prio", "child", 5, refer_priority=True), RuleSpec("sh", "sex", 30, "shadow")]
    ),
    interview=50,
    priority=100,
)
WEIGHT = {r.rule_id: r.weight for r in PACK.rules}
BASE = PackSpec("v1", PACK.rules[:6], interview=40, priority=90)
LABELS = (
    Label("x", "victim", "trafficking", "child", "a"),
    Label("x", "victim", "trafficking", "sex", "b"),
    Label("x", "escort", "trafficking", "sex", "b"),
    Label("x", "lookalike", "lawful", None, "c"),
    Label("x", "background", "background", None, "d"),
    None,
)


def random_outcomes(count: int, seed: int) -> list[TravelerOutcome]:
    rng = random.Random(seed)
    ids = [r.rule_id for r in PACK.rules]
    result = []
    for i in range(count):
        fired = tuple(sorted(rng.sample(ids[:9], rng.randint(0, 4))))
        shadow = ("sh",) if rng.random() < 0.2 else ()
        old = tuple(r for r in fired if r in {x.rule_id for x in BASE.rules})
        result.append(
            TravelerOutcome(
                f"T{i:05d}",
                f"F{rng.randint(0, 30):03d}",
                rng.choice(LABELS),
                Groups(
                    rng.choice("ABC"),
                    rng.choice("mf"),
                    rng.choice(("0-11", "25-44")),
                    rng.choice(("North", "South")),
                ),
                PackOutcome(
                    referral_of(PACK, fired),
                    sum(WEIGHT[r] for r in fired),
                    fired,
                    shadow,
                ),
                PackOutcome(referral_of(BASE, old), 0.0, old),
            )
        )
    return result


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50])
def test_merging_the_tallies_of_a_partition_gives_the_identical_report(parts: int) -> None:
    everyone = random_outcomes(2_000, seed=parts)
    whole = evaluate(everyone, PACK, BASE, min_group_size=50).as_dict()
    shuffled = everyone[:]
    random.Random(99).shuffle(shuffled)
    pieces = [shuffled[i::parts] for i in range(parts)]
    merged = build_report(
        merge_all(tally(piece, PACK, BASE) for piece in reversed(pieces)),
        PACK,
        BASE,
        min_group_size=50,
    )
    assert whole == merged.as_dict()
    assert whole["changed"], "the comparison covers changed travelers"


def _people(
    nationality: str,
    count: int,
    referred: int,
    rule: str,
    label: Label | None = None,
    flights: int = 4,
) -> list[TravelerOutcome]:
    label = label or Label("x", "background", "background", None, "d")
    return [
        TravelerOutcome(
            f"{nationality}{i:04d}",
            f"F{i % flights}",
            label,
            Groups(nationality, "f", "25-44", "Somewhere"),
            PackOutcome("interview", 60, (rule,)) if i < referred else PackOutcome("none", 0),
        )
        for i in range(count)
    ]


DISPARITY_PACK = PackSpec(
    "d", (RuleSpec("N", "general", 60), RuleSpec("G", "general", 60)), interview=50, priority=100
)
POPULATION = [
    *_people("AAA", 200, 20, "N"),  # 10% referred, all through the proxy rule N
    *_people("BBB", 800, 8, "G"),  # 1%
    *_people("CCC", 20, 4, "G"),  # 20%, but a group of 20
    *_people("DDD", 100, 4, "G"),  # 4%
    *_people("EEE", 150, 20, "G", flights=1),  # 13%, but one party on one flight
    # Correctly referred victims of AAA nationality do not count as disparity.
    *_people("AAV", 50, 50, "N", Label("x", "victim", "trafficking", "sex", "v")),
]


def test_disparity_flags_the_group_over_the_limit_with_the_rule_that_drives_it() -> None:
    report = evaluate(POPULATION, DISPARITY_PACK)
    (flagged,) = report.flagged
    assert ("nationality", "AAA", 200, 20) == (
        flagged.attribute,
        flagged.group,
        flagged.travelers,
        flagged.referred,
    )
    # Overall among travelers not in a case: 56 of 1,270.
    assert pytest.approx(0.1 / (56 / 1270)) == flagged.ratio
    assert ["N"] == [d.rule_id for d in flagged.drivers]
    assert pytest.approx((0.1, 20 / 1270)) == (
        flagged.drivers[0].group_rate,
        flagged.drivers[0].overall_rate,
    )
    groups = {(r.attribute, r.group): r for r in report.disparity}
    assert "AAV" not in {g for _, g in groups}
    assert not groups["nationality", "CCC"].flagged  # 20% but only 20 travelers
    assert not groups["nationality", "EEE"].flagged  # 13% but all on one flight
    assert (20, 1) == (groups["nationality", "EEE"].referred, groups["nationality", "EEE"].flights)
    assert 1.0 == pytest.approx(groups["sex", "f"].ratio)
    text = format_text(report)
    assert "OVER LIMIT nationality=AAA" in text
    assert "driven by N (10.00% vs 1.57%)" in text


@pytest.mark.parametrize(
    ("limit", "min_size", "min_referrals", "min_flights", "flagged"),
    [
        (2.0, 100, 5, 3, ["AAA"]),
        (2.3, 100, 5, 3, []),  # AAA's ratio is 2.27
        (2.0, 201, 5, 3, []),  # AAA has 200 travelers
        (2.0, 100, 21, 3, []),  # AAA has 20 referrals
        (2.0, 100, 5, 5, []),  # on 4 flights
        (2.0, 100, 5, 1, ["AAA", "EEE"]),
        (2.0, 20, 4, 3, ["AAA", "CCC"]),
    ],
)
def test_disparity_limit_and_minimum_group(
    limit: float, min_size: int, min_referrals: int, min_flights: int, flagged: list[str]
) -> None:
    pack = PackSpec("d", DISPARITY_PACK.rules, 50, 100, disparity_limit=limit)
    report = evaluate(
        POPULATION,
        pack,
        min_group_size=min_size,
        min_group_referrals=min_referrals,
        min_group_flights=min_flights,
    )
    assert flagged == [r.group for r in report.flagged]
