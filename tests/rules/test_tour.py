"""The language tour pack (every construct) proves, scores and screens as documented."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from screening_service.pipeline.decide import Referral, evidence, referral, typology_scores
from screening_service.pipeline.screen import Context, FlightResult, screen
from screening_service.pipeline.snapshot import Snapshot
from screening_service.proto import pb
from screening_service.rules.model import Rule
from screening_service.runtime.packs import build_snapshot
from tests.factories import manifest, traveler

TOUR = Path(__file__).parent / "tour"
NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def tour() -> Iterator[Snapshot]:
    snapshot = build_snapshot(TOUR)
    yield snapshot
    snapshot.engine.close()


def rules(snapshot: Snapshot, *ids: str) -> list[Rule]:
    by_id = {c.rule.id: c.rule for c in snapshot.compiled.rules}
    return [by_id[i] for i in ids]


def test_the_tour_proves_every_example(tour: Snapshot) -> None:
    assert len(tour.compiled.rules) == 18
    # field-to-field 1, arithmetic 2, text 3, matches 1, companions 2, at least 1
    assert len(tour.compiled.derivations.items) == 10


def test_a_combination_replaces_its_parts(tour: Snapshot) -> None:
    fired = rules(tour, "tour-compare", "tour-in-list", "tour-combination")
    assert typology_scores(tour.compiled.pack.info, fired) == {"trafficking_general": 25.0}


def test_a_group_counts_at_most_its_cap(tour: Snapshot) -> None:
    fired = rules(tour, "tour-compare", "tour-in-list", "tour-not-unknown")
    # compare 10 + in-list 10 = 20 (cap 30) + not-unknown 10 outside the group
    assert typology_scores(tour.compiled.pack.info, fired) == {"trafficking_general": 30.0}


def test_mitigation_lowers_a_typology_never_below_zero(tour: Snapshot) -> None:
    info = tour.compiled.pack.info
    fired = rules(tour, "tour-any-companion", "tour-all-companions", "tour-mitigation")
    assert typology_scores(info, fired) == {"child_trafficking": 30.0}
    alone = rules(tour, "tour-mitigation")
    assert typology_scores(info, alone) == {"child_trafficking": 0.0}


def test_a_typology_threshold_refers_below_the_pack_threshold(tour: Snapshot) -> None:
    info = tour.compiled.pack.info
    fired = rules(tour, "tour-any-companion", "tour-aggregate")  # 30 + 20 child, pack needs 50
    scores = typology_scores(info, fired)
    assert scores == {"child_trafficking": 50.0}
    assert referral(info, fired, scores) is Referral.INTERVIEW
    lower = rules(tour, "tour-any-companion", "tour-mitigation")  # 30 - 20 = 10 < 40
    assert referral(info, lower, typology_scores(info, lower)) is Referral.NONE
    general = rules(tour, "tour-field-to-field", "tour-arithmetic")  # 20, no own threshold
    assert referral(info, general, typology_scores(info, general)) is Referral.NONE


def _screen(snapshot: Snapshot, travelers: list[pb.Traveler]) -> FlightResult:
    request = pb.ScreenManifestRequest(manifest=manifest(travelers))
    result = screen(Context(snapshot), request, now=NOW, live=False)
    assert isinstance(result, FlightResult)
    return result


def test_declared_aggregates_are_computed_over_the_flight(tour: Snapshot) -> None:
    minors = [
        traveler(
            f"T-{i}",
            age=12 + i,
            purchaser_is_traveler=False,
            purchaser_id="buyer-1",
            contact_id="c-1",
            record_locator=f"PNR{i}",
        )
        for i in range(3)
    ]
    adult = traveler("T-A", age=40, purchaser_id="buyer-2", contact_id="c-2")
    result = _screen(tour, [*minors, adult])
    fired = [{d.rule_id for d in decision.indicators} for decision in result.decisions]
    assert ["tour-aggregate" in f for f in fired] == [True, True, True, False]
    hit = next(i for i in result.decisions[0].indicators if i.rule_id == "tour-aggregate")
    evidence = {e.field: e.value for e in hit.evidence}
    assert evidence == {
        "traveler.is_minor": "true",
        "flight.minors_same_purchaser": "3",
        "flight.any_cash_same_contact": "false",
    }


def test_any_companion_reads_companions_on_the_manifest(tour: Snapshot) -> None:
    child = traveler(
        "T-C",
        age=12,
        companions=[pb.Companion(traveler_id="T-G", relationship=pb.RELATIONSHIP_NONE)],
    )
    elder = traveler("T-G", age=60)
    young = traveler("T-Y", age=30)
    with_elder = _screen(tour, [child, elder]).decisions[0]
    assert "tour-any-companion" in {h.rule_id for h in with_elder.indicators}
    child_young = traveler(
        "T-C",
        age=12,
        companions=[pb.Companion(traveler_id="T-Y", relationship=pb.RELATIONSHIP_NONE)],
    )
    with_young = _screen(tour, [child_young, young]).decisions[0]
    assert "tour-any-companion" not in {h.rule_id for h in with_young.indicators}


def test_evidence_says_unknown_for_an_unknown_value(tour: Snapshot) -> None:
    compiled = next(c for c in tour.compiled.rules if c.rule.id == "tour-is-unknown")
    shown = evidence(compiled, {"booking.purchaser_is_traveler": False})
    assert [(e.field, e.value) for e in shown] == [
        ("booking.payment_form", "unknown"),
        ("booking.purchaser_is_traveler", "false"),
    ]
