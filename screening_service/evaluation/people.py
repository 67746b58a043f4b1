"""Records of one evaluation flight: people, documents, bookings, travelers.

A lean builder written for this package (not the scenario generator's), so
every base rate that shapes an evaluation record is set and documented here
or in the scenario modules, and none is inherited from code written to suit
the rule pack. It reuses only the fictional names and the route network of
`screening_service.synthetic`. Ages are planted at least ten days away from a
birthday, so the age computed on the local departure date is the age asked
for. Speed matters (`screening synth` makes ten million travelers), so the
records are protobuf JSON bodies built as dicts (records.py), dates are
rendered once per ordinal and the direct itinerary is built once. The order
of the random draws is part of the population: the same seed gives the
same travelers, so a change here must keep every draw in its place.
"""

from __future__ import annotations

import datetime as dt
import random
from math import floor
from typing import Final, NamedTuple

from screening_service.evaluation.records import (
    DIRECTION,
    ISO_DATE,
    OBSERVATION_CODE,
    OBSERVATION_SOURCE,
    PAYMENT_FORM,
    SEX,
    TICKET_TYPE,
    Body,
    rfc3339,
    segment,
)
from screening_service.proto import pb
from screening_service.synthetic import names, routes

DAY: Final = 86_400
HOUR: Final = 3_600
_LOCATOR: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_LOCATOR_SPAN: Final = float(len(_LOCATOR))  # random.choices scales its draws by len + 0.0
_PASSPORT: Final = pb.DocumentType.Name(pb.DOCUMENT_TYPE_PASSPORT)
# "-0001" ...: a traveler id is its flight's key and one of these.
ID_SUFFIX: Final = tuple(f"-{n:04d}" for n in range(1_200))
_SEX_F: Final = pb.SEX_F
_SEX_M: Final = pb.SEX_M
_SEX_X: Final = pb.SEX_X
_VISA_WAIVER: Final = routes.VISA_WAIVER


class Person(NamedTuple):
    """One traveler's identity. Named tuples here and in Ticket: a frozen dataclass
    costs a Python-level ``object.__setattr__`` per field, for every traveler."""

    traveler_id: str
    age: int
    sex: pb.Sex.ValueType
    given_names: str
    surname: str
    nationality: str
    residence: str
    birth: int  # proleptic Gregorian ordinal


