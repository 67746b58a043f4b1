"""Derived fields: local calendar dates, exact instants, flight-level groups."""

from __future__ import annotations

import datetime as dt

from screening_service.proto import pb
from tests.factories import enrich_manifest, enrich_travelers, manifest, traveler, ts

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def one(t: pb.Traveler) -> dict[str, object]:
    return dict(enrich_travelers([t], NOW)[0])


def test_age_is_taken_on_the_local_date_of_the_first_departure() -> None:
    t = traveler(age=30)
    t.date_of_birth = "2008-12-02"
    segment = t.itinerary.segments[0]
    segment.origin, segment.destination = "SYD", "LAX"
    # 23:30 UTC on 1 December is 10:30 on 2 December in Sydney: the 18th birthday.
    segment.departure_time.CopyFrom(ts(dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)))
    segment.arrival_time.CopyFrom(ts(dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.UTC)))
    t.booking.booking_time.CopyFrom(ts(dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))

    record = one(t)
    assert (record["traveler.age_years"], record["traveler.is_minor"]) == (18, False)


def test_hours_before_departure_are_exact_across_a_dst_change() -> None:
    t = traveler()
    departure = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)  # US clocks moved at 07:00 UTC
    t.itinerary.segments[0].departure_time.CopyFrom(ts(departure))
    t.itinerary.segments[0].arrival_time.CopyFrom(ts(departure + dt.timedelta(hours=2)))
    t.booking.booking_time.CopyFrom(ts(departure - dt.timedelta(hours=6)))

    assert one(t)["booking.hours_before_departure"] == 6.0


def test_itinerary_fields_come_from_airport_data() -> None:
    record = one(traveler())
    assert record["itinerary.countries"] == ["CAN", "USA"]
    assert record["itinerary.country_count"] == 2
    assert record["itinerary.segment_count"] == 1
    assert record["itinerary.total_hours"] == 1.75
    assert (record["itinerary.origin"], record["itinerary.destination"]) == ("YYZ", "JFK")


def test_document_days_are_counted_from_the_departure_date() -> None:
    record = one(traveler())
    assert record["document.days_since_issue"] == (dt.date(2026, 12, 1) - dt.date(2020, 1, 15)).days
    assert record["document.days_to_expiry"] == (dt.date(2030, 1, 14) - dt.date(2026, 12, 1)).days


def test_party_and_guardian_fields() -> None:
    t = traveler(
        age=12, companions=[pb.Companion(traveler_id="T-2", relationship=pb.RELATIONSHIP_SIBLING)]
    )
    record = one(t)
    assert record["booking.party_size"] == 2
    assert record["booking.has_parent_or_guardian"] is False
    assert record["booking.companion_relationships"] == ["sibling"]
    assert record["booking.minors_in_party"] == 1


def test_group_fields_count_travelers_sharing_a_purchaser_or_contact() -> None:
    young = [
        traveler(
            f"T-{i}",
            age=19 + i,
            purchaser_id="buyer-1",
            purchaser_is_traveler=False,
            contact_id="c-1",
            record_locator=f"PNR{i}",
        )
        for i in range(3)
    ]
    minor = traveler(
        "T-M",
        age=15,
        purchaser_id="buyer-1",
        purchaser_is_traveler=False,
        contact_id="c-1",
        record_locator="PNR9",
    )
    other = traveler("T-O", age=50, purchaser_id="buyer-2", purchaser_is_traveler=True)
    m = manifest([*young, minor, other])
    records = enrich_manifest(m, NOW)

    first = records[0]
    assert first["flight.traveler_count"] == 5
    assert first["flight.same_purchaser_count"] == 4
    assert first["flight.same_purchaser_minors"] == 1
    assert first["flight.same_purchaser_under_25"] == 4
    assert first["booking.purchaser_on_flight"] is False
    assert first["flight.same_contact_count"] == 4
    assert first["flight.same_contact_bookings"] == 4
    assert records[3]["flight.same_contact_unrelated_adults"] == 3
    assert records[4]["booking.purchaser_on_flight"] is True
    assert "flight.same_contact_count" not in records[4]


