"""Each planted scenario produces the derived fields its indicators read."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from screening_service.synthetic import SCENARIO_NAMES, generate_flight, generate_population
from screening_service.synthetic import scenarios as s
from screening_service.values import Record
from tests.factories import enrich_manifest

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def planted(name: str, seeds: int = 8) -> list[tuple[str, Record, dict[str, str]]]:
    """(traveler id, derived record, flight labels) of every subject of ``name``."""
    subjects = []
    for seed in range(seeds):
        flight = generate_flight(random.Random(seed), 40, scenario_rate=0.1, scenarios=[name])
        m = flight.manifest
        records = enrich_manifest(m, NOW)
        subjects += [
            (t.traveler_id, r, flight.labels)
            for t, r in zip(m.travelers, records, strict=True)
            if t.traveler_id in flight.subjects
        ]
    assert subjects, f"{name} was planted"
    return subjects


def number(record: Record, name: str) -> float:
    value = record.get(name)
    assert isinstance(value, int | float), name
    return value


def fields(record: Record, *names: str) -> dict[str, object]:
    return {name: record.get(name) for name in names}


THIRD_PARTY_LAST_MINUTE_CASH = {
    "booking.payment_form": "cash",
    "booking.ticket_type": "one_way",
    "booking.purchaser_is_traveler": False,
    "booking.purchaser_on_flight": False,
}


def test_lone_minor_third_party_cash() -> None:
    for _, record, _ in planted(s.LONE_MINOR_THIRD_PARTY_CASH):
        expected = {
            "traveler.is_minor": True,
            "booking.has_parent_or_guardian": False,
            "booking.party_size": 1,
            **THIRD_PARTY_LAST_MINUTE_CASH,
        }
        assert expected == fields(record, *expected)
        assert number(record, "booking.hours_before_departure") < 24


def test_young_group_one_purchaser() -> None:
    for _, record, _ in planted(s.YOUNG_GROUP_ONE_PURCHASER):
        expected = {
            "traveler.is_minor": False,
            "booking.party_size": 1,
            **THIRD_PARTY_LAST_MINUTE_CASH,
        }
        assert expected == fields(record, *expected)
        assert 18 <= number(record, "traveler.age_years") <= 24
        assert 3 <= number(record, "flight.same_purchaser_under_25") <= 5
        assert record["flight.same_purchaser_count"] == record["flight.same_purchaser_under_25"]
        assert number(record, "booking.hours_before_departure") < 24


def test_documents_held_report() -> None:
    for _, record, _ in planted(s.DOCUMENTS_HELD_REPORT):
        expected = {
            "observations.codes": ["documents_held_by_other"],
            "observations.sources": ["crew"],
            "booking.party_size": 2,
            "booking.purchaser_is_traveler": False,
            "booking.purchaser_on_flight": True,
        }
        assert expected == fields(record, *expected)


def test_controlled_companion() -> None:
    for _, record, _ in planted(s.CONTROLLED_COMPANION):
        expected = {
            "observations.codes": ["does_not_speak_for_self", "signs_of_control_or_fear"],
            "observations.count": 2,
            "booking.party_size": 2,
            **THIRD_PARTY_LAST_MINUTE_CASH,
        }
        assert expected == fields(record, *expected)


def test_minor_unrelated_adult_shared_contact() -> None:
    for _, record, _ in planted(s.MINOR_UNRELATED_ADULT_SHARED_CONTACT):
        expected = {
            "traveler.is_minor": True,
            "booking.has_parent_or_guardian": False,
            "booking.party_size": 1,
            "booking.purchaser_is_traveler": False,
            "booking.purchaser_on_flight": False,
            "flight.same_contact_bookings": 2,
            "flight.same_contact_unrelated_adults": 1,
        }
        assert expected == fields(record, *expected)


def test_recent_document_one_way_cash() -> None:
    for _, record, _ in planted(s.RECENT_DOCUMENT_ONE_WAY_CASH):
        expected = {
            "traveler.is_minor": False,
            "booking.party_size": 1,
            **THIRD_PARTY_LAST_MINUTE_CASH,
        }
        assert expected == fields(record, *expected)
        assert 0 <= number(record, "document.days_since_issue") < 30


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_labels_name_the_scenario_and_include_the_escorts(name: str) -> None:
    escorted = {
        s.DOCUMENTS_HELD_REPORT,
        s.CONTROLLED_COMPANION,
        s.MINOR_UNRELATED_ADULT_SHARED_CONTACT,
    }
    for traveler_id, _, labels in planted(name, seeds=2):
        assert name == labels[traveler_id]
        assert {name} == set(labels.values())
    flight = generate_flight(random.Random(5), 40, scenario_rate=0.1, scenarios=[name])
    escorts = set(flight.labels) - flight.subjects
    assert (name in escorted) == bool(escorts)


def test_the_rate_sets_how_many_are_planted() -> None:
    def subjects(rate: float) -> Counter[str]:
        return Counter(
            f.labels[t]
            for f in generate_population(10_000, seed=21, scenario_rate=rate)
            for t in f.subjects
        )

    assert Counter() == subjects(0.0)
    some = subjects(0.01)
    assert set(SCENARIO_NAMES) == set(some)
    assert 60 < sum(some.values()) < 250