class Ticket(NamedTuple):
    """The booking facts a scenario decides; the builder renders them as a booking body.

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

    def bought_by_traveler(self, value: bool) -> Ticket:
        """This ticket with ``purchaser_is_traveler`` set (`dataclasses.replace`, faster)."""
        return Ticket(
            self.hours_ahead,
            self.ticket,
            self.payment,
            self.purchaser,
            value,
            self.agency,
            self.contact,
        )


class Journey(NamedTuple):
    """An itinerary body and the departure its booking times count back from."""

    first_departure: int
    itinerary: Body


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
        self._direction = DIRECTION[plan.direction]
        self._direct = Journey(plan.leg.departs, {"segments": [segment(plan.leg)]})
        leg = plan.leg
        self._report_minutes = max(1, (leg.arrives - leg.departs) // 60)

    # identifiers ---------------------------------------------------------
    def locator(self) -> str:
        """Six letters: what ``"".join(rng.choices(_LOCATOR, k=6))`` draws, without its
        argument handling (a tenth of the time of a whole traveler went there)."""
        draw = self.rng.random
        letters = _LOCATOR
        span = _LOCATOR_SPAN
        return (
            letters[floor(draw() * span)]
            + letters[floor(draw() * span)]
            + letters[floor(draw() * span)]
            + letters[floor(draw() * span)]
            + letters[floor(draw() * span)]
            + letters[floor(draw() * span)]
        )

    def opaque(self, prefix: str) -> str:
        return "%s-%016x" % (prefix, self.rng.getrandbits(64))  # noqa: UP031  # faster than an f-string

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
        residence: str | None = None,
    ) -> Person:
        rng = self.rng
        nationality = nationality or self.ordinary_nationality()
        culture = names.culture_for(rng, nationality)
        if female is None:
            female = rng.random() < 0.5
        sex = _SEX_X if rng.random() < 0.003 else _SEX_F if female else _SEX_M
        family = culture.surname_of(rng, female)
        self._count += 1
        count = self._count
        # Positional (keywords make this per-traveler call slower), in field
        # order: the given names are drawn before the birthday.
        return Person(
            self.key + ID_SUFFIX[count] if count < len(ID_SUFFIX) else f"{self.key}-{count:04d}",
            age,
            sex,
            culture.given(rng, female),
            family,
            nationality,
            residence or nationality,
            self.departure_ordinal - int(age * 365.2425) - 10 - int(rng.random() * 346),
        )

    # documents -----------------------------------------------------------
    def passport(self, person: Person, days_since_issue: int | None = None) -> Body:
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
            # rng.randint(1, top): the same rejection sampling, inline.
            width = max(2, min(validity - 30, lived - 1))
            bits = width.bit_length()
            r = rng.getrandbits(bits)
            while r >= width:
                r = rng.getrandbits(bits)
            days_since_issue = 1 + r
        issued = self.departure_ordinal - min(days_since_issue, lived - 1)
        getrandbits = rng.getrandbits
        return {
            "type": _PASSPORT,
            "number": "%s%08d" % (_LOCATOR[getrandbits(4)], getrandbits(30) % 100_000_000),  # noqa: UP031  # as opaque
            "issuing_country": person.nationality,
            "issue_date": ISO_DATE[issued],
            "expiry_date": ISO_DATE[issued + validity - 1],
        }

    def visa(self, person: Person, category: str) -> str:
        """The category only for a foreign national entering the port country."""
        if not self.inbound or person.nationality in routes.VISA_WAIVER:
            return ""
        return category

    # itineraries, bookings, observations ---------------------------------
    def segments(self, *, connect: bool) -> Journey:
        """The manifest leg, with a connection on the far side when asked and sensible."""
        if not connect:
            return self._direct
        direct = self._direct.itinerary["segments"]
        extra = routes.onward(self.rng, self.plan) if self.inbound else None
        if extra is not None:
            return Journey(self.departs, {"segments": [*direct, segment(extra)]})
        before = routes.feeder(self.rng, self.plan)
        if before is None:
            return self._direct
        return Journey(before.departs, {"segments": [segment(before), *direct]})

    def booking(self, ticket: Ticket, locator: str, bags: int | None, first_departure: int) -> Body:
        """``ticket.hours_ahead`` counts back from the journey's first departure.

        Every traveler gets a copy (`traveler`): the seat is theirs alone.
        """
        booking: Body = {
            "record_locator": locator,
            "booking_time": rfc3339(first_departure - int(ticket.hours_ahead * HOUR)),
            "ticket_type": TICKET_TYPE[ticket.ticket],
            "payment_form": PAYMENT_FORM[ticket.payment],
            "purchaser_id": ticket.purchaser,
        }
        if ticket.purchaser_is_traveler is not None:
            booking["purchaser_is_traveler"] = ticket.purchaser_is_traveler
        if ticket.agency:
            booking["travel_agency_id"] = ticket.agency
        if ticket.contact:
            booking["contact_id"] = ticket.contact
        if bags is not None:
            booking["checked_bags"] = bags
        return booking

    def observation(
        self, code: pb.ObservationCode.ValueType, source: pb.ObservationSource.ValueType
    ) -> Body:
        """A report during the flight (crew) or at the document check (officer)."""
        at = self.departs + 60 * self.rng.randint(0, self._report_minutes)
        return {
            "code": OBSERVATION_CODE[code],
            "source": OBSERVATION_SOURCE[source],
            "reported_at": rfc3339(at),
            "note": _NOTES[source],
        }

    def traveler(
        self,
        person: Person,
        booking: Body,
        itinerary: Body,
        companions: list[Body] | None,
        observations: list[Body] | None,
        days_since_issue: int | None,
        visa: str,
        role: str,
    ) -> Body:
        """The traveler's body, with its passport (`passport`) and visa (`visa`): one
        call a traveler, arguments by position from `common.party` (keywords cost
        more than the dict they fill). ``role`` is the enum's name."""
        body: Body = {
            "traveler_id": person.traveler_id,
            "surname": person.surname,
            "given_names": person.given_names,
            "date_of_birth": ISO_DATE[person.birth],
            "sex": SEX[person.sex],
            "nationality": person.nationality,
            "country_of_residence": person.residence,
            "document": self.passport(person, days_since_issue),
        }
        if visa and self.inbound and person.nationality not in _VISA_WAIVER:
            body["visa_category"] = visa
        body["direction"] = self._direction
        body["itinerary"] = itinerary
        body["booking"] = booking.copy()
        if companions:
            body["companions"] = companions
        if observations:
            body["observations"] = observations
        body["role"] = role
        return body


# Fixed, content-free notes: synthetic records never carry narrative text.
_NOTES: Final = {
    pb.OBSERVATION_SOURCE_CREW: "Synthetic crew report",
    pb.OBSERVATION_SOURCE_OFFICER: "Synthetic officer report",
    pb.OBSERVATION_SOURCE_TIP_LINE: "Synthetic tip",
}
