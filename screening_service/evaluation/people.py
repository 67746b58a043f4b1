"""Records of one evaluation flight: people, documents, bookings, travelers.

A lean builder written for this package (not the scenario generator's), so
every base rate that shapes an evaluation record is set and documented here
or in the scenario modules, and none is inherited from code written to suit
the rule pack. It reuses only the fictional names and the route network of
`screening_service.synthetic`. Ages are planted at least ten days away from a
birthday, so the age computed on the local departure date is the age asked
for. Speed matters (the acceptance population is 100,000 travelers), so dates
are rendered once per ordinal and the direct itinerary is built once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.proto import pb
from screening_service.synthetic import names, routes

DAY: Final = 86_400
HOUR: Final = 3_600
_LOCATOR: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=65_536)
def iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


@dataclass(frozen=True, slots=True)
class Person:
    traveler_id: str
    age: int
    sex: pb.Sex.ValueType
    given_names: str
    surname: str
    nationality: str
    residence: str
    birth: int  # proleptic Gregorian ordinal


@dataclass(frozen=True, slots=True)
class Ticket:
    """The booking facts a scenario decides; the builder renders them as a pb.Booking.

    ``purchaser_is_traveler`` None and ``bags`` None are missing PNR fields,
    as agency and group bookings often send them.
    """

    hours_ahead: float
    ticket: pb.TicketType.ValueType
    payment: pb.PaymentForm.ValueType
    purchaser: str
    purchaser_is_traveler: bool | None
    agency: str = ""
    contact: str = ""


class FlightBuilder:
    """Hands out ids and renders records for one manifest flight."""

    def __init__(self, rng: random.Random, plan: routes.FlightPlan, key: str) -> None:
        self.rng = rng
        self.plan = plan
        self.key = key
        self.inbound = plan.inbound
        self.departs = plan.leg.departs
        self.departure_ordinal = dt.datetime.fromtimestamp(self.departs, dt.UTC).toordinal()
        self._count = 0
        self._direct = (plan.leg.segment(),)

    # identifiers ---------------------------------------------------------
    def traveler_id(self) -> str:
        self._count += 1
        return f"{self.key}-{self._count:04d}"

    def locator(self) -> str:
        return "".join(self.rng.choices(_LOCATOR, k=6))

    def opaque(self, prefix: str) -> str:
        return f"{prefix}-{self.rng.getrandbits(64):016x}"

    # people --------------------------------------------------------------
    def foreign(self) -> str:
        """The country at the foreign end of the flight."""
        return self.plan.foreign_country

    def ordinary_nationality(self) -> str:
        """Mostly the two ends of the flight, sometimes elsewhere on the network.

        No public source gives the nationality mix of a route; 40% home, 45%
        the foreign end and 15% elsewhere is an assumption.
        """
        draw = self.rng.random()
        if draw < 0.40:
            return routes.PORT_COUNTRY
        if draw < 0.85:
            return self.plan.foreign_country
        return self.rng.choice(routes.HUB_COUNTRIES)

    def person(
        self,
        age: int,
        *,
        nationality: str | None = None,
        female: bool | None = None,
        surname: names.Surname | None = None,
        residence: str | None = None,
    ) -> Person:
        rng = self.rng
        nationality = nationality or self.ordinary_nationality()
        culture = names.culture_for(rng, nationality)
        if female is None:
            female = rng.random() < 0.5
        sex = pb.SEX_F if female else pb.SEX_M
        if rng.random() < 0.003:
            sex = pb.SEX_X
        family = surname or culture.surname(rng)
        return Person(
            traveler_id=self.traveler_id(),
            age=age,
            sex=sex,
            given_names=culture.given(rng, female),
            surname=family.form(female),
            nationality=nationality,
            residence=residence or nationality,
            birth=self.departure_ordinal - int(age * 365.2425) - 10 - int(rng.random() * 346),
        )

    # documents -----------------------------------------------------------
    def passport(self, person: Person, days_since_issue: int | None = None) -> pb.TravelDocument:
        """A valid passport: 10 years for adults, 5 for children.

        Without ``days_since_issue`` the issue date is uniform over the
        validity already lived, so about 30/3650 (0.8%) of adult passports
        are under 30 days old; no public source gives the share of travellers
        on a new passport, so this follows only from the validity period.
        """
        rng = self.rng
        years = 10 if person.age >= 16 else 5
        validity = years * 365 + years // 4
        lived = self.departure_ordinal - person.birth
        if days_since_issue is None:
            days_since_issue = rng.randint(1, max(2, min(validity - 30, lived - 1)))
        issued = self.departure_ordinal - min(days_since_issue, lived - 1)
        number = f"{_LOCATOR[rng.getrandbits(4)]}{rng.getrandbits(30) % 100_000_000:08d}"
        return pb.TravelDocument(
            type=pb.DOCUMENT_TYPE_PASSPORT,
            number=number,
            issuing_country=person.nationality,
            issue_date=iso(issued),
            expiry_date=iso(issued + validity - 1),
        )

    def visa(self, person: Person, category: str) -> str:
        """The category only for a foreign national entering the port country."""
        if not self.inbound or person.nationality in routes.VISA_WAIVER:
            return ""
        return category

    # itineraries, bookings, observations ---------------------------------
    def segments(self, *, connect: bool) -> tuple[pb.Segment, ...]:
        """The manifest leg, with a connection on the far side when asked and sensible."""
        if not connect:
            return self._direct
        extra = routes.onward(self.rng, self.plan) if self.inbound else None
        if extra is not None:
            return (*self._direct, extra.segment())
        before = routes.feeder(self.rng, self.plan)
        return (before.segment(), *self._direct) if before else self._direct

    def booking(
        self, ticket: Ticket, locator: str, bags: int | None, first_departure: int
    ) -> pb.Booking:
        """``ticket.hours_ahead`` counts back from the journey's first departure."""
        booking = pb.Booking(
            record_locator=locator,
            booking_time=Timestamp(seconds=first_departure - int(ticket.hours_ahead * HOUR)),
            ticket_type=ticket.ticket,
            payment_form=ticket.payment,
            purchaser_id=ticket.purchaser,
            travel_agency_id=ticket.agency,
            contact_id=ticket.contact,
        )
        if ticket.purchaser_is_traveler is not None:
            booking.purchaser_is_traveler = ticket.purchaser_is_traveler
        if bags is not None:
            booking.checked_bags = bags
        return booking

    def observation(
        self, code: pb.ObservationCode.ValueType, source: pb.ObservationSource.ValueType
    ) -> pb.Observation:
        """A report during the flight (crew) or at the document check (officer)."""
        leg = self.plan.leg
        minutes = max(1, (leg.arrives - leg.departs) // 60)
        at = leg.departs + 60 * self.rng.randint(0, minutes)
        return pb.Observation(
            code=code, source=source, reported_at=Timestamp(seconds=at), note=_NOTES[source]
        )

    def traveler(
        self,
        person: Person,
        *,
        booking: pb.Booking,
        segments: Sequence[pb.Segment],
        companions: Sequence[pb.Companion] = (),
        observations: Sequence[pb.Observation] = (),
        document: pb.TravelDocument | None = None,
        visa: str = "",
        role: pb.TravelerRole.ValueType = pb.TRAVELER_ROLE_PASSENGER,
    ) -> pb.Traveler:
        return pb.Traveler(
            traveler_id=person.traveler_id,
            surname=person.surname,
            given_names=person.given_names,
            date_of_birth=iso(person.birth),
            sex=person.sex,
            nationality=person.nationality,
            country_of_residence=person.residence,
            document=document or self.passport(person),
            visa_category=visa,
            direction=self.plan.direction,
            itinerary=pb.Itinerary(segments=segments),
            booking=booking,
            companions=companions,
            observations=observations,
            role=role,
        )


# Fixed, content-free notes: synthetic records never carry narrative text.
_NOTES: Final = {
    pb.OBSERVATION_SOURCE_CREW: "Synthetic crew report",
    pb.OBSERVATION_SOURCE_OFFICER: "Synthetic officer report",
    pb.OBSERVATION_SOURCE_TIP_LINE: "Synthetic tip",
}


def companions(
    others: Sequence[Person], relationship: pb.Relationship.ValueType
) -> list[pb.Companion]:
    return [pb.Companion(traveler_id=p.traveler_id, relationship=relationship) for p in others]
