"""Validate -> typed records: what the rest of the pipeline reads.

Validation parses each wire message once into these records: dates are
`datetime.date`, instants are aware UTC `datetime`, enums are catalog words
(``"cash"``, ``"one_way"``), absent values are ``None`` (an empty string
never stands for "absent" past this point). Enrichment, history and the
decision read only these, never protobuf.
"""

from __future__ import annotations

import datetime as dt

import msgspec


class Segment(msgspec.Struct, frozen=True, gc=False):
    carrier: str
    flight_number: str
    origin: str
    destination: str
    departure: dt.datetime
    arrival: dt.datetime | None = None


class Document(msgspec.Struct, frozen=True, gc=False):
    type: str | None = None
    number: str | None = None
    issuing_country: str | None = None
    issue_date: dt.date | None = None
    expiry_date: dt.date | None = None


class Booking(msgspec.Struct, frozen=True, gc=False):
    record_locator: str | None = None
    booking_time: dt.datetime | None = None
    ticket_type: str | None = None
    payment_form: str | None = None
    purchaser_id: str | None = None
    purchaser_is_traveler: bool | None = None
    travel_agency_id: str | None = None
    contact_id: str | None = None
    checked_bags: int | None = None
    seat: str | None = None


class Companion(msgspec.Struct, frozen=True, gc=False):
    traveler_id: str
    relationship: str | None = None


class Observation(msgspec.Struct, frozen=True, gc=False):
    code: str
    source: str | None = None
    reported_at: dt.datetime | None = None
    note: str | None = None


class Traveler(msgspec.Struct, frozen=True, gc=False):
    traveler_id: str
    surname: str
    given_names: str
    date_of_birth: dt.date
    sex: str | None = None
    nationality: str | None = None
    country_of_residence: str | None = None
    document: Document | None = None
    visa_category: str | None = None
    direction: str | None = None
    role: str | None = None
    segments: tuple[Segment, ...] = ()
    booking: Booking | None = None
    companions: tuple[Companion, ...] = ()
    observations: tuple[Observation, ...] = ()

    @property
    def first_departure(self) -> dt.datetime | None:
        return self.segments[0].departure if self.segments else None


class Flight(msgspec.Struct, frozen=True, gc=False):
    """The manifest's own fields: what a traveler's record falls back on where it is silent.

    A single `Screen` call is a flight of one with an empty `Flight`.
    """

    carrier: str | None = None
    flight_number: str | None = None
    scheduled_departure: dt.datetime | None = None
    origin: str | None = None
    destination: str | None = None
    direction: str | None = None


NO_FLIGHT = Flight()
