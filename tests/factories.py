"""Generated, obviously fictional travelers for tests (no real personal data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.lookout import LookoutIndex
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.screen import validate
from screening_service.pipeline.validate import (
    Invalid,
    ValidFlight,
    Violation,
    validate_manifest,
    validate_screen,
)
from screening_service.proto import pb
from screening_service.values import Record

DEPARTURE = dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)


def ts(instant: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(instant)
    return stamp


def birth_date(age: int, on: dt.datetime = DEPARTURE) -> str:
    return dt.date(on.year - age, 3, 14).isoformat()


def traveler(
    traveler_id: str = "T-0001",
    *,
    age: int = 40,
    hours_before: float = 24 * 30,
    ticket: pb.TicketType.ValueType = pb.TICKET_TYPE_ROUND_TRIP,
    payment: pb.PaymentForm.ValueType = pb.PAYMENT_FORM_CARD,
    purchaser_is_traveler: bool | None = True,
    purchaser_id: str = "",
    contact_id: str = "",
    record_locator: str = "ZZTEST",
    companions: list[pb.Companion] | None = None,
    observations: list[pb.Observation] | None = None,
    surname: str = "TESTPERSON",
    given_names: str = "SYNTHETIC ALEX",
    document_number: str = "ZZ0000001",
) -> pb.Traveler:
    booking = pb.Booking(
        record_locator=record_locator,
        booking_time=ts(DEPARTURE - dt.timedelta(hours=hours_before)),
        ticket_type=ticket,
        payment_form=payment,
        purchaser_id=purchaser_id,
        contact_id=contact_id,
        checked_bags=1,
    )
    if purchaser_is_traveler is not None:
        booking.purchaser_is_traveler = purchaser_is_traveler
    return pb.Traveler(
        traveler_id=traveler_id,
        surname=surname,
        given_names=given_names,
        date_of_birth=birth_date(age),
        sex=pb.SEX_X,
        nationality="CAN",
        country_of_residence="CAN",
        document=pb.TravelDocument(
            type=pb.DOCUMENT_TYPE_PASSPORT,
            number=document_number,
            issuing_country="CAN",
            issue_date="2020-01-15",
            expiry_date="2030-01-14",
        ),
        direction=pb.DIRECTION_INBOUND,
        itinerary=pb.Itinerary(
            segments=[
                pb.Segment(
                    carrier="AC",
                    flight_number="750",
                    origin="YYZ",
                    destination="JFK",
                    departure_time=ts(DEPARTURE),
                    arrival_time=ts(DEPARTURE + dt.timedelta(hours=1, minutes=45)),
                )
            ]
        ),
        booking=booking,
        companions=companions or [],
        observations=observations or [],
    )


def lone_minor_cash_last_minute(traveler_id: str = "T-MINOR") -> pb.Traveler:
    """The issue's referral case: 15, alone, one-way cash ticket bought 6 h ahead by another."""
    return traveler(
        traveler_id,
        age=15,
        hours_before=6,
        ticket=pb.TICKET_TYPE_ONE_WAY,
        payment=pb.PAYMENT_FORM_CASH,
        purchaser_is_traveler=False,
        purchaser_id="purchaser-hash-0001",
    )


def ordinary_adult(traveler_id: str = "T-ADULT") -> pb.Traveler:
    """The issue's NONE case: 40, round trip paid by card a month ahead."""
    return traveler(traveler_id, age=40, hours_before=24 * 30)


def interview_adult(traveler_id: str, purchaser_id: str = "purchaser-hash-0002") -> pb.Traveler:
    """An adult on a one-way cash ticket bought 6 h ahead by someone else: an interview."""
    return traveler(
        traveler_id,
        age=30,
        hours_before=6,
        ticket=pb.TICKET_TYPE_ONE_WAY,
        payment=pb.PAYMENT_FORM_CASH,
        purchaser_is_traveler=False,
        purchaser_id=purchaser_id,
    )


def manifest(travelers: list[pb.Traveler]) -> pb.Manifest:
    return pb.Manifest(
        carrier="AC",
        flight_number="750",
        scheduled_departure=ts(DEPARTURE),
        origin="YYZ",
        destination="JFK",
        direction=pb.DIRECTION_INBOUND,
        travelers=travelers,
    )


LONE_MINOR_EVIDENCE = {
    "traveler.is_minor": "true",
    "booking.purchaser_is_traveler": "false",
    "booking.purchaser_on_flight": "false",
    "booking.payment_form": "cash",
    "booking.hours_before_departure": "6",
}


def assert_lone_minor_referred(decision: pb.Decision) -> None:
    """What `lone_minor_cash_last_minute` must get, through any gRPC implementation."""
    assert decision.traveler_id == "T-MINOR"
    assert decision.referral == pb.REFERRAL_PRIORITY_INTERVIEW
    fired = {i.rule_id: i for i in decision.indicators}
    assert {"minor-without-parent-or-guardian", "minor-third-party-cash-last-minute"} <= set(fired)
    evidence = {e.field: e.value for e in fired["minor-third-party-cash-last-minute"].evidence}
    assert evidence == LONE_MINOR_EVIDENCE
    # child: minor alone 15 + this rule 50 + minor-alone-one-way-no-bags-or-short-notice 30;
    # general: third-party-cash-one-way-last-minute 50, which replaces its four parts.
    assert decision.score == 145.0


def valid(request: pb.ScreenRequest | pb.ScreenManifestRequest) -> ValidFlight:
    """The typed records of a request the test knows is valid (judged as of its own time)."""
    validated = validate(request, live=False)
    assert isinstance(validated, ValidFlight), validated
    return validated


def violations_of(
    request: pb.ScreenRequest | pb.ScreenManifestRequest, today: dt.date | None = None
) -> list[Violation]:
    """Every violation of a request ([] when valid)."""
    if isinstance(request, pb.ScreenRequest):
        validated = validate_screen(request, today)
    else:
        validated = validate_manifest(request, today)
    return list(validated.violations) if isinstance(validated, Invalid) else []


def enrich_travelers(
    travelers: Sequence[pb.Traveler], now: dt.datetime, lookout: LookoutIndex | None = None
) -> list[Record]:
    """Validate then enrich travelers as one flight with no manifest fields."""
    if len(travelers) == 1:
        flight = valid(pb.ScreenRequest(traveler=travelers[0]))
    else:
        flight = valid(pb.ScreenManifestRequest(manifest=pb.Manifest(travelers=travelers)))
    return enrich_flight(flight.travelers, flight.flight, now, lookout)


def enrich_manifest(
    manifest: pb.Manifest, now: dt.datetime, lookout: LookoutIndex | None = None
) -> list[Record]:
    flight = valid(pb.ScreenManifestRequest(manifest=manifest))
    return enrich_flight(flight.travelers, flight.flight, now, lookout)
