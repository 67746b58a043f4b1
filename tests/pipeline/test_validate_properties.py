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
from tests.factories import enrich_travelers, traveler, violations_of

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
    "origin": (lambda t, v: setattr(_segment(t), "origin", v), texts, (f"{SEG}.origin",)),
    "carrier": (lambda t, v: setattr(_segment(t), "carrier", v), texts, (f"{SEG}.carrier",)),
    "departure_time": (
        lambda t, v: setattr(_segment(t).departure_time, "seconds", v),
        instants,
        (f"{SEG}.departure_time", f"{SEG}.arrival_time", "traveler.booking.booking_time"),
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
