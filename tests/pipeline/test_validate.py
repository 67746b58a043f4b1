"""Validation, by a hand-written table: one mutation of a valid traveler -> the exact violations.

Every expected path and message below is written out by hand; none is
computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from screening_service.pipeline.validate import ValidFlight, validate_manifest, validate_screen
from screening_service.proto import pb
from tests.factories import DEPARTURE, manifest, ordinary_adult, ts, violations_of

Mutation = Callable[[pb.Traveler], None]
TODAY = dt.date(2026, 11, 23)
T = "traveler"
SEG = "traveler.itinerary.segments[0]"


def _set(path: str, value: object) -> Mutation:
    """Set a dotted attribute path (segments are reached through ``segment``)."""

    def mutate(traveler: pb.Traveler) -> None:
        target: object = traveler
        *parents, leaf = path.split(".")
        for name in parents:
            target = traveler.itinerary.segments[0] if name == "segment" else getattr(target, name)
        setattr(target, leaf, value)

    return mutate


def _both(first: Mutation, second: Mutation) -> Mutation:
    def mutate(traveler: pb.Traveler) -> None:
        first(traveler)
        second(traveler)

    return mutate


def _companion_self(traveler: pb.Traveler) -> None:
    traveler.companions.add(traveler_id=traveler.traveler_id, relationship=pb.RELATIONSHIP_PARENT)


def _observation_without_code(traveler: pb.Traveler) -> None:
    traveler.observations.add(source=pb.OBSERVATION_SOURCE_CREW)


def _arrives_before_departing(traveler: pb.Traveler) -> None:
    traveler.itinerary.segments[0].arrival_time.CopyFrom(ts(DEPARTURE - dt.timedelta(hours=1)))


def _booked_after_departure(traveler: pb.Traveler) -> None:
    traveler.booking.booking_time.CopyFrom(ts(DEPARTURE + dt.timedelta(hours=1)))


TABLE: list[tuple[str, Mutation, list[tuple[str, str]]]] = [
    ("no id", _set("traveler_id", ""), [(f"{T}.traveler_id", "is required")]),
    ("no surname", _set("surname", ""), [(f"{T}.surname", "is required")]),
    (
        "long surname",
        _set("surname", "Z" * 101),
        [(f"{T}.surname", "is longer than 100 characters")],
    ),
    (
        "NUL in a name",
        _set("given_names", "ALEX\x00"),
        [(f"{T}.given_names", "contains control characters")],
    ),
    ("no birth date", _set("date_of_birth", ""), [(f"{T}.date_of_birth", "is required")]),
    (
        "impossible date",
        _set("date_of_birth", "1986-02-30"),
        [(f"{T}.date_of_birth", "must be a date written YYYY-MM-DD")],
    ),
    (
        "compact date",
        _set("date_of_birth", "19860314"),
        [(f"{T}.date_of_birth", "must be a date written YYYY-MM-DD")],
    ),
    (
        "born before 1900",
        _set("date_of_birth", "1899-12-31"),
        [(f"{T}.date_of_birth", "must not be in the future nor before 1900")],
    ),
    ("unknown sex", _set("sex", 9), [(f"{T}.sex", "has unknown enum number 9")]),
    (
        "lower-case nationality",
        _set("nationality", "can"),
        [(f"{T}.nationality", "must be an ISO 3166-1 alpha-3 code (3 capital letters)")],
    ),
    (
        "no such country",
        _set("country_of_residence", "QZQ"),
        [(f"{T}.country_of_residence", "is not an ISO 3166-1 alpha-3 country code")],
    ),
    (
        "long visa",
        _set("visa_category", "V" * 17),
        [(f"{T}.visa_category", "is longer than 16 characters")],
    ),
    ("unknown direction", _set("direction", 7), [(f"{T}.direction", "has unknown enum number 7")]),
    (
        "bad document number",
        _set("document.number", "zz-1"),
        [(f"{T}.document.number", "must be 1-32 capital letters, digits, '<' or '-'")],
    ),
    (
        "unknown document type",
        _set("document.type", 42),
        [(f"{T}.document.type", "has unknown enum number 42")],
    ),
    (
        "expires before issued",
        _set("document.expiry_date", "2019-01-01"),
        [(f"{T}.document.expiry_date", "is before issue_date")],
    ),
    (
        "issued before birth",
        _set("document.issue_date", "1980-01-01"),
        [(f"{T}.document.issue_date", "is before date_of_birth")],
    ),
    ("no carrier", _set("segment.carrier", ""), [(f"{SEG}.carrier", "is required")]),
    (
        "long carrier",
        _set("segment.carrier", "ACX"),
        [(f"{SEG}.carrier", "must be an IATA airline designator (2 characters)")],
    ),
    (
        "flight number letters",
        _set("segment.flight_number", "75000"),
        [(f"{SEG}.flight_number", "must be 1-4 digits and an optional letter")],
    ),
    (
        "lower-case airport",
        _set("segment.origin", "yyz"),
        [(f"{SEG}.origin", "must be an IATA airport code (3 capital letters)")],
    ),
    (
        "round trip in one segment",
        _set("segment.destination", "YYZ"),
        [(f"{SEG}.destination", "equals origin")],
    ),
    (
        "arrives before departing",
        _arrives_before_departing,
        [(f"{SEG}.arrival_time", "is not after departure_time")],
    ),
    (
        "nanos out of range",
        _set("segment.departure_time.nanos", -5),
        [(f"{SEG}.departure_time", "has nanos out of range")],
    ),
    (
        "departure after 2199",
        _set("segment.departure_time.seconds", 8_000_000_000),
        [(f"{SEG}.departure_time", "is out of range (1970-2199)")],
    ),
    (
        "booked after departure",
        _booked_after_departure,
        [(f"{T}.booking.booking_time", "is after the first departure")],
    ),
    (
        "unknown ticket type",
        _set("booking.ticket_type", 99),
        [(f"{T}.booking.ticket_type", "has unknown enum number 99")],
    ),
    (
        "51 bags",
        _set("booking.checked_bags", 51),
        [(f"{T}.booking.checked_bags", "must be between 0 and 50")],
    ),
    (
        "negative bags",
        _set("booking.checked_bags", -1),
        [(f"{T}.booking.checked_bags", "must be between 0 and 50")],
    ),
    (
        "companion is self",
        _companion_self,
        [(f"{T}.companions[0].traveler_id", "names the traveler itself")],
    ),
    (
        "observation without code",
        _observation_without_code,
        [(f"{T}.observations[0].code", "is required")],
    ),
    (
        "two faults, both reported in order",
        _both(_set("surname", ""), _set("booking.checked_bags", 60)),
        [
            (f"{T}.surname", "is required"),
            (f"{T}.booking.checked_bags", "must be between 0 and 50"),
        ],
    ),
]


def test_the_unmutated_traveler_is_valid() -> None:
    assert [] == violations_of(pb.ScreenRequest(traveler=ordinary_adult("T-1")), TODAY)


@pytest.mark.parametrize(
    ("mutation", "expected"), [c[1:] for c in TABLE], ids=[c[0] for c in TABLE]
)
def test_one_mutation_gives_exactly_these_violations(
    mutation: Mutation, expected: list[tuple[str, str]]
) -> None:
    traveler = ordinary_adult("T-1")
    mutation(traveler)
    found = violations_of(pb.ScreenRequest(traveler=traveler), TODAY)
    assert expected == [(v.field, v.description) for v in found]


def test_a_future_birth_is_refused_as_future_only_when_judged_live() -> None:
    """Born after today: a live-only check; born after the departure: refused always."""
    traveler = ordinary_adult("T-1")
    traveler.date_of_birth = "2027-01-01"
    live = violations_of(pb.ScreenRequest(traveler=traveler), TODAY)
    assert [
        ("traveler.date_of_birth", "must not be in the future nor before 1900"),
        ("traveler.document.issue_date", "is before date_of_birth"),
        ("traveler.date_of_birth", "is after the departure"),
    ] == [(v.field, v.description) for v in live]
    replayed = violations_of(pb.ScreenRequest(traveler=traveler), None)
    assert [
        ("traveler.document.issue_date", "is before date_of_birth"),
        ("traveler.date_of_birth", "is after the departure"),
    ] == [(v.field, v.description) for v in replayed]


def test_a_missing_traveler_or_manifest_is_one_violation() -> None:
    assert [("traveler", "is required")] == [
        (v.field, v.description) for v in violations_of(pb.ScreenRequest())
    ]
    assert [("manifest", "is required")] == [
        (v.field, v.description) for v in violations_of(pb.ScreenManifestRequest())
    ]


def test_manifest_violations_name_the_traveler_by_index() -> None:
    second = ordinary_adult("T-2")
    _set("sex", 9)(second)
    repeated = ordinary_adult("T-1")
    request = pb.ScreenManifestRequest(manifest=manifest([ordinary_adult("T-1"), second, repeated]))
    assert [
        ("manifest.travelers[1].sex", "has unknown enum number 9"),
        ("manifest.travelers[2].traveler_id", "repeats travelers[0].traveler_id"),
    ] == [(v.field, v.description) for v in violations_of(request, TODAY)]


def test_manifest_header_violations() -> None:
    flight = manifest([ordinary_adult("T-1")])
    flight.carrier = "A"
    flight.origin = "ZZ"
    request = pb.ScreenManifestRequest(manifest=flight)
    assert [
        ("manifest.carrier", "must be an IATA airline designator (2 characters)"),
        ("manifest.origin", "must be an IATA airport code (3 capital letters)"),
    ] == [(v.field, v.description) for v in violations_of(request, TODAY)]
    empty = pb.ScreenManifestRequest(manifest=pb.Manifest(carrier="AC"))
    assert [("manifest.travelers", "is empty")] == [
        (v.field, v.description) for v in violations_of(empty, TODAY)
    ]


def test_a_valid_manifest_parses_to_typed_records() -> None:
    validated = validate_manifest(
        pb.ScreenManifestRequest(manifest=manifest([ordinary_adult("T-1"), ordinary_adult("T-2")])),
        TODAY,
    )
    assert isinstance(validated, ValidFlight)
    assert ["T-1", "T-2"] == [t.traveler_id for t in validated.travelers]
    assert ("AC", "750", "YYZ", "JFK") == (
        validated.flight.carrier,
        validated.flight.flight_number,
        validated.flight.origin,
        validated.flight.destination,
    )
    one = validate_screen(pb.ScreenRequest(traveler=ordinary_adult("T-1")), TODAY)
    assert isinstance(one, ValidFlight)
    assert dt.date(1986, 3, 14) == one.travelers[0].date_of_birth
