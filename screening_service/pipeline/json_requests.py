"""Protobuf-JSON requests decoded straight into structs that validation reads.

Replay reads millions of recorded requests written as protobuf JSON (proto
field names, enums by name, RFC 3339 timestamps). Building protobuf messages
from them with `json_format` costs more than screening them; these msgspec
structs mirror the messages (same attribute names, proto3 defaults,
``HasField`` for the fields with presence) so that `validate` walks either,
and a record is parsed once, straight from its bytes.

The fast decoder accepts only the canonical form `screening synth` and
`json_format.MessageToDict(..., preserving_proto_field_name=True)` write.
Anything else protobuf JSON allows (camelCase names, numbers as strings,
timestamps with odd precision) raises `NotCanonical`, and the caller falls
back to `json_format`, which accepts or rejects it exactly as before: the
fast path changes speed, never verdicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from screening_service.proto import pb

_ENUMS: Final[dict[str, Mapping[str, int]]] = {
    name: dict(enum.items())
    for name, enum in {
        "sex": pb.Sex,
        "document": pb.DocumentType,
        "direction": pb.Direction,
        "ticket": pb.TicketType,
        "payment": pb.PaymentForm,
        "relationship": pb.Relationship,
        "observation": pb.ObservationCode,
        "source": pb.ObservationSource,
        "role": pb.TravelerRole,
    }.items()
}


class NotCanonical(ValueError):
    """The record is not in the canonical protobuf-JSON form the fast decoder reads."""


def _number(enum: str, value: int | str) -> int:
    """An enum given by name (canonical) or number (also valid protobuf JSON)."""
    if isinstance(value, int):
        return value
    number = _ENUMS[enum].get(value)
    if number is None:
        raise ValueError("unknown enum name")
    return number


def _instant(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("a timestamp needs its UTC offset")
    return value


class _Message(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    def HasField(self, name: str) -> bool:  # noqa: N802 - the protobuf method it stands in for
        return getattr(self, name) is not None


class TravelDocument(_Message):
    type: int | str = 0
    number: str = ""
    issuing_country: str = ""
    issue_date: str = ""
    expiry_date: str = ""

    def __post_init__(self) -> None:
        self.type = _number("document", self.type)


class Segment(_Message):
    carrier: str = ""
    flight_number: str = ""
    origin: str = ""
    destination: str = ""
    departure_time: dt.datetime | None = None
    arrival_time: dt.datetime | None = None

    def __post_init__(self) -> None:
        _instant(self.departure_time)
        _instant(self.arrival_time)


class Itinerary(_Message):
    segments: list[Segment] = []


class Booking(_Message):
    record_locator: str = ""
    booking_time: dt.datetime | None = None
    ticket_type: int | str = 0
    payment_form: int | str = 0
    purchaser_id: str = ""
    purchaser_is_traveler: bool | None = None
    travel_agency_id: str = ""
    contact_id: str = ""
    checked_bags: int | None = None
    seat: str = ""

    def __post_init__(self) -> None:
        _instant(self.booking_time)
        self.ticket_type = _number("ticket", self.ticket_type)
        self.payment_form = _number("payment", self.payment_form)


class Companion(_Message):
    traveler_id: str = ""
    relationship: int | str = 0

    def __post_init__(self) -> None:
        self.relationship = _number("relationship", self.relationship)


class Observation(_Message):
    code: int | str = 0
    source: int | str = 0
    reported_at: dt.datetime | None = None
    note: str = ""

    def __post_init__(self) -> None:
        self.code = _number("observation", self.code)
        self.source = _number("source", self.source)
        _instant(self.reported_at)


class Traveler(_Message):
    traveler_id: str = ""
    surname: str = ""
    given_names: str = ""
    date_of_birth: str = ""
    sex: int | str = 0
    nationality: str = ""
    country_of_residence: str = ""
    document: TravelDocument | None = None
    visa_category: str = ""
    direction: int | str = 0
    itinerary: Itinerary | None = None
    booking: Booking | None = None
    companions: list[Companion] = []
    observations: list[Observation] = []
    role: int | str = 0

    def __post_init__(self) -> None:
        self.sex = _number("sex", self.sex)
        self.direction = _number("direction", self.direction)
        self.role = _number("role", self.role)


class Manifest(_Message):
    carrier: str = ""
    flight_number: str = ""
    scheduled_departure: dt.datetime | None = None
    origin: str = ""
    destination: str = ""
    direction: int | str = 0
    travelers: list[Traveler] = []

    def __post_init__(self) -> None:
        _instant(self.scheduled_departure)
        self.direction = _number("direction", self.direction)


class ScreenRequest(_Message):
    traveler: Traveler | None = None


class ScreenManifestRequest(_Message):
    manifest: Manifest | None = None


class _Line(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One records line: ``{"manifest": ...}`` or ``{"traveler": ...}``."""

    manifest: Manifest | None = None
    traveler: Traveler | None = None


JsonRequest = ScreenRequest | ScreenManifestRequest

_decoder: Final = msgspec.json.Decoder(_Line)


def _request(line: _Line) -> JsonRequest:
    if line.manifest is not None and line.traveler is None:
        return ScreenManifestRequest(line.manifest)
    if line.traveler is not None and line.manifest is None:
        return ScreenRequest(line.traveler)
    raise NotCanonical("a record holds exactly one of manifest or traveler")


def decode_line(line: bytes | str) -> JsonRequest:
    """One canonical records line; raises `NotCanonical` for anything else."""
    try:
        return _request(_decoder.decode(line))
    except msgspec.DecodeError as error:
        raise NotCanonical(str(error)) from None


def from_row(row: Mapping[str, Any]) -> JsonRequest:
    """One record from already-parsed data (a Parquet row, None meaning absent)."""
    try:
        return _request(msgspec.convert(_present(row), _Line))
    except msgspec.ValidationError as error:
        raise NotCanonical(str(error)) from None


def _present(value: Any) -> Any:
    """Columnar formats write an absent field as null; protobuf JSON leaves it out."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value
