"""Property tests: validation is complete and violations are well formed.

Travelers are generated valid (synthetic, varied) and then, half the time,
have one field replaced by an arbitrary value: so both branches run, and a
minimum share of each is asserted. A valid traveler is enriched and checked
against the age and hours it was built with; a mutated one gets violations
only on the mutated field and the checks that compare with it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.proto import pb, pb_grpc
from tests.factories import enrich_travelers, ordinary_adult, traveler, violations_of

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)

texts = st.one_of(
    st.just(""),
    st.text(max_size=8),
    st.text(min_size=90, max_size=140),
    st.sampled_from(
        [
            "TESTPERSON",
            "ZZ0000001",
            "\x00bad",
            "Ünïcødé",
            "CAN",
            "XYZ",
            "JFK",
            "yyz",
            "AC",
            "750",
            "75000",
        ]
    ),
)
dates = st.one_of(
    st.just(""),
    st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 1, 1)).map(
        lambda d: d.isoformat()
    ),
    st.sampled_from(["2010-02-30", "1999-13-01", "20100101", "2010-1-1", "not a date"]),
)
# Any: proto enum fields are typed as their ValueType, and invalid numbers are the point.
enums: st.SearchStrategy[Any] = st.integers(min_value=-2, max_value=12)
instants = st.one_of(
    st.just(0),
    st.integers(min_value=-10, max_value=8_000_000_000),
    st.integers(min_value=1_700_000_000, max_value=1_900_000_000),
)


COUNTRIES = ["CAN", "USA", "MEX", "FRA", "DEU", "JPN", "BRA", "NGA"]
TICKETS = [pb.TICKET_TYPE_ONE_WAY, pb.TICKET_TYPE_ROUND_TRIP]
PAYMENTS = [pb.PAYMENT_FORM_CARD, pb.PAYMENT_FORM_CASH]
SYNTHETIC_NAMES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=20)


@st.composite
def valid_travelers(draw: st.DrawFn) -> tuple[pb.Traveler, int, int]:
    """A valid synthetic traveler, with the age and hours booked ahead it was built with."""
    age = draw(st.integers(min_value=0, max_value=99))
    hours = draw(st.integers(min_value=1, max_value=24 * 300))
    t = traveler(
        "T-1",
        age=age,
        hours_before=hours,
        ticket=draw(st.sampled_from(TICKETS)),
        payment=draw(st.sampled_from(PAYMENTS)),
        purchaser_is_traveler=draw(st.sampled_from([True, False, None])),
        surname="ZZ" + draw(SYNTHETIC_NAMES),
        given_names="SYNTHETIC " + draw(SYNTHETIC_NAMES),
    )
    t.nationality = draw(st.sampled_from(COUNTRIES))
    t.country_of_residence = draw(st.sampled_from(COUNTRIES))
    # Issued the day after the birth (factories.birth_date: 14 March).
    t.document.issue_date = f"{2026 - age}-03-15"
    return t, age, hours


def _segment(t: pb.Traveler) -> pb.Segment:
    return t.itinerary.segments[0]


# One field each: how to set it, what to draw for it, and the paths its
# violations may name (the field itself and the checks that compare with it).
SEG = "traveler.itinerary.segments[0]"
MUTATIONS: dict[str, tuple[Callable[[pb.Traveler, Any], None], Any, tuple[str, ...]]] = {
    "surname": (lambda t, v: setattr(t, "surname", v), texts, ("traveler.surname",)),
    "date_of_birth": (
        lambda t, v: setattr(t, "date_of_birth", v),
        dates,
        ("traveler.date_of_birth", "traveler.document.issue_date"),
    ),
    "sex": (lambda t, v: setattr(t, "sex", v), enums, ("traveler.sex",)),
    "nationality": (lambda t, v: setattr(t, "nationality", v), texts, ("traveler.nationality",)),
    "document.number": (
        lambda t, v: setattr(t.document, "number", v),
        texts,
        ("traveler.document.number",),
    ),
    "document.expiry_date": (
        lambda t, v: setattr(t.document, "expiry_date", v),
        dates,
        ("traveler.document.expiry_date",),
    ),
    "origin": (
        lambda t, v: setattr(_segment(t), "origin", v),
        texts,
        (f"{SEG}.origin", f"{SEG}.destination"),  # an origin equal to the destination
    ),
    "carrier": (lambda t, v: setattr(_segment(t), "carrier", v), texts, (f"{SEG}.carrier",)),
    "departure_time": (
        lambda t, v: setattr(_segment(t).departure_time, "seconds", v),
        instants,
        # Moving the departure can put it before the birth or the booking: those are named.
        (
            f"{SEG}.departure_time",
            f"{SEG}.arrival_time",
            "traveler.booking.booking_time",
            "traveler.date_of_birth",
        ),
    ),
    "booking_time": (
        lambda t, v: setattr(t.booking.booking_time, "seconds", v),
        instants,
        ("traveler.booking.booking_time",),
    ),
    "payment_form": (
        lambda t, v: setattr(t.booking, "payment_form", v),
        enums,
        ("traveler.booking.payment_form",),
    ),
    "checked_bags": (
        lambda t, v: setattr(t.booking, "checked_bags", v),
        st.integers(min_value=-5, max_value=80),
        ("traveler.booking.checked_bags",),
    ),
}


@st.composite
def mutated_travelers(draw: st.DrawFn) -> tuple[pb.Traveler, tuple[str, ...] | None, int, int]:
    """A valid traveler, and half the time one field replaced by an arbitrary value."""
    t, age, hours = draw(valid_travelers())
    if draw(st.booleans()):
        return t, None, age, hours
    setter, values, paths = MUTATIONS[draw(st.sampled_from(sorted(MUTATIONS)))]
    setter(t, draw(values))
    return t, paths, age, hours


@st.composite
def travelers(draw: st.DrawFn) -> pb.Traveler:
    return draw(mutated_travelers())[0]


MIN_VALID_SHARE = 0.4


def test_valid_or_violations_never_both_never_neither() -> None:
    """Both branches run: a valid traveler is enriched exactly; a mutated one names its field."""
    outcomes: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated_travelers())
    def check(case: tuple[pb.Traveler, tuple[str, ...] | None, int, int]) -> None:
        traveler_, paths, age, hours = case
        violations = violations_of(pb.ScreenRequest(traveler=traveler_))
        if paths is None:
            assert [] == violations
        for violation in violations:
            assert paths is not None
            assert violation.field.startswith(paths), (violation, paths)
            assert violation.description
            # Descriptions never repeat a personal value.
            for personal in (traveler_.surname, traveler_.given_names, traveler_.date_of_birth):
                if len(personal) >= 4 and not personal.isdigit():
                    assert personal not in violation.description
        if violations:
            outcomes["invalid"] += 1
            return
        outcomes["valid"] += 1
        record = enrich_travelers([traveler_], NOW)[0]
        if paths is None:
            assert age == record["traveler.age_years"]
            assert (age < 18) == record["traveler.is_minor"]
            assert hours == record["booking.hours_before_departure"]

    check()
    total = outcomes["valid"] + outcomes["invalid"]
    assert outcomes["valid"] >= MIN_VALID_SHARE * total, outcomes
    assert outcomes["invalid"] >= 0.2 * total, outcomes


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(travelers(), min_size=1, max_size=4))
def test_manifest_paths_index_the_traveler(travelers_: list[pb.Traveler]) -> None:
    request = pb.ScreenManifestRequest(
        manifest=pb.Manifest(carrier="AC", flight_number="750", travelers=travelers_)
    )
    for violation in violations_of(request):
        assert violation.field.startswith("manifest.travelers[") or violation.field.startswith(
            "manifest."
        )
        if violation.field.startswith("manifest.travelers["):
            index = int(violation.field.split("[", 1)[1].split("]", 1)[0])
            assert 0 <= index < len(travelers_)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(travelers())
def test_server_answers_a_decision_or_invalid_argument(
    stub: pb_grpc.ScreeningServiceStub, traveler: pb.Traveler
) -> None:
    request = pb.ScreenRequest(traveler=traveler)
    if violations_of(request):
        with pytest.raises(grpc.RpcError) as caught:
            stub.Screen(request, timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        trailing = caught.value.trailing_metadata()
        assert "grpc-status-details-bin" in {item.key for item in trailing}
        return
    decision = stub.Screen(request, timeout=10).decision
    assert decision.referral in (
        pb.REFERRAL_NONE,
        pb.REFERRAL_INTERVIEW,
        pb.REFERRAL_PRIORITY_INTERVIEW,
    )


# Refusals of what cannot be true (issue 13).
invisible = st.sampled_from([" ", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\t"])


@settings(max_examples=200, deadline=None)
@given(st.text(invisible, min_size=1, max_size=12), st.sampled_from(["surname", "given_names"]))
def test_a_name_of_only_blank_or_invisible_characters_is_refused(name: str, field: str) -> None:
    t = ordinary_adult()
    setattr(t, field, name)
    refused = {v.field for v in violations_of(pb.ScreenRequest(traveler=t))}
    assert f"traveler.{field}" in refused


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["\u200b", "\u2060", "\ufeff", "\u202e", "\x85", "\x07", "\u2028"]),
    st.integers(min_value=0, max_value=10),
)
def test_an_invisible_or_control_character_anywhere_in_a_name_is_refused(
    character: str, at: int
) -> None:
    t = ordinary_adult()
    t.surname = t.surname[:at] + character + t.surname[at:]
    assert {v.field for v in violations_of(pb.ScreenRequest(traveler=t))} == {"traveler.surname"}


def test_joiners_between_letters_are_part_of_a_name() -> None:
    t = ordinary_adult()
    t.surname = "\u0d15\u0d4d\u200d\u0d37"  # Malayalam: a conjunct shaped with a joiner
    assert violations_of(pb.ScreenRequest(traveler=t)) == []


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([" ", "\n", "\t", "\r\n"]),
    st.booleans(),
    st.sampled_from(
        [
            ("document.number", "traveler.document.number"),
            ("carrier", "traveler.itinerary.segments[0].carrier"),
            ("flight_number", "traveler.itinerary.segments[0].flight_number"),
            ("purchaser_id", "traveler.booking.purchaser_id"),
            ("record_locator", "traveler.booking.record_locator"),
            ("traveler_id", "traveler.traveler_id"),
        ]
    ),
)
def test_whitespace_around_a_code_or_number_is_refused(
    space: str, before: bool, where: tuple[str, str]
) -> None:
    t = ordinary_adult()
    attribute, path = where
    holder: Any = {
        "document.number": t.document,
        "carrier": t.itinerary.segments[0],
        "flight_number": t.itinerary.segments[0],
        "purchaser_id": t.booking,
        "record_locator": t.booking,
        "traveler_id": t,
    }[attribute]
    name = attribute.rsplit(".", 1)[-1]
    value = getattr(holder, name) or "PURCHASER-1"
    setattr(holder, name, space + value if before else value + space)
    refused = violations_of(pb.ScreenRequest(traveler=t))
    assert {v.field for v in refused} == {path}


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=30_000))
def test_birth_after_departure_is_refused_even_when_not_live(days_after: int) -> None:
    t = ordinary_adult()
    departure = t.itinerary.segments[0].departure_time.ToDatetime(dt.UTC).date()
    t.date_of_birth = (departure + dt.timedelta(days=days_after)).isoformat()
    t.ClearField("document")
    fields = {v.field: v.description for v in violations_of(pb.ScreenRequest(traveler=t))}
    assert fields.get("traveler.date_of_birth") == "is after the departure"


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=100_000))
def test_booking_after_the_manifest_departure_is_refused_without_an_itinerary(
    hours_after: int,
) -> None:
    t = ordinary_adult()
    t.ClearField("itinerary")
    departure = dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)
    t.booking.booking_time.FromDatetime(departure + dt.timedelta(hours=hours_after))
    request = pb.ScreenManifestRequest(
        manifest=pb.Manifest(carrier="AC", flight_number="750", travelers=[t])
    )
    request.manifest.scheduled_departure.FromDatetime(departure)
    assert [(v.field, v.description) for v in violations_of(request)] == [
        ("manifest.travelers[0].booking.booking_time", "is after the first departure")
    ]


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-5000, max_value=5000))
def test_a_departure_outside_the_window_is_refused_for_live_calls_only(days: int) -> None:
    t = ordinary_adult()
    departure = t.itinerary.segments[0].departure_time.ToDatetime(dt.UTC).date()
    today = departure - dt.timedelta(days=days)
    request = pb.ScreenRequest(traveler=t)
    live = {v.field for v in violations_of(request, today)}
    # Booking and birth checks against today do not fire for these synthetic dates.
    live.discard("traveler.booking.booking_time")
    live.discard("traveler.date_of_birth")
    live.discard("traveler.document.issue_date")
    expected = {"traveler.itinerary.segments[0].departure_time"} if abs(days) > 400 else set()
    assert live == expected
    assert violations_of(request) == []
