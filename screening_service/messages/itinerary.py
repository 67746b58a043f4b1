"""Flight legs as both message types give them, and what follows from them.

Direction and ticket type are not flags in either message: direction comes
from comparing the legs' airport countries with the receiving (home)
country, ticket type from the shape of the legs (no return: one way; back
to the origin: round trip; otherwise open jaw; a stop over 24 hours splits
journeys).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Final

from screening_service import geography
from screening_service.messages.dates import to_utc
from screening_service.messages.model import FlightKey
from screening_service.proto import pb

STOPOVER: Final = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Leg:
    carrier: str
    flight_number: str
    origin: str
    destination: str
    departure_local: dt.datetime | None
    arrival_local: dt.datetime | None

    @property
    def departure_utc(self) -> dt.datetime | None:
        return to_utc(self.departure_local, self.origin) if self.departure_local else None

    @property
    def arrival_utc(self) -> dt.datetime | None:
        return to_utc(self.arrival_local, self.destination) if self.arrival_local else None

    def to_proto(self) -> pb.Segment:
        segment = pb.Segment(
            carrier=self.carrier,
            flight_number=self.flight_number,
            origin=self.origin,
            destination=self.destination,
        )
        if (departs := self.departure_utc) is not None:
            segment.departure_time.FromDatetime(departs)
        if (arrives := self.arrival_utc) is not None:
            segment.arrival_time.FromDatetime(arrives)
        return segment

    def key(self) -> FlightKey:
        day = self.departure_local.date().isoformat() if self.departure_local else ""
        return FlightKey(self.carrier, self.flight_number, day)


def split_flight_id(text: str, carrier: str) -> tuple[str, str] | None:
    """(carrier, number) from a flight id like ``QQ877`` or ``QQ 0877`` (leading zeros dropped).

    ``carrier`` (from its own element) wins over the id's prefix; None when the
    id is not a flight designator (e.g. a master crew list's ``QQ877MCL``).
    """
    text = text.upper().replace(" ", "")
    if carrier and text.startswith(carrier.upper()):
        text = text[len(carrier) :]
        prefix = carrier.upper()
    elif len(text) > 2 and not text[:2].isdigit():
        prefix, text = text[:2], text[2:]
    else:
        prefix = carrier.upper()
    number = text.lstrip("0") or ("0" if text else "")
    if not re.fullmatch(r"[0-9]{1,4}[A-Z]?", number) or not re.fullmatch(r"[A-Z0-9]{2}", prefix):
        return None
    return prefix, number


def _country(airport: str) -> str | None:
    found = geography.airport(airport)
    return found.country if found else None


def direction(legs: list[Leg], home: str | None) -> pb.Direction.ValueType:
    """INBOUND when the last leg lands in ``home``, OUTBOUND when the first leaves it."""
    if not home or not legs:
        return pb.DIRECTION_UNSPECIFIED
    if _country(legs[-1].destination) == home:
        return pb.DIRECTION_INBOUND
    if _country(legs[0].origin) == home:
        return pb.DIRECTION_OUTBOUND
    return pb.DIRECTION_UNSPECIFIED


def _gap(previous: Leg, leg: Leg) -> dt.timedelta:
    arrived = previous.arrival_utc or previous.departure_utc
    departs = leg.departure_utc
    return departs - arrived if arrived and departs else dt.timedelta(0)


def _journeys(legs: list[Leg]) -> list[list[Leg]]:
    journeys: list[list[Leg]] = [[legs[0]]]
    for previous, leg in itertools.pairwise(legs):
        if previous.destination != leg.origin or _gap(previous, leg) > STOPOVER:
            journeys.append([leg])
        else:
            journeys[-1].append(leg)
    return journeys


def ticket_type(legs: list[Leg]) -> pb.TicketType.ValueType:
    """The trip's shape from the legs of one booking.

    Back to the first origin: ROUND_TRIP. Otherwise, with several journeys
    (split at a change of airport or a stop over 24 hours) that either end
    in the origin's country or leave from somewhere the previous journey did
    not reach: OPEN_JAW. Anything else: ONE_WAY.
    """
    if not legs:
        return pb.TICKET_TYPE_UNSPECIFIED
    if legs[-1].destination == legs[0].origin:
        return pb.TICKET_TYPE_ROUND_TRIP
    journeys = _journeys(legs)
    if len(journeys) > 1:
        home = _country(legs[0].origin)
        returns = home is not None and _country(legs[-1].destination) == home
        gaps = any(a[-1].destination != b[0].origin for a, b in itertools.pairwise(journeys))
        if returns or gaps:
            return pb.TICKET_TYPE_OPEN_JAW
    return pb.TICKET_TYPE_ONE_WAY