def test_purchaser_travelling_on_the_flight_is_found() -> None:
    buyer = traveler("T-B", age=45, purchaser_id="buyer-3", purchaser_is_traveler=True)
    child = traveler("T-C", age=8, purchaser_id="buyer-3", purchaser_is_traveler=False)
    m = manifest([buyer, child])
    records = enrich_manifest(m, NOW)
    assert records[1]["booking.purchaser_on_flight"] is True


def test_observations_become_sorted_codes() -> None:
    t = traveler(
        observations=[
            pb.Observation(
                code=pb.OBSERVATION_CODE_SCRIPTED_ANSWERS, source=pb.OBSERVATION_SOURCE_CREW
            ),
            pb.Observation(
                code=pb.OBSERVATION_CODE_DOCUMENTS_HELD_BY_OTHER, source=pb.OBSERVATION_SOURCE_CREW
            ),
        ]
    )
    record = one(t)
    assert record["observations.codes"] == ["documents_held_by_other", "scripted_answers"]
    assert record["observations.sources"] == ["crew"]
    assert record["observations.count"] == 2


def test_guardian_is_unknown_without_booking_data_or_with_an_unknown_relationship() -> None:
    no_booking = traveler(age=12)
    no_booking.ClearField("booking")
    assert one(no_booking).get("booking.has_parent_or_guardian") is None
    unknown = traveler(age=12, companions=[pb.Companion(traveler_id="T-2")])
    assert one(unknown)["booking.has_parent_or_guardian"] is None
    parent = traveler(
        age=12,
        companions=[
            pb.Companion(traveler_id="T-2"),
            pb.Companion(traveler_id="T-3", relationship=pb.RELATIONSHIP_PARENT),
        ],
    )
    assert one(parent)["booking.has_parent_or_guardian"] is True
    assert one(traveler(age=12))["booking.has_parent_or_guardian"] is False


def test_issuer_differs_from_nationality_is_unknown_when_either_is() -> None:
    t = traveler()
    assert one(t)["document.issuer_differs_from_nationality"] is False
    t.document.issuing_country = "USA"
    assert one(t)["document.issuer_differs_from_nationality"] is True
    t.ClearField("nationality")
    assert one(t).get("document.issuer_differs_from_nationality") is None


def test_travel_fields_are_in_local_time() -> None:
    t = traveler()
    segment = t.itinerary.segments[0]
    segment.origin, segment.destination = "SYD", "LAX"
    # 23:30 UTC on Tuesday 1 December is 10:30 on Wednesday 2 December in Sydney.
    segment.departure_time.CopyFrom(ts(dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)))
    # 13:00 UTC on 2 December is 05:00 on 2 December in Los Angeles.
    segment.arrival_time.CopyFrom(ts(dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.UTC)))
    t.booking.booking_time.CopyFrom(ts(dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)))
    record = one(t)
    assert record["travel.departure_date"] == dt.date(2026, 12, 2).toordinal()
    assert record["travel.departure_hour"] == 10
    assert record["travel.departure_weekday"] == "wednesday"
    assert record["travel.arrival_date"] == dt.date(2026, 12, 2).toordinal()
    # 20:00 UTC on 30 November is 07:00 on 1 December in Sydney.
    assert record["booking.booking_date"] == dt.date(2026, 12, 1).toordinal()


def test_without_a_departure_the_age_is_taken_on_now_in_its_own_zone_each_time() -> None:
    """Local times are remembered per instant and airport; an instant no airport converts
    keeps its own zone, even after an equal instant given in another zone."""
    t = traveler()
    t.ClearField("itinerary")
    t.ClearField("booking")
    t.date_of_birth = "2008-03-14"
    in_utc = dt.datetime(2026, 3, 13, 20, 0, tzinfo=dt.UTC)
    east = in_utc.astimezone(dt.timezone(dt.timedelta(hours=5)))  # 01:00 on 14 March
    assert 17 == enrich_travelers([t], in_utc)[0]["traveler.age_years"]
    assert 18 == enrich_travelers([t], east)[0]["traveler.age_years"]
