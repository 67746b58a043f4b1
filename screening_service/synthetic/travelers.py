"""Building blocks of one generated flight: people, documents, itineraries, bookings.

`FlightBuilder` holds the flight's random generator and hands out traveler
ids, record locators and opaque hashes; parties (population.py) and planted
scenarios (scenarios.py) are written with it, so both produce records of the
same shape. Ages are planted at least ten days away from a birthday, so the
age the enricher computes on the local date of departure is the age asked for.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.proto import pb
from screening_service.synthetic import names, routes

DAY: Final = 86_400
HOUR: Final = 3_600
_LOCATOR_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_DOC_LETTERS: Final = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Person:
    traveler_id: str
    age: int
    sex: pb.Sex.ValueType
    given_names: str
    surname: str
    nationality: str
    residence: str
    birth: int  # proleptic Gregorian ordinal

    @property
    def is_minor(self) -> bool:
        return self.age < 18


@dataclass(frozen=True)
class Journey:
    """A party's segments (the manifest flight, maybe with connections) and first departure."""

    segments: tuple[pb.Segment, ...]
    first_departure: int


class FlightBuilder:
    def __init__(self, rng: random.Random, plan: routes.FlightPlan, key: str) -> None:
        self.rng = rng
        self.plan = plan
        self.key = key
        self.departure_ordinal = dt.datetime.fromtimestamp(plan.leg.departs, dt.UTC).toordinal()
        self._count = 0
        self._direct = Journey((plan.leg.segment(),), plan.leg.departs)

    # identifiers ---------------------------------------------------------
    def traveler_id(self) -> str:
        self._count += 1
        return f"{self.key}-{self._count:04d}"

    def locator(self) -> str:
        return "".join(self.rng.choices(_LOCATOR_ALPHABET, k=6))

    def opaque(self, prefix: str) -> str:
        """An opaque id such as a purchaser or contact hash."""
        return f"{prefix}-{self.rng.getrandbits(64):016x}"

    # people --------------------------------------------------------------
    def nationality(self, *, home_share: float = 0.4, foreign_share: float = 0.45) -> str:
        """Mostly the two ends of the flight, sometimes anywhere on the network."""
        draw = self.rng.random()
        if draw < home_share:
            return routes.PORT_COUNTRY
        if draw < home_share + foreign_share:
            return self.plan.foreign_country
        return self.rng.choice(routes.HUB_COUNTRIES)

    def residence(self, nationality: str) -> str:
        """Mostly the country of nationality; else the other end of the flight, or elsewhere."""
        draw = self.rng.random()
        if draw < 0.88:
            return nationality
        if draw < 0.96:
            home = routes.PORT_COUNTRY
            return home if nationality != home else self.plan.foreign_country
        return self.rng.choice(routes.HUB_COUNTRIES)

    def sex(self, female: bool | None = None) -> pb.Sex.ValueType:
        draw = self.rng.random()
        if female is None and draw < 0.004:
            return pb.SEX_X if draw < 0.003 else pb.SEX_U
        if female is None:
            female = self.rng.random() < 0.5
        return pb.SEX_F if female else pb.SEX_M

    def birth(self, age: int) -> int:
        """A birth ordinal giving exactly ``age`` at departure, away from birthdays."""
        return self.departure_ordinal - int(age * 365.2425) - self.rng.randint(10, 355)

    def person(
        self,
        age: int,
        *,
        nationality: str | None = None,
        residence: str | None = None,
        female: bool | None = None,
        culture: names.Culture | None = None,
        surname: names.Surname | None = None,
    ) -> Person:
        nationality = nationality or self.nationality()
        culture = culture or names.culture_for(self.rng, nationality)
        sex = self.sex(female)
        is_female = sex == pb.SEX_F or (sex != pb.SEX_M and self.rng.random() < 0.5)
        family = surname or culture.surname(self.rng)
        return Person(
            traveler_id=self.traveler_id(),
            age=age,
            sex=sex,
            given_names=culture.given(self.rng, is_female),
            surname=family.form(is_female),
            nationality=nationality,
            residence=residence or self.residence(nationality),
            birth=self.birth(age),
        )

    # documents -----------------------------------------------------------
    def document_number(self) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.4:
            return f"{rng.choice(_DOC_LETTERS)}{rng.choice(_DOC_LETTERS)}{rng.randrange(10**7):07d}"
        if style < 0.7:
            return f"{rng.choice(_DOC_LETTERS)}{rng.randrange(10**8):08d}"
        return f"{rng.randrange(10**9):09d}"

    def document(
        self,
        person: Person,
        *,
        days_since_issue: int | None = None,
        kind: pb.DocumentType.ValueType = pb.DOCUMENT_TYPE_PASSPORT,
    ) -> pb.TravelDocument:
        """A valid document of the traveler's nationality (10 years for adults, 5 for children)."""
        years = 10 if person.age >= 16 else 5
        validity = years * 365 + years // 4
        lived = self.departure_ordinal - person.birth
        if days_since_issue is None:
            latest = max(30, min(validity - 200, lived - 30))
            earliest = min(60, latest)
            if person.age >= 18 and self.rng.random() < 0.02:
                # Ordinary noise: a first passport, or a renewal just before a trip.
                earliest, latest = 7, 30
            days_since_issue = self.rng.randint(earliest, latest)
        issued = self.departure_ordinal - min(days_since_issue, lived)
        return pb.TravelDocument(
            type=kind,
            number=self.document_number(),
            issuing_country=person.nationality,
            issue_date=dt.date.fromordinal(issued).isoformat(),
            expiry_date=dt.date.fromordinal(issued + validity - 1).isoformat(),
        )

    # itineraries and bookings --------------------------------------------
    def journey(self, *, feeder: bool = False, onward: bool = False) -> Journey:
        """The manifest flight, preceded and followed by a connection when asked and possible."""
        if not (feeder or onward):
            return self._direct
        before = routes.feeder(self.rng, self.plan) if feeder else None
        after = routes.onward(self.rng, self.plan) if onward else None
        if (
            before
            and after
            and routes.circuity(
                [before.origin, before.destination, after.origin, after.destination]
            )
            > routes.MAX_CIRCUITY
        ):
            after = None
        legs = [leg for leg in (before, self.plan.leg, after) if leg is not None]
        return Journey(tuple(leg.segment() for leg in legs), legs[0].departs)

    def booking(
        self,
        *,
        locator: str,
        booked_at: int,
        ticket: pb.TicketType.ValueType,
        payment: pb.PaymentForm.ValueType,
        purchaser_id: str,
        purchaser_is_traveler: bool | None,
        agency: str = "",
        contact: str = "",
        bags: int | None = None,
    ) -> pb.Booking:
        booking = pb.Booking(
            record_locator=locator,
            booking_time=Timestamp(seconds=booked_at),
            ticket_type=ticket,
            payment_form=payment,
            purchaser_id=purchaser_id,
            travel_agency_id=agency,
            contact_id=contact,
        )
        if purchaser_is_traveler is not None:
            booking.purchaser_is_traveler = purchaser_is_traveler
        if bags is not None:
            booking.checked_bags = bags
        return booking

    def visa(self, person: Person, category: str) -> str:
        """The visa category of a foreign national entering the port country, else empty."""
        if not self.plan.inbound or person.nationality in routes.VISA_WAIVER:
            return ""
        return category

    def traveler(
        self,
        person: Person,
        *,
        journey: Journey,
        booking: pb.Booking,
        companions: Sequence[pb.Companion] = (),
        observations: Sequence[pb.Observation] = (),
        document: pb.TravelDocument | None = None,
        visa: str = "",
    ) -> pb.Traveler:
        return pb.Traveler(
            traveler_id=person.traveler_id,
            surname=person.surname,
            given_names=person.given_names,
            date_of_birth=dt.date.fromordinal(person.birth).isoformat(),
            sex=person.sex,
            nationality=person.nationality,
            country_of_residence=person.residence,
            document=document or self.document(person),
            visa_category=visa,
            direction=self.plan.direction,
            itinerary=pb.Itinerary(segments=journey.segments),
            booking=booking,
            companions=companions,
            observations=observations,
        )

    def observation(
        self,
        code: pb.ObservationCode.ValueType,
        source: pb.ObservationSource.ValueType,
        note: str,
    ) -> pb.Observation:
        """A report made during the manifest flight (crew) or before arrival."""
        leg = self.plan.leg
        span = max(1, (leg.arrives - leg.departs) // 60 - 20)
        reported = leg.departs + 60 * self.rng.randint(min(20, span), span)
        return pb.Observation(
            code=code, source=source, reported_at=Timestamp(seconds=reported), note=note
        )


def companions(
    others: Sequence[Person], relationship: pb.Relationship.ValueType
) -> list[pb.Companion]:
    return [pb.Companion(traveler_id=p.traveler_id, relationship=relationship) for p in others]
