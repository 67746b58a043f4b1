"""Request -> validate: every violation by field path, or the typed records.

Validation walks a request once: each field is checked and parsed in the
same step, so a valid request comes out as `records` (dates, instants and
enum words decoded) and the rest of the pipeline never reads protobuf
again. An invalid request yields every violation at once. Each traveler is
first offered to `accept` (the fast path for a traveler with nothing wrong);
only a traveler it has doubts about is walked here, field path by field
path, and the verdict and messages are always this module's.

Messages never repeat the offending value: values may be names, dates of
birth or document numbers, and violations end up in logs and client errors.

Checks that depend on the present (a birth or issue date in the future, a
departure outside `departure_window_days` of today) apply only when
``today`` is given: live calls pass it, replay and explain judge each record
as of its own time. What cannot be true at any time is always refused: a
name with no letters or with control or invisible characters, a code or
number with whitespace around it, a birth after the departure, a booking
after the departure (the itinerary's, or else the manifest's scheduled one).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service import geography, proto
from screening_service.pipeline import accept, formats
from screening_service.pipeline import json_requests as js
from screening_service.pipeline.formats import (
    EARLIEST_BIRTH,
    EPOCH,
    MAX_BAGS,
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
    NO_FLIGHT,
    Booking,
    Companion,
    Document,
    Flight,
    Observation,
    Segment,
    Traveler,
)
from screening_service.proto import pb
from screening_service.values import parse_iso_date

# Limits other modules read from here.
DEFAULT_DEPARTURE_WINDOW_DAYS: Final = formats.DEFAULT_DEPARTURE_WINDOW_DAYS
MAX_TRAVELERS: Final = formats.MAX_TRAVELERS
MAX_COMPANIONS: Final = formats.MAX_COMPANIONS

_CARRIER = formats.CARRIER
_FLIGHT_NUMBER = formats.FLIGHT_NUMBER
_AIRPORT = formats.AIRPORT
_COUNTRY = formats.COUNTRY
_DOCUMENT_NUMBER = formats.DOCUMENT_NUMBER
_CONTROL = formats.CONTROL
# Unicode categories no name is written with: controls, format characters
# (zero-width and direction marks), surrogates, private use, unassigned,
# line and paragraph separators.
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Zero-width (non-)joiners shape letters in Indic and Arabic scripts; they are
# accepted between two letters only.
_JOINERS: Final = frozenset({"\u200c", "\u200d"})

# Validation walks protobuf messages (the wire) and their JSON twins (replay's records) alike.
TravelerIn = pb.Traveler | js.Traveler
DocumentIn = pb.TravelDocument | js.TravelDocument
ItineraryIn = pb.Itinerary | js.Itinerary
BookingIn = pb.Booking | js.Booking
ScreenIn = pb.ScreenRequest | js.ScreenRequest
ManifestIn = pb.ScreenManifestRequest | js.ScreenManifestRequest

CARRIER_RULE: Final = "an IATA airline designator (2 characters)"
FLIGHT_NUMBER_RULE: Final = "1-4 digits and an optional letter"


@dataclass(frozen=True)
class Violation:
    field: str
    description: str


@dataclass(frozen=True)
class ValidFlight:
    """A validated request: the flight's own fields and its travelers, in request order."""

    flight: Flight
    travelers: tuple[Traveler, ...]


@dataclass(frozen=True)
class Invalid:
    violations: tuple[Violation, ...]


Validated = ValidFlight | Invalid


