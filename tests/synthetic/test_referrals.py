"""Against the bundled rule pack: planted subjects are referred, the clean population rarely."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from screening_service.pipeline.decide import Decision, Referral
from screening_service.pipeline.screen import Context, screen
from screening_service.pipeline.validate import Invalid
from screening_service.proto import pb
from screening_service.runtime.packs import build_snapshot
from screening_service.synthetic import SCENARIO_NAMES, generate_population
from tests.conftest import SUMMARY

BUNDLED_RULES = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(scope="module")
def context() -> Iterator[Context]:
    snapshot = build_snapshot(BUNDLED_RULES)
    yield Context(snapshot)
    snapshot.engine.close()


def decisions(context: Context, manifest: pb.Manifest) -> list[Decision]:
    result = screen(context, pb.ScreenManifestRequest(manifest=manifest), live=False)
    assert not isinstance(result, Invalid)
    return result.decisions


@pytest.fixture(scope="module")
def outcomes(context: Context) -> dict[str, Counter[tuple[str, Referral]]]:
    """Referrals of subjects (by scenario), escorts and clean travelers of 8,000 travelers."""
    found: dict[str, Counter[tuple[str, Referral]]] = {
        "subject": Counter(),
        "escort": Counter(),
        "clean": Counter(),
    }
    for flight in generate_population(8_000, seed=31, scenario_rate=0.01):
        m = flight.manifest
        for decision in decisions(context, m):
            scenario = flight.labels.get(decision.traveler_id, "")
            kind = (
                "subject"
                if decision.traveler_id in flight.subjects
                else "escort"
                if scenario
                else "clean"
            )
            found[kind][(scenario, decision.referral)] += 1
    return found


def test_every_planted_subject_is_referred(
    outcomes: dict[str, Counter[tuple[str, Referral]]],
) -> None:
    subjects = outcomes["subject"]
    assert set(SCENARIO_NAMES) == {scenario for scenario, _ in subjects}
    assert Counter() == Counter({key: n for key, n in subjects.items() if key[1] is Referral.NONE})


def test_few_clean_travelers_are_referred(
    outcomes: dict[str, Counter[tuple[str, Referral]]],
) -> None:
    clean = outcomes["clean"]
    total = sum(clean.values())
    referred = total - clean[("", Referral.NONE)]
    assert total > 7_000
    assert referred / total < 0.005


def test_clean_population_of_10000_stays_under_2_percent(context: Context) -> None:
    referred: Counter[str] = Counter()
    total = 0
    for flight in generate_population(10_000, seed=47, scenario_rate=0.0):
        m = flight.manifest
        for decision in decisions(context, m):
            total += 1
            if decision.referral is not Referral.NONE:
                referred[decision.referral.value] += 1
    rate = sum(referred.values()) / total
    SUMMARY.append(
        f"false-referral rate on a clean synthetic population of {total:,}: {rate:.2%} "
        f"({sum(referred.values())} referred: {dict(referred) or 'none'})"
    )
    assert total == 10_000
    assert rate < 0.02
