"""The other travelers behind flight-level values (hand-written flights)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from screening_service.pipeline.related import related_travelers
from screening_service.proto import pb
from screening_service.rules.build import compile_directory
from tests.factories import DEPARTURE, enrich_manifest, manifest, traveler, valid

TOUR = Path(__file__).resolve().parent.parent / "rules" / "tour"


def _flight(travelers: list[pb.Traveler]) -> list[dict[str, tuple[str, ...]]]:
    flight = valid(pb.ScreenManifestRequest(manifest=manifest(travelers)))
    records = enrich_manifest(manifest(travelers), DEPARTURE - dt.timedelta(days=1))
    return [dict(r) for r in related_travelers(flight.travelers, records)]


def test_a_minor_sharing_a_contact_names_the_unrelated_adult_only() -> None:
    minor = traveler("T-M", age=12, contact_id="c-1", record_locator="LOC1")
    parent_on_booking = traveler("T-P", age=40, contact_id="c-1", record_locator="LOC1")
    stranger = traveler("T-S", age=35, contact_id="c-1", record_locator="LOC2")
    young_stranger = traveler("T-K", age=10, contact_id="c-1", record_locator="LOC3")

    related = _flight([minor, parent_on_booking, stranger, young_stranger])

    assert ("T-S",) == related[0]["flight.same_contact_unrelated_adults"]
    assert ("T-P", "T-S", "T-K") == related[0]["flight.same_contact_count"]


def test_the_purchaser_on_board_and_declared_companions_are_named() -> None:
    buyer = traveler("T-B", age=45, purchaser_id="p-1", purchaser_is_traveler=True)
    child = traveler(
        "T-C",
        age=9,
        purchaser_id="p-1",
        purchaser_is_traveler=False,
        companions=[pb.Companion(traveler_id="T-B", relationship=pb.RELATIONSHIP_NONE)],
    )

    related = _flight([buyer, child])

    assert ("T-B",) == related[1]["booking.purchaser_on_flight"]
    assert ("T-B",) == related[1]["companion.relationship"]
    assert ("T-C",) == related[0]["flight.same_purchaser_minors"]
    assert "booking.purchaser_on_flight" not in related[0]


def test_a_declared_aggregate_names_the_others_its_condition_holds_for() -> None:
    """``flight.minors_same_purchaser`` (tests/rules/tour/pack.yaml) names the other minors
    whose tickets the same purchaser bought, not the adults, not another purchaser's."""
    compiled = compile_directory(TOUR)
    travelers = [
        traveler("T-A", age=40, purchaser_id="p-1", purchaser_is_traveler=True),
        traveler("T-M1", age=12, purchaser_id="p-1", purchaser_is_traveler=False),
        traveler("T-M2", age=9, purchaser_id="p-1", purchaser_is_traveler=False),
        traveler("T-M3", age=11, purchaser_id="p-2", purchaser_is_traveler=False),
    ]
    flight = valid(pb.ScreenManifestRequest(manifest=manifest(travelers)))
    records = enrich_manifest(manifest(travelers), DEPARTURE - dt.timedelta(days=1))
    compiled.derivations.aggregate(records)

    related = related_travelers(flight.travelers, records, compiled.derivations)

    field = "flight.minors_same_purchaser"
    assert [r[field] for r in records] == [2, 2, 2, 1]
    assert ("T-M1", "T-M2") == related[0][field]
    assert ("T-M2",) == related[1][field]
    assert ("T-M1",) == related[2][field]
    assert field not in related[3]