class _Collector:
    def __init__(self, today: dt.date | None, departure_window_days: int) -> None:
        self.violations: list[Violation] = []
        self.today = today
        self.window = dt.timedelta(days=departure_window_days)

    def add(self, path: str, description: str) -> None:
        self.violations.append(Violation(path, description))

    def text(self, path: str, value: str, *, required: bool, limit: int) -> str | None:
        if not value:
            if required:
                self.add(path, "is required")
            return None
        if len(value) > limit:
            self.add(path, f"is longer than {limit} characters")
        if _CONTROL.search(value):
            self.add(path, "contains control characters")
        return value

    def code(self, path: str, value: str, *, required: bool, limit: int) -> str | None:
        """An identifier or code: text without whitespace around it."""
        text = self.text(path, value, required=required, limit=limit)
        if text is not None and text != text.strip():
            self.add(path, "has spaces or line breaks around it")
        return text

    def name(self, path: str, value: str) -> str | None:
        """A person's name: text with at least one letter and nothing invisible."""
        before = len(self.violations)
        text = self.text(path, value, required=True, limit=MAX_NAME)
        if text is None or len(self.violations) > before:
            return text
        if text.isascii():  # ASCII's only invisible characters are controls, refused above
            if not any(ch.isalpha() for ch in text):
                self.add(path, "is blank or has no letters")
            return text
        if _has_invisible(text):
            self.add(path, "contains invisible or control characters")
        elif not any(unicodedata.category(ch).startswith("L") for ch in text):
            self.add(path, "is blank or has no letters")
        return text

    def departure(self, path: str, departs: dt.datetime | None) -> None:
        """A live call's departure must lie within the window around today."""
        if departs is None or self.today is None:
            return
        if abs(departs.date() - self.today) > self.window:
            self.add(path, f"is more than {self.window.days} days from today")

    def pattern(
        self, path: str, value: str, regex: re.Pattern[str], what: str, *, required: bool = False
    ) -> str | None:
        if not value:
            if required:
                self.add(path, "is required")
            return None
        if value != value.strip():
            self.add(path, "has spaces or line breaks around it")
            return None
        if not regex.fullmatch(value):
            self.add(path, f"must be {what}")
            return None
        return value

    def country(self, path: str, value: str) -> str | None:
        code = self.pattern(path, value, _COUNTRY, "an ISO 3166-1 alpha-3 code (3 capital letters)")
        if code is not None and not geography.is_country(code):
            self.add(path, "is not an ISO 3166-1 alpha-3 country code")
            return None
        return code

    def airport(self, path: str, value: str, *, required: bool = True) -> str | None:
        code = self.pattern(
            path, value, _AIRPORT, "an IATA airport code (3 capital letters)", required=required
        )
        if code is not None and geography.airport(code) is None:
            self.add(path, "is not a known IATA airport code")
            return None
        return code

    def date(self, path: str, value: str, *, required: bool) -> dt.date | None:
        if not value:
            if required:
                self.add(path, "is required")
            return None
        try:
            return parse_iso_date(value)
        except ValueError:
            self.add(path, "must be a date written YYYY-MM-DD")
            return None

    def instant(
        self, path: str, value: Timestamp | dt.datetime | None, *, required: bool
    ) -> dt.datetime | None:
        if value is None:
            seconds = nanos = 0
        elif isinstance(value, dt.datetime):
            since = value - EPOCH
            seconds = since.days * 86_400 + since.seconds
            nanos = since.microseconds * 1000
        else:
            seconds, nanos = value.seconds, value.nanos
        if seconds == 0 and nanos == 0:
            if required:
                self.add(path, "is required")
            return None
        if not 0 <= nanos < 1_000_000_000:
            self.add(path, "has nanos out of range")
            return None
        if not MIN_SECONDS <= seconds < MAX_SECONDS:
            self.add(path, "is out of range (1970-2199)")
            return None
        return EPOCH + dt.timedelta(seconds=seconds, microseconds=nanos // 1000)

    def enum(
        self, path: str, number: int | str, words: dict[int, str], *, required: bool = False
    ) -> str | None:
        if isinstance(number, str):  # json_requests turns names into numbers as it decodes
            self.add(path, "has an unknown enum name")
            return None
        if number == 0:
            if required:
                self.add(path, "is required")
            return None
        word = words.get(number)
        if word is None:
            self.add(path, f"has unknown enum number {number}")
        return word


def _letter_or_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _has_invisible(text: str) -> bool:
    for i, ch in enumerate(text):
        if unicodedata.category(ch) not in _INVISIBLE:
            continue
        between_letters = (
            0 < i < len(text) - 1 and _letter_or_mark(text[i - 1]) and _letter_or_mark(text[i + 1])
        )
        if ch in _JOINERS and between_letters:
            continue
        return True
    return False


def _traveler(
    c: _Collector, t: TravelerIn, p: str, scheduled: dt.datetime | None = None
) -> Traveler | None:
    """One traveler; ``scheduled`` is the manifest's departure, used without an itinerary."""
    before = len(c.violations)
    traveler_id = c.code(f"{p}.traveler_id", t.traveler_id, required=True, limit=MAX_ID)
    surname = c.name(f"{p}.surname", t.surname)
    given_names = c.name(f"{p}.given_names", t.given_names)
    birth = c.date(f"{p}.date_of_birth", t.date_of_birth, required=True)
    if birth is not None and (
        birth < EARLIEST_BIRTH or (c.today is not None and birth > c.today + ONE_DAY)
    ):
        c.add(f"{p}.date_of_birth", "must not be in the future nor before 1900")
    sex = c.enum(f"{p}.sex", t.sex, proto.SEX)
    nationality = c.country(f"{p}.nationality", t.nationality)
    residence = c.country(f"{p}.country_of_residence", t.country_of_residence)
    visa = c.code(f"{p}.visa_category", t.visa_category, required=False, limit=MAX_VISA)
    direction = c.enum(f"{p}.direction", t.direction, proto.DIRECTION)
    role = c.enum(f"{p}.role", t.role, proto.ROLE)
    d, i, b = t.document, t.itinerary, t.booking
    document = (
        _document(c, d, f"{p}.document", birth)
        if d is not None and t.HasField("document")
        else None
    )
    segments = (
        _itinerary(c, i, f"{p}.itinerary") if i is not None and t.HasField("itinerary") else ()
    )
    first_departure = segments[0].departure if segments else scheduled
    if segments:
        c.departure(f"{p}.itinerary.segments[0].departure_time", first_departure)
    if birth is not None and first_departure is not None and birth > first_departure.date():
        c.add(f"{p}.date_of_birth", "is after the departure")
    booking = (
        _booking(c, b, f"{p}.booking", first_departure)
        if b is not None and t.HasField("booking")
        else None
    )
    companions = _companions(c, t, p)
    observations = _observations(c, t, p)
    if (
        len(c.violations) > before
        or traveler_id is None
        or surname is None
        or given_names is None
        or birth is None
    ):
        return None
    return Traveler(
        traveler_id=traveler_id,
        surname=surname,
        given_names=given_names,
        date_of_birth=birth,
        sex=sex,
        nationality=nationality,
        country_of_residence=residence,
        document=document,
        visa_category=visa,
        direction=direction,
        role=role,
        segments=segments,
        booking=booking,
        companions=companions,
        observations=observations,
    )


def _companions(c: _Collector, t: TravelerIn, p: str) -> tuple[Companion, ...]:
    if len(t.companions) > MAX_COMPANIONS:
        c.add(f"{p}.companions", f"has more than {MAX_COMPANIONS} entries")
    companions = []
    given: Sequence[pb.Companion | js.Companion] = t.companions
    for i, companion in enumerate(given[:MAX_COMPANIONS]):
        cp = f"{p}.companions[{i}]"
        other = c.code(f"{cp}.traveler_id", companion.traveler_id, required=True, limit=MAX_ID)
        if other is not None and other == t.traveler_id:
            c.add(f"{cp}.traveler_id", "names the traveler itself")
        relationship = c.enum(f"{cp}.relationship", companion.relationship, proto.RELATIONSHIP)
        companions.append(Companion(other or "", relationship))
    return tuple(companions)


def _observations(c: _Collector, t: TravelerIn, p: str) -> tuple[Observation, ...]:
    if len(t.observations) > MAX_OBSERVATIONS:
        c.add(f"{p}.observations", f"has more than {MAX_OBSERVATIONS} entries")
    observations = []
    given: Sequence[pb.Observation | js.Observation] = t.observations
    for i, observation in enumerate(given[:MAX_OBSERVATIONS]):
        op = f"{p}.observations[{i}]"
        code = c.enum(f"{op}.code", observation.code, proto.OBSERVATION_CODE, required=True)
        source = c.enum(f"{op}.source", observation.source, proto.OBSERVATION_SOURCE)
        reported_at = c.instant(f"{op}.reported_at", observation.reported_at, required=False)
        note = c.text(f"{op}.note", observation.note, required=False, limit=MAX_NOTE)
        observations.append(Observation(code or "", source, reported_at, note))
    return tuple(observations)


def _document(c: _Collector, d: DocumentIn, p: str, birth: dt.date | None) -> Document | None:
    kind = c.enum(f"{p}.type", d.type, proto.DOCUMENT_TYPE)
    number = d.number or None
    if number is not None and number != number.strip():
        c.add(f"{p}.number", "has spaces or line breaks around it")
    elif number is not None and not _DOCUMENT_NUMBER.fullmatch(number):
        c.add(f"{p}.number", "must be 1-32 capital letters, digits, '<' or '-'")
    issuer = c.country(f"{p}.issuing_country", d.issuing_country)
    issued = c.date(f"{p}.issue_date", d.issue_date, required=False)
    expires = c.date(f"{p}.expiry_date", d.expiry_date, required=False)
    if issued and expires and issued > expires:
        c.add(f"{p}.expiry_date", "is before issue_date")
    if issued and c.today is not None and issued > c.today + ONE_DAY:
        c.add(f"{p}.issue_date", "must not be in the future")
    if issued and birth and issued < birth:
        c.add(f"{p}.issue_date", "is before date_of_birth")
    return Document(kind, number, issuer, issued, expires)


def _itinerary(c: _Collector, itinerary: ItineraryIn, p: str) -> tuple[Segment, ...]:
    raw: Sequence[pb.Segment | js.Segment] = itinerary.segments
    if len(raw) > MAX_SEGMENTS:
        c.add(f"{p}.segments", f"has more than {MAX_SEGMENTS} segments")
    segments: list[Segment] = []
    previous_end: dt.datetime | None = None
    for i, s in enumerate(raw[:MAX_SEGMENTS]):
        sp = f"{p}.segments[{i}]"
        carrier = c.pattern(f"{sp}.carrier", s.carrier, _CARRIER, CARRIER_RULE, required=True)
        number = c.pattern(
            f"{sp}.flight_number",
            s.flight_number,
            _FLIGHT_NUMBER,
            FLIGHT_NUMBER_RULE,
            required=True,
        )
        origin = c.airport(f"{sp}.origin", s.origin)
        destination = c.airport(f"{sp}.destination", s.destination)
        if s.origin and s.origin == s.destination:
            c.add(f"{sp}.destination", "equals origin")
        departs = c.instant(f"{sp}.departure_time", s.departure_time, required=True)
        arrives = c.instant(f"{sp}.arrival_time", s.arrival_time, required=False)
        if departs and arrives and arrives <= departs:
            c.add(f"{sp}.arrival_time", "is not after departure_time")
        if departs and previous_end and departs < previous_end:
            c.add(f"{sp}.departure_time", "is before the previous segment")
        previous_end = arrives or departs or previous_end
        if carrier and number and origin and destination and departs:
            segments.append(Segment(carrier, number, origin, destination, departs, arrives))
    return tuple(segments)


def _booking(c: _Collector, b: BookingIn, p: str, first_departure: dt.datetime | None) -> Booking:
    locator = c.code(f"{p}.record_locator", b.record_locator, required=False, limit=MAX_LOCATOR)
    booked = c.instant(f"{p}.booking_time", b.booking_time, required=False)
    if booked and first_departure and booked > first_departure:
        c.add(f"{p}.booking_time", "is after the first departure")
    elif booked and c.today is not None and booked.date() > c.today + ONE_DAY:
        c.add(f"{p}.booking_time", "must not be in the future")
    ticket = c.enum(f"{p}.ticket_type", b.ticket_type, proto.TICKET_TYPE)
    payment = c.enum(f"{p}.payment_form", b.payment_form, proto.PAYMENT_FORM)
    purchaser = c.code(f"{p}.purchaser_id", b.purchaser_id, required=False, limit=MAX_ID)
    agency = c.code(f"{p}.travel_agency_id", b.travel_agency_id, required=False, limit=MAX_ID)
    contact = c.code(f"{p}.contact_id", b.contact_id, required=False, limit=MAX_ID)
    bags = b.checked_bags if b.HasField("checked_bags") else None
    if bags is not None and not 0 <= bags <= MAX_BAGS:
        c.add(f"{p}.checked_bags", f"must be between 0 and {MAX_BAGS}")
    seat = c.code(f"{p}.seat", b.seat, required=False, limit=MAX_SEAT)
    return Booking(
        record_locator=locator,
        booking_time=booked,
        ticket_type=ticket,
        payment_form=payment,
        purchaser_id=purchaser,
        purchaser_is_traveler=(
            b.purchaser_is_traveler if b.HasField("purchaser_is_traveler") else None
        ),
        travel_agency_id=agency,
        contact_id=contact,
        checked_bags=bags,
        seat=seat,
    )


def _result(c: _Collector, flight: Flight, travelers: list[Traveler | None]) -> Validated:
    if c.violations:
        return Invalid(tuple(c.violations))
    return ValidFlight(flight, tuple(t for t in travelers if t is not None))


def validate_screen(
    request: ScreenIn,
    today: dt.date | None = None,
    *,
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
) -> Validated:
    """One traveler (a flight of one); ``today`` turns on the live plausibility checks."""
    c = _Collector(today, departure_window_days)
    traveler = request.traveler
    if traveler is None or not request.HasField("traveler"):
        c.add("traveler", "is required")
        return Invalid(tuple(c.violations))
    accepted = accept.accept(traveler, today, c.window)
    if accepted is not None:
        return ValidFlight(NO_FLIGHT, (accepted,))
    return _result(c, NO_FLIGHT, [_traveler(c, traveler, "traveler")])


def validate_manifest(
    request: ManifestIn,
    today: dt.date | None = None,
    *,
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
) -> Validated:
    c = _Collector(today, departure_window_days)
    m = request.manifest
    if m is None or not request.HasField("manifest"):
        c.add("manifest", "is required")
        return Invalid(tuple(c.violations))
    p = "manifest"
    carrier = c.pattern(f"{p}.carrier", m.carrier, _CARRIER, CARRIER_RULE)
    number = c.pattern(f"{p}.flight_number", m.flight_number, _FLIGHT_NUMBER, FLIGHT_NUMBER_RULE)
    origin = c.airport(f"{p}.origin", m.origin, required=False)
    destination = c.airport(f"{p}.destination", m.destination, required=False)
    departs = c.instant(f"{p}.scheduled_departure", m.scheduled_departure, required=False)
    c.departure(f"{p}.scheduled_departure", departs)
    direction = c.enum(f"{p}.direction", m.direction, proto.DIRECTION)
    if not m.travelers:
        c.add(f"{p}.travelers", "is empty")
    if len(m.travelers) > MAX_TRAVELERS:
        c.add(f"{p}.travelers", f"has more than {MAX_TRAVELERS} travelers")
        return Invalid(tuple(c.violations))
    travelers: list[Traveler | None] = []
    seen: dict[str, int] = {}
    listed: Sequence[pb.Traveler | js.Traveler] = m.travelers
    for i, traveler in enumerate(listed):
        record = accept.accept(traveler, today, c.window, departs)
        if record is None:
            record = _traveler(c, traveler, f"{p}.travelers[{i}]", departs)
            traveler_id = traveler.traveler_id
        else:
            traveler_id = record.traveler_id
        travelers.append(record)
        if traveler_id:
            first = seen.setdefault(traveler_id, i)
            if first != i:
                c.add(f"{p}.travelers[{i}].traveler_id", f"repeats travelers[{first}].traveler_id")
    flight = Flight(carrier, number, departs, origin, destination, direction)
    return _result(c, flight, travelers)


def live_today() -> dt.date:
    """The date live calls are judged against (UTC)."""
    return dt.datetime.now(dt.UTC).date()
