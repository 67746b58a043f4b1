"""Request -> validate: every violation of a request, by field path.

Messages never repeat the offending value: values may be names, dates of
birth or document numbers, and violations end up in logs and client errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service import geography
from screening_service.proto import pb
from screening_service.values import parse_iso_date

MAX_TRAVELERS: Final = 1000
MAX_NAME: Final = 100
MAX_ID: Final = 128
MAX_NOTE: Final = 500
MAX_SEGMENTS: Final = 16
MAX_COMPANIONS: Final = 100
MAX_OBSERVATIONS: Final = 50
EARLIEST_BIRTH: Final = dt.date(1900, 1, 1)
EARLIEST_INSTANT: Final = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
LATEST_INSTANT: Final = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

_CARRIER = re.compile(r"^[A-Z0-9]{2}$")
_FLIGHT_NUMBER = re.compile(r"^[0-9]{1,4}[A-Z]?$")
_AIRPORT = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9<-]{1,32}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Violation:
    field: str
    description: str


class _Collector:
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, path: str, description: str) -> None:
        self.violations.append(Violation(path, description))

    def text(self, path: str, value: str, *, required: bool, limit: int) -> None:
        if not value:
            if required:
                self.add(path, "is required")
            return
        if len(value) > limit:
            self.add(path, f"is longer than {limit} characters")
        if _CONTROL.search(value):
            self.add(path, "contains control characters")

    def pattern(
        self, path: str, value: str, regex: re.Pattern[str], what: str, *, required: bool = False
    ) -> bool:
        if not value:
            if required:
                self.add(path, "is required")
            return False
        if not regex.match(value):
            self.add(path, f"must be {what}")
            return False
        return True

    def country(self, path: str, value: str) -> None:
        if self.pattern(
            path, value, _COUNTRY, "an ISO 3166-1 alpha-3 code (3 capital letters)"
        ) and not geography.is_country(value):
            self.add(path, "is not an ISO 3166-1 alpha-3 country code")

    def airport(self, path: str, value: str) -> None:
        if (
            self.pattern(
                path, value, _AIRPORT, "an IATA airport code (3 capital letters)", required=True
            )
            and geography.airport(value) is None
        ):
            self.add(path, "is not a known IATA airport code")

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

    def instant(self, path: str, value: Timestamp, *, required: bool) -> dt.datetime | None:
        if value.seconds == 0 and value.nanos == 0:
            if required:
                self.add(path, "is required")
            return None
        if not 0 <= value.nanos < 1_000_000_000:
            self.add(path, "has nanos out of range")
            return None
        try:
            instant = value.ToDatetime(tzinfo=dt.UTC)
        except (ValueError, OverflowError):
            self.add(path, "is out of range")
            return None
        if not EARLIEST_INSTANT <= instant < LATEST_INSTANT:
            self.add(path, "is out of range (1970-2199)")
            return None
        return instant

    def enum(
        self, path: str, number: int, names: Callable[[], dict[int, str]], *, required: bool = False
    ) -> None:
        if number == 0:
            if required:
                self.add(path, "is required")
            return
        if number not in names():
            self.add(path, f"has unknown enum number {number}")


def _enum_names(enum: object) -> Callable[[], dict[int, str]]:
    names = {number: name for name, number in enum.items()}  # type: ignore[attr-defined]
    return lambda: names


SEX = _enum_names(pb.Sex)
DOCUMENT_TYPE = _enum_names(pb.DocumentType)
DIRECTION = _enum_names(pb.Direction)
TICKET_TYPE = _enum_names(pb.TicketType)
PAYMENT_FORM = _enum_names(pb.PaymentForm)
RELATIONSHIP = _enum_names(pb.Relationship)
OBSERVATION_CODE = _enum_names(pb.ObservationCode)
OBSERVATION_SOURCE = _enum_names(pb.ObservationSource)


def _traveler(c: _Collector, t: pb.Traveler, p: str, today: dt.date) -> None:
    c.text(f"{p}.traveler_id", t.traveler_id, required=True, limit=MAX_ID)
    c.text(f"{p}.surname", t.surname, required=True, limit=MAX_NAME)
    c.text(f"{p}.given_names", t.given_names, required=True, limit=MAX_NAME)
    birth = c.date(f"{p}.date_of_birth", t.date_of_birth, required=True)
    if birth is not None and not EARLIEST_BIRTH <= birth <= today + dt.timedelta(days=1):
        c.add(f"{p}.date_of_birth", "must not be in the future nor before 1900")
    c.enum(f"{p}.sex", t.sex, SEX)
    c.country(f"{p}.nationality", t.nationality)
    c.country(f"{p}.country_of_residence", t.country_of_residence)
    c.text(f"{p}.visa_category", t.visa_category, required=False, limit=16)
    c.enum(f"{p}.direction", t.direction, DIRECTION)
    if t.HasField("document"):
        _document(c, t.document, f"{p}.document", today, birth)
    first_departure = (
        _itinerary(c, t.itinerary, f"{p}.itinerary") if t.HasField("itinerary") else None
    )
    if t.HasField("booking"):
        _booking(c, t.booking, f"{p}.booking", first_departure)
    if len(t.companions) > MAX_COMPANIONS:
        c.add(f"{p}.companions", f"has more than {MAX_COMPANIONS} entries")
    for i, companion in enumerate(t.companions[:MAX_COMPANIONS]):
        cp = f"{p}.companions[{i}]"
        c.text(f"{cp}.traveler_id", companion.traveler_id, required=True, limit=MAX_ID)
        if companion.traveler_id and companion.traveler_id == t.traveler_id:
            c.add(f"{cp}.traveler_id", "names the traveler itself")
        c.enum(f"{cp}.relationship", companion.relationship, RELATIONSHIP)
    if len(t.observations) > MAX_OBSERVATIONS:
        c.add(f"{p}.observations", f"has more than {MAX_OBSERVATIONS} entries")
    for i, observation in enumerate(t.observations[:MAX_OBSERVATIONS]):
        op = f"{p}.observations[{i}]"
        c.enum(f"{op}.code", observation.code, OBSERVATION_CODE, required=True)
        c.enum(f"{op}.source", observation.source, OBSERVATION_SOURCE)
        c.instant(f"{op}.reported_at", observation.reported_at, required=False)
        c.text(f"{op}.note", observation.note, required=False, limit=MAX_NOTE)


def _document(
    c: _Collector, d: pb.TravelDocument, p: str, today: dt.date, birth: dt.date | None
) -> None:
    c.enum(f"{p}.type", d.type, DOCUMENT_TYPE)
    if d.number and not _DOCUMENT_NUMBER.match(d.number):
        c.add(f"{p}.number", "must be 1-32 capital letters, digits, '<' or '-'")
    c.country(f"{p}.issuing_country", d.issuing_country)
    issued = c.date(f"{p}.issue_date", d.issue_date, required=False)
    expires = c.date(f"{p}.expiry_date", d.expiry_date, required=False)
    if issued and expires and issued > expires:
        c.add(f"{p}.expiry_date", "is before issue_date")
    if issued and issued > today + dt.timedelta(days=1):
        c.add(f"{p}.issue_date", "must not be in the future")
    if issued and birth and issued < birth:
        c.add(f"{p}.issue_date", "is before date_of_birth")


def _itinerary(c: _Collector, itinerary: pb.Itinerary, p: str) -> dt.datetime | None:
    segments = itinerary.segments
    if len(segments) > MAX_SEGMENTS:
        c.add(f"{p}.segments", f"has more than {MAX_SEGMENTS} segments")
    first: dt.datetime | None = None
    previous_end: dt.datetime | None = None
    for i, s in enumerate(segments[:MAX_SEGMENTS]):
        sp = f"{p}.segments[{i}]"
        c.pattern(
            f"{sp}.carrier",
            s.carrier,
            _CARRIER,
            "an IATA airline designator (2 characters)",
            required=True,
        )
        c.pattern(
            f"{sp}.flight_number",
            s.flight_number,
            _FLIGHT_NUMBER,
            "1-4 digits and an optional letter",
            required=True,
        )
        c.airport(f"{sp}.origin", s.origin)
        c.airport(f"{sp}.destination", s.destination)
        if s.origin and s.origin == s.destination:
            c.add(f"{sp}.destination", "equals origin")
        departs = c.instant(f"{sp}.departure_time", s.departure_time, required=True)
        arrives = c.instant(f"{sp}.arrival_time", s.arrival_time, required=False)
        if departs and arrives and arrives <= departs:
            c.add(f"{sp}.arrival_time", "is not after departure_time")
        if departs and previous_end and departs < previous_end:
            c.add(f"{sp}.departure_time", "is before the previous segment")
        if departs and first is None and i == 0:
            first = departs
        previous_end = arrives or departs or previous_end
    return first


def _booking(c: _Collector, b: pb.Booking, p: str, first_departure: dt.datetime | None) -> None:
    c.text(f"{p}.record_locator", b.record_locator, required=False, limit=16)
    booked = c.instant(f"{p}.booking_time", b.booking_time, required=False)
    if booked and first_departure and booked > first_departure:
        c.add(f"{p}.booking_time", "is after the first departure")
    c.enum(f"{p}.ticket_type", b.ticket_type, TICKET_TYPE)
    c.enum(f"{p}.payment_form", b.payment_form, PAYMENT_FORM)
    for name in ("purchaser_id", "travel_agency_id", "contact_id"):
        c.text(f"{p}.{name}", getattr(b, name), required=False, limit=MAX_ID)
    if b.HasField("checked_bags") and not 0 <= b.checked_bags <= 50:
        c.add(f"{p}.checked_bags", "must be between 0 and 50")
    c.text(f"{p}.seat", b.seat, required=False, limit=8)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def validate_screen(request: pb.ScreenRequest) -> list[Violation]:
    c = _Collector()
    if not request.HasField("traveler"):
        c.add("traveler", "is required")
    else:
        _traveler(c, request.traveler, "traveler", _today())
    return c.violations


def validate_traveler(traveler: pb.Traveler, path: str = "traveler") -> list[Violation]:
    c = _Collector()
    _traveler(c, traveler, path, _today())
    return c.violations


def validate_manifest(request: pb.ScreenManifestRequest) -> list[Violation]:
    c = _Collector()
    if not request.HasField("manifest"):
        c.add("manifest", "is required")
        return c.violations
    m = request.manifest
    p = "manifest"
    c.pattern(f"{p}.carrier", m.carrier, _CARRIER, "an IATA airline designator (2 characters)")
    c.pattern(
        f"{p}.flight_number", m.flight_number, _FLIGHT_NUMBER, "1-4 digits and an optional letter"
    )
    if m.origin:
        c.airport(f"{p}.origin", m.origin)
    if m.destination:
        c.airport(f"{p}.destination", m.destination)
    c.instant(f"{p}.scheduled_departure", m.scheduled_departure, required=False)
    c.enum(f"{p}.direction", m.direction, DIRECTION)
    if not m.travelers:
        c.add(f"{p}.travelers", "is empty")
    if len(m.travelers) > MAX_TRAVELERS:
        c.add(f"{p}.travelers", f"has more than {MAX_TRAVELERS} travelers")
        return c.violations
    today = _today()
    seen: dict[str, int] = {}
    for i, traveler in enumerate(m.travelers):
        tp = f"{p}.travelers[{i}]"
        _traveler(c, traveler, tp, today)
        if traveler.traveler_id:
            first = seen.setdefault(traveler.traveler_id, i)
            if first != i:
                c.add(f"{tp}.traveler_id", f"repeats travelers[{first}].traveler_id")
    return c.violations
