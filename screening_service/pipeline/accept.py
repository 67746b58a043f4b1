"""Validate's fast path: the typed record of a traveler with nothing wrong, or None.

Nearly every traveler a port system sends is well-formed. `accept` reads
each field of such a traveler once, tests it with the cheapest exact check
(a set lookup for a country, `isprintable` before the control-character
regex) and builds no field path, because it never reports anything: at the
first doubt it gives up and returns None, and `validate` walks the traveler
again, field by field, to name every violation. So the verdicts and the
messages are `validate`'s alone; this module may only ever accept a
traveler `validate` accepts, with the same record (tests/pipeline/
test_accept.py checks both on mutated travelers). Rare valid forms (a name
with a zero-width joiner) are left to `validate` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service import geography, proto
from screening_service.pipeline import json_requests as js
from screening_service.pipeline.formats import (
    AIRPORT,
    CARRIER,
    CONTROL,
    COUNTRY,
    DOCUMENT_NUMBER,
    EARLIEST_BIRTH,
    EPOCH,
    FLIGHT_NUMBER,
    MAX_BAGS,
    MAX_COMPANIONS,
    MAX_ID,
    MAX_LOCATOR,
    MAX_NAME,
    MAX_NOTE,
    MAX_OBSERVATIONS,
    MAX_SEAT,
    MAX_SECONDS,
    MAX_SEGMENTS,
    MAX_VISA,
    MIN_SECONDS,
    ONE_DAY,
)
from screening_service.pipeline.records import (
    Booking,
    Companion,
    Document,
    Observation,
    Segment,
    Traveler,
)
from screening_service.proto import pb
from screening_service.values import parse_iso_date


class _Doubt(Exception):
    """Something `validate` must look at; raised at the first doubt, caught once."""


_DOUBT: Final = _Doubt()

# A flight's travelers share its departure and arrival instants: each is converted once
# (booking times and report times, each a traveler's own, are not remembered).
_INSTANTS: dict[tuple[int, int], dt.datetime] = {}
_MAX_INSTANTS: Final = 4096


@cache
def _countries() -> frozenset[str]:
    return frozenset(c for c in geography.country_codes() if COUNTRY.fullmatch(c))


@cache
def _airports() -> frozenset[str]:
    return frozenset(c for c in geography.airports() if AIRPORT.fullmatch(c))


def _clean(value: str, limit: int) -> str:
    """Text within ``limit`` without control characters (`validate`'s ``text``)."""
    if len(value) > limit or not (value.isprintable() or CONTROL.search(value) is None):
        raise _DOUBT
    return value


def _code(value: str, limit: int) -> str | None:
    """An optional code: clean text without whitespace around it; None when empty."""
    if not value:
        return None
    if value != value.strip():
        raise _DOUBT
    return _clean(value, limit)


def _required_code(value: str, limit: int) -> str:
    if not value:
        raise _DOUBT
    if value != value.strip():
        raise _DOUBT
    return _clean(value, limit)


def _name(value: str) -> str:
    """A name with a letter (`str.isalpha` is Unicode category L) and nothing invisible:
    a printable string holds no control, format, private-use, unassigned or separator
    character (a zero-width joiner, allowed between letters, is left to `validate`)."""
    if not value or len(value) > MAX_NAME or not value.isprintable():
        raise _DOUBT
    if not any(map(str.isalpha, value)):
        raise _DOUBT
    return value


def _enum(number: int | str, words: Mapping[int, str]) -> str | None:
    if type(number) is not int:
        raise _DOUBT
    if number == 0:
        return None
    word = words.get(number)
    if word is None:
        raise _DOUBT
    return word


def _country(value: str) -> str | None:
    if not value:
        return None
    if value not in _countries():
        raise _DOUBT
    return value


def _airport(value: str) -> str:
    if value not in _airports():
        raise _DOUBT
    return value


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_iso_date(value)
    except ValueError:
        raise _DOUBT from None


def _since_epoch(value: Timestamp | dt.datetime) -> tuple[int, int]:
    if isinstance(value, dt.datetime):
        since = value - EPOCH
        return since.days * 86_400 + since.seconds, since.microseconds * 1000
    return value.seconds, value.nanos


def _at(seconds: int, nanos: int) -> dt.datetime | None:
    """`validate`'s instant: aware UTC, None when unset."""
    if seconds == 0 and nanos == 0:
        return None
    if not 0 <= nanos < 1_000_000_000 or not MIN_SECONDS <= seconds < MAX_SECONDS:
        raise _DOUBT
    return EPOCH + dt.timedelta(seconds=seconds, microseconds=nanos // 1000)


def _instant(value: Timestamp | dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _at(*_since_epoch(value))


def _flight_instant(value: Timestamp | dt.datetime | None) -> dt.datetime | None:
    """`_instant` for a segment's times, which the flight's travelers share: remembered."""
    if value is None:
        return None
    key = _since_epoch(value)
    found = _INSTANTS.get(key)
    if found is None:
        found = _at(*key)
        if found is None:
            return None
        if len(_INSTANTS) >= _MAX_INSTANTS:
            _INSTANTS.clear()
        _INSTANTS[key] = found
    return found


def _document(
    d: pb.TravelDocument | js.TravelDocument, birth: dt.date, today: dt.date | None
) -> Document:
    kind = _enum(d.type, proto.DOCUMENT_TYPE)
    number = d.number or None
    if number is not None and DOCUMENT_NUMBER.fullmatch(number) is None:
        raise _DOUBT
    issuer = _country(d.issuing_country)
    issued = _date(d.issue_date)
    expires = _date(d.expiry_date)
    if issued is not None and (
        (expires is not None and issued > expires)
        or (today is not None and issued > today + ONE_DAY)
        or issued < birth
    ):
        raise _DOUBT
    return Document(kind, number, issuer, issued, expires)


def _segments(raw: Sequence[pb.Segment | js.Segment]) -> tuple[Segment, ...]:
    if len(raw) > MAX_SEGMENTS:
        raise _DOUBT
    segments = []
    previous_end: dt.datetime | None = None
    for s in raw:
        carrier, number = s.carrier, s.flight_number
        if CARRIER.fullmatch(carrier) is None or FLIGHT_NUMBER.fullmatch(number) is None:
            raise _DOUBT
        origin = _airport(s.origin)
        destination = _airport(s.destination)
        departs = _flight_instant(s.departure_time)
        arrives = _flight_instant(s.arrival_time)
        if (
            origin == destination
            or departs is None
            or (arrives is not None and arrives <= departs)
            or (previous_end is not None and departs < previous_end)
        ):
            raise _DOUBT
        previous_end = arrives or departs
        segments.append(Segment(carrier, number, origin, destination, departs, arrives))
    return tuple(segments)


def _booking(
    b: pb.Booking | js.Booking, first_departure: dt.datetime | None, today: dt.date | None
) -> Booking:
    locator = _code(b.record_locator, MAX_LOCATOR)
    booked = _instant(b.booking_time)
    if booked is not None and (
        (first_departure is not None and booked > first_departure)
        or (today is not None and booked.date() > today + ONE_DAY)
    ):
        raise _DOUBT
    ticket = _enum(b.ticket_type, proto.TICKET_TYPE)
    payment = _enum(b.payment_form, proto.PAYMENT_FORM)
    purchaser = _code(b.purchaser_id, MAX_ID)
    agency = _code(b.travel_agency_id, MAX_ID)
    contact = _code(b.contact_id, MAX_ID)
    bags = b.checked_bags if b.HasField("checked_bags") else None
    if bags is not None and not 0 <= bags <= MAX_BAGS:
        raise _DOUBT
    seat = _code(b.seat, MAX_SEAT)
    bought = b.purchaser_is_traveler if b.HasField("purchaser_is_traveler") else None
    return Booking(locator, booked, ticket, payment, purchaser, bought, agency, contact, bags, seat)


def _companions(
    given: Sequence[pb.Companion | js.Companion], traveler_id: str
) -> tuple[Companion, ...]:
    if not given:
        return ()
    if len(given) > MAX_COMPANIONS:
        raise _DOUBT
    companions = []
    for companion in given:
        other = _required_code(companion.traveler_id, MAX_ID)
        if other == traveler_id:
            raise _DOUBT
        companions.append(Companion(other, _enum(companion.relationship, proto.RELATIONSHIP)))
    return tuple(companions)


def _observations(given: Sequence[pb.Observation | js.Observation]) -> tuple[Observation, ...]:
    if not given:
        return ()
    if len(given) > MAX_OBSERVATIONS:
        raise _DOUBT
    observations = []
    for o in given:
        code = _enum(o.code, proto.OBSERVATION_CODE)
        if code is None:
            raise _DOUBT
        source = _enum(o.source, proto.OBSERVATION_SOURCE)
        reported_at = _instant(o.reported_at)
        note = _clean(o.note, MAX_NOTE) if o.note else None
        observations.append(Observation(code, source, reported_at, note))
    return tuple(observations)


def _traveler(
    t: pb.Traveler | js.Traveler,
    today: dt.date | None,
    window: dt.timedelta,
    scheduled: dt.datetime | None,
) -> Traveler:
    traveler_id = _required_code(t.traveler_id, MAX_ID)
    surname = _name(t.surname)
    given_names = _name(t.given_names)
    birth = _date(t.date_of_birth)
    if birth is None or birth < EARLIEST_BIRTH or (today is not None and birth > today + ONE_DAY):
        raise _DOUBT
    sex = _enum(t.sex, proto.SEX)
    nationality = _country(t.nationality)
    residence = _country(t.country_of_residence)
    visa = _code(t.visa_category, MAX_VISA)
    direction = _enum(t.direction, proto.DIRECTION)
    role = _enum(t.role, proto.ROLE)
    d = t.document
    document = _document(d, birth, today) if d is not None and t.HasField("document") else None
    i = t.itinerary
    segments = _segments(i.segments) if i is not None and t.HasField("itinerary") else ()
    first_departure = segments[0].departure if segments else scheduled
    if first_departure is not None:
        if segments and today is not None and abs(first_departure.date() - today) > window:
            raise _DOUBT
        if birth > first_departure.date():
            raise _DOUBT
    b = t.booking
    booking = (
        _booking(b, first_departure, today) if b is not None and t.HasField("booking") else None
    )
    return Traveler(
        traveler_id,
        surname,
        given_names,
        birth,
        sex,
        nationality,
        residence,
        document,
        visa,
        direction,
        role,
        segments,
        booking,
        _companions(t.companions, traveler_id),
        _observations(t.observations),
    )


def accept(
    t: pb.Traveler | js.Traveler,
    today: dt.date | None,
    window: dt.timedelta,
    scheduled: dt.datetime | None = None,
) -> Traveler | None:
    """The record `validate` would make of ``t``, when nothing in it is in doubt; else None.

    ``today`` and ``window`` are the live checks (`validate`'s), ``scheduled``
    the manifest's departure, used without an itinerary.
    """
    try:
        return _traveler(t, today, window, scheduled)
    except _Doubt:
        return None
