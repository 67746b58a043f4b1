"""Protobuf JSON bodies of the evaluation records, built directly as dicts.

Building each record as a protobuf message and converting it afterwards
cost more than drawing it (about 40 of 70 microseconds a traveler), and
`screening synth` makes ten million travelers. The builder therefore writes
the JSON body itself, in the form ``json_format.MessageToDict(message,
preserving_proto_field_name=True)`` gives: keys in field-number order, enums
by name, Timestamps as RFC 3339 with ``Z``, fields at their default (empty
string, enum zero, empty list) left out, ``optional`` fields present whenever
set. tests/evaluation/test_records.py parses generated bodies into messages
and checks MessageToDict gives them back unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from google.protobuf.descriptor import EnumDescriptor

from screening_service.proto import pb
from screening_service.synthetic.routes import Leg

Body = dict[str, Any]
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()


def _names(enum: EnumDescriptor) -> dict[int, str]:
    return {value.number: value.name for value in enum.values}


SEX: Final = _names(pb.Sex.DESCRIPTOR)
DOCUMENT_TYPE: Final = _names(pb.DocumentType.DESCRIPTOR)
DIRECTION: Final = _names(pb.Direction.DESCRIPTOR)
TICKET_TYPE: Final = _names(pb.TicketType.DESCRIPTOR)
PAYMENT_FORM: Final = _names(pb.PaymentForm.DESCRIPTOR)
RELATIONSHIP: Final = _names(pb.Relationship.DESCRIPTOR)
OBSERVATION_CODE: Final = _names(pb.ObservationCode.DESCRIPTOR)
OBSERVATION_SOURCE: Final = _names(pb.ObservationSource.DESCRIPTOR)
TRAVELER_ROLE: Final = _names(pb.TravelerRole.DESCRIPTOR)


class _Dates(dict[int, str]):
    """``YYYY-MM-DD`` by proleptic Gregorian ordinal, rendered once for 1900-2099 (every
    date of birth, issue, expiry and departure): a lookup is a fraction of the cost of
    a call, four times a traveler. Another ordinal is rendered when asked."""

    def __missing__(self, ordinal: int) -> str:
        return dt.date.fromordinal(ordinal).isoformat()


_FIRST: Final = dt.date(1900, 1, 1).toordinal()
ISO_DATE: Final = _Dates(
    (d, dt.date.fromordinal(d).isoformat()) for d in range(_FIRST, _FIRST + 73_049)
)


def iso(ordinal: int) -> str:
    """``YYYY-MM-DD`` of a proleptic Gregorian ordinal (``ISO_DATE[ordinal]``)."""
    return ISO_DATE[ordinal]


_CLOCK: Final = tuple(f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECONDS: Final = tuple(f"{s:02d}Z" for s in range(60))


def rfc3339(seconds: int) -> str:
    """What ``Timestamp(seconds=seconds).ToJsonString()`` gives for whole seconds."""
    days, rest = divmod(seconds, 86_400)
    minutes, secs = divmod(rest, 60)
    return ISO_DATE[_EPOCH_ORDINAL + days] + _CLOCK[minutes] + _SECONDS[secs]


def segment(leg: Leg) -> Body:
    body: Body = {
        "carrier": leg.carrier,
        "flight_number": leg.flight_number,
        "origin": leg.origin,
        "destination": leg.destination,
        "departure_time": rfc3339(leg.departs),
        "arrival_time": rfc3339(leg.arrives),
    }
    return body


def companion(traveler_id: str, relationship: int) -> Body:
    body: Body = {"traveler_id": traveler_id}
    if relationship:
        body["relationship"] = RELATIONSHIP[relationship]
    return body
