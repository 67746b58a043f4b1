"""Property tests: validation is complete and violations are well formed.

Every generated traveler either gets violations (and then never a decision)
or goes through enrich -> evaluate -> decide without an exception.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.proto import pb, pb_grpc
from tests.factories import enrich_travelers, ordinary_adult, violations_of

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


@st.composite
def travelers(draw: st.DrawFn) -> pb.Traveler:
    t = ordinary_adult(draw(st.sampled_from(["T-1", "", "x" * 200])))
    t.surname = draw(texts)
    t.given_names = draw(st.one_of(st.just("SYNTHETIC"), texts))
    t.date_of_birth = draw(dates)
    t.sex = draw(enums)
    t.nationality = draw(texts)
    t.document.issue_date = draw(dates)
    t.document.expiry_date = draw(dates)
    t.document.number = draw(texts)
    t.document.type = draw(enums)
    t.direction = draw(enums)
    segment = t.itinerary.segments[0]
    segment.origin = draw(texts)
    segment.destination = draw(st.sampled_from(["JFK", "YYZ", "ZZZ", ""]))
    segment.carrier = draw(texts)
    segment.departure_time.seconds = draw(instants)
    segment.arrival_time.seconds = draw(instants)
    t.booking.booking_time.seconds = draw(instants)
    t.booking.payment_form = draw(enums)
    t.booking.ticket_type = draw(enums)
    if draw(st.booleans()):
        t.booking.checked_bags = draw(st.integers(min_value=-5, max_value=80))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        t.companions.add(
            traveler_id=draw(st.sampled_from(["T-1", "T-2", ""])), relationship=draw(enums)
        )
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        t.observations.add(code=draw(enums), source=draw(enums), note=draw(texts))
    return t


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(travelers())
def test_valid_or_violations_never_both_never_neither(traveler: pb.Traveler) -> None:
    violations = violations_of(pb.ScreenRequest(traveler=traveler))
    for violation in violations:
        assert violation.field.startswith("traveler")
        assert violation.description
        # Descriptions never repeat a personal value (short strings like "1"
        # can occur in any message by chance, so only distinctive ones count).
        for personal in (traveler.surname, traveler.given_names, traveler.date_of_birth):
            if len(personal) >= 4 and not personal.isdigit():
                assert personal not in violation.description
    if not violations:
        records = enrich_travelers([traveler], NOW)
        assert records[0]["traveler.age_years"] is not None


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
