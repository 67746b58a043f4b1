"""Generated flights are valid, exact in size, deterministic and look like ordinary travel."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import unicodedata
from collections import Counter, defaultdict

import pytest

from screening_service.proto import pb
from screening_service.synthetic import (
    SCENARIO_NAMES,
    GeneratedFlight,
    generate_flight,
    generate_population,
)
from tests.factories import enrich_manifest, violations_of

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GUARDIANS = {pb.RELATIONSHIP_PARENT, pb.RELATIONSHIP_LEGAL_GUARDIAN}


def population(travelers: int, seed: int, rate: float = 0.0) -> list[GeneratedFlight]:
    return list(generate_population(travelers, seed=seed, scenario_rate=rate))


@pytest.fixture(scope="module")
def mixed() -> list[GeneratedFlight]:
    """5,000 travelers on flights of 1-400, with many planted scenarios."""
    return list(generate_population(5_000, seed=11, scenario_rate=0.02, flight_size=(1, 400)))


@pytest.fixture(scope="module")
def clean() -> list[GeneratedFlight]:
    return population(6_000, seed=12)


def test_every_manifest_and_traveler_passes_validation(mixed: list[GeneratedFlight]) -> None:
    manifest_violations = [
        v
        for flight in mixed
        for v in violations_of(pb.ScreenManifestRequest(manifest=flight.manifest))
    ]
    traveler_violations = [
        v
        for flight in mixed
        for t in flight.manifest.travelers
        for v in violations_of(pb.ScreenRequest(traveler=t))
    ]
    assert [] == manifest_violations
    assert [] == traveler_violations
    assert 5_000 == sum(len(f.manifest.travelers) for f in mixed)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 999, 1000])
def test_a_flight_has_exactly_the_size_asked(size: int) -> None:
    flight = generate_flight(random.Random(size), size, scenario_rate=0.3)
    request = pb.ScreenManifestRequest(manifest=flight.manifest)
    assert (size, []) == (len(flight.manifest.travelers), violations_of(request))


def test_traveler_ids_are_unique_across_a_population(mixed: list[GeneratedFlight]) -> None:
    ids = [t.traveler_id for f in mixed for t in f.manifest.travelers]
    assert len(ids) == len(set(ids))


def test_the_same_seed_gives_the_same_population() -> None:
    def fingerprint(seed: int) -> list[tuple[bytes, dict[str, str], frozenset[str]]]:
        return [
            (f.manifest.SerializeToString(deterministic=True), f.labels, f.subjects)
            for f in generate_population(1_500, seed=seed, scenario_rate=0.05)
        ]

    assert fingerprint(3) == fingerprint(3)
    assert fingerprint(3) != fingerprint(4)


def test_generate_flight_draws_only_from_the_generator_given() -> None:
    first = generate_flight(random.Random(9), 150, scenario_rate=0.05)
    random.seed(0)  # global state must not matter
    second = generate_flight(random.Random(9), 150, scenario_rate=0.05)
    assert first.manifest.SerializeToString(deterministic=True) == (
        second.manifest.SerializeToString(deterministic=True)
    )
    assert (first.labels, first.subjects) == (second.labels, second.subjects)


def test_every_traveler_flies_the_manifest_flight(mixed: list[GeneratedFlight]) -> None:
    missing = []
    for flight in mixed:
        m = flight.manifest
        own = (m.carrier, m.flight_number, m.origin, m.destination, m.scheduled_departure.seconds)
        for t in m.travelers:
            legs = [
                (s.carrier, s.flight_number, s.origin, s.destination, s.departure_time.seconds)
                for s in t.itinerary.segments
            ]
            if own not in legs[:2] or t.direction != m.direction:
                missing.append(t.traveler_id)
    assert [] == missing


def test_connections_leave_one_to_six_hours(mixed: list[GeneratedFlight]) -> None:
    layovers = [
        (after.departure_time.seconds - before.arrival_time.seconds) / 3600
        for f in mixed
        for t in f.manifest.travelers
        for before, after in itertools.pairwise(t.itinerary.segments)
    ]
    flight_hours = [
        (s.arrival_time.seconds - s.departure_time.seconds) / 3600
        for f in mixed
        for t in f.manifest.travelers
        for s in t.itinerary.segments
    ]
    assert layovers, "some travelers connect"
    assert (True, True) == (min(layovers) >= 1, max(layovers) <= 6)
    assert (True, True) == (min(flight_hours) > 0.5, max(flight_hours) < 20)


def _records(flights: list[GeneratedFlight]) -> list[tuple[pb.Traveler, dict[str, object]]]:
    return [
        (t, dict(record))
        for f in flights
        for t, record in zip(
            f.manifest.travelers,
            enrich_manifest(f.manifest, NOW),
            strict=True,
        )
    ]


def test_clean_minors_always_travel_with_a_parent_or_guardian(
    clean: list[GeneratedFlight],
) -> None:
    minors = [r for _, r in _records(clean) if r["traveler.is_minor"]]
    assert len(minors) > 300
    assert {True} == {r["booking.has_parent_or_guardian"] for r in minors}
    assert {True} == {r.get("booking.purchaser_on_flight", True) for r in minors}


def test_a_travelling_parent_buys_the_family_tickets(clean: list[GeneratedFlight]) -> None:
    by_booking: dict[tuple[int, str], list[pb.Traveler]] = defaultdict(list)
    for n, flight in enumerate(clean):
        for t in flight.manifest.travelers:
            by_booking[(n, t.booking.record_locator)].append(t)
    adults = {t.traveler_id for t, r in _records(clean) if r["traveler.is_minor"] is False}
    families = [
        members
        for members in by_booking.values()
        if any(c.relationship in GUARDIANS for t in members for c in t.companions)
        and members[0].booking.purchaser_id
    ]
    assert len(families) > 100
    for members in families:
        buyers = [t for t in members if t.booking.purchaser_is_traveler]
        assert 1 == len(buyers)
        (buyer,) = buyers
        children = [t for t in members if any(c.relationship in GUARDIANS for c in t.companions)]
        guardians = {
            c.traveler_id for t in children for c in t.companions if c.relationship in GUARDIANS
        }
        assert buyer.traveler_id in guardians
        assert {members[0].booking.purchaser_id} == {t.booking.purchaser_id for t in members}
        assert all(not t.booking.purchaser_is_traveler for t in members if t is not buyer)
        ids = {t.traveler_id for t in members}
        assert guardians <= ids
        assert guardians <= adults
        for t in members:
            assert {c.traveler_id for c in t.companions} == ids - {t.traveler_id}


def test_the_clean_mix_holds_every_kind_of_party(clean: list[GeneratedFlight]) -> None:
    relationships = Counter(
        c.relationship for f in clean for t in f.manifest.travelers for c in t.companions
    )
    expected = {
        pb.RELATIONSHIP_PARENT,
        pb.RELATIONSHIP_SPOUSE,
        pb.RELATIONSHIP_SIBLING,
        pb.RELATIONSHIP_OTHER_RELATIVE,
        pb.RELATIONSHIP_NONE,
    }
    assert expected <= set(relationships)
    bookings_per_agency = Counter(
        (n, t.booking.travel_agency_id)
        for n, f in enumerate(clean)
        for t in {t.booking.record_locator: t for t in f.manifest.travelers}.values()
        if t.booking.travel_agency_id
    )
    assert max(bookings_per_agency.values()) >= 5  # a tour group: many bookings, one agency
    solo = [t for f in clean for t in f.manifest.travelers if not t.companions]
    assert len(solo) > 1_000


def _hours_before(record: dict[str, object]) -> float:
    value = record.get("booking.hours_before_departure")
    return float(value) if isinstance(value, int | float) else float("inf")


def test_clean_noise_is_present_but_bounded(clean: list[GeneratedFlight]) -> None:
    adults = [r for _, r in _records(clean) if not r["traveler.is_minor"]]
    share = {
        "one_way": sum(r.get("booking.ticket_type") == "one_way" for r in adults) / len(adults),
        "cash": sum(r.get("booking.payment_form") == "cash" for r in adults) / len(adults),
        "last_minute": sum(_hours_before(r) < 24 for r in adults) / len(adults),
    }
    assert {"one_way": True, "cash": True, "last_minute": True} == {
        k: 0.003 < v < 0.25 for k, v in share.items()
    }
    cash_for_others = [
        r
        for r in adults
        if r.get("booking.payment_form") == "cash"
        and r.get("booking.purchaser_is_traveler") is False
        and not r.get("booking.purchaser_on_flight")
    ]
    assert [] == cash_for_others


def _script(text: str) -> set[str]:
    scripts = set()
    for char in text:
        name = unicodedata.name(char, "")
        for script in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "CJK", "HANGUL"):
            if name.startswith(script):
                scripts.add(script)
        if name.startswith("LATIN") and "WITH" in name:
            scripts.add("LATIN WITH DIACRITICS")
    return scripts


def test_names_come_in_several_scripts(mixed: list[GeneratedFlight]) -> None:
    seen = {
        s for f in mixed for t in f.manifest.travelers for s in _script(t.surname + t.given_names)
    }
    expected = {"LATIN", "LATIN WITH DIACRITICS", "CYRILLIC", "GREEK", "ARABIC", "CJK", "HANGUL"}
    assert expected == seen


@pytest.mark.parametrize(
    ("size", "rate", "scenarios"),
    [
        (0, 0.0, SCENARIO_NAMES),
        (1001, 0.0, SCENARIO_NAMES),
        (10, 1.5, SCENARIO_NAMES),
        (10, 0.1, ("no_such_scenario",)),
    ],
)
def test_bad_arguments_are_refused(size: int, rate: float, scenarios: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match=r"size|scenario"):
        generate_flight(random.Random(0), size, scenario_rate=rate, scenarios=scenarios)


def test_population_arguments_are_checked_before_the_first_flight() -> None:
    with pytest.raises(ValueError, match="flight_size"):
        generate_population(10, seed=1, scenario_rate=0.0, flight_size=(0, 5))
