"""The clean population: the parties of ordinary travel.

Each party is one booking (a tour group is several bookings of one agency).
Noise is realistic but bounded: adults sometimes fly one-way, pay cash, book
the day before or have a ticket bought by someone who does not travel (an
employer, a parent, a tour operator), but a third-party purchase is never
paid in cash, and minors only ever travel with a parent or legal guardian on
their booking. So the clean population looks like ordinary travel and the
planted scenarios (scenarios.py) stand out.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from typing import Final

from screening_service.proto import pb
from screening_service.synthetic import names
from screening_service.synthetic.travelers import HOUR, FlightBuilder, Journey, Person

Relation = Callable[[int, int], "pb.Relationship.ValueType"]
Party = list[pb.Traveler]
Archetype = Callable[[FlightBuilder, int], Party]

_PAYMENTS: Final = (
    (pb.PAYMENT_FORM_MILES, 0.04),
    (pb.PAYMENT_FORM_VOUCHER, 0.015),
    (pb.PAYMENT_FORM_OTHER, 0.01),
    (pb.PAYMENT_FORM_UNKNOWN, 0.01),
)
_OTHER_NOTES: Final = (
    "Requested medical assistance during the flight",
    "Disruptive behaviour reported by cabin crew",
    "Lost item reported at the gate",
)


def payment(rng: random.Random, cash: float) -> pb.PaymentForm.ValueType:
    """Card mostly; cash with probability ``cash``; miles, vouchers and others now and then."""
    draw = rng.random()
    if draw < cash:
        return pb.PAYMENT_FORM_CASH
    draw -= cash
    for form, share in _PAYMENTS:
        if draw < share:
            return form
        draw -= share
    return pb.PAYMENT_FORM_CARD


def ticket(rng: random.Random, one_way: float, open_jaw: float = 0.03) -> pb.TicketType.ValueType:
    draw = rng.random()
    if draw < one_way:
        return pb.TICKET_TYPE_ONE_WAY
    if draw < one_way + open_jaw:
        return pb.TICKET_TYPE_OPEN_JAW
    return pb.TICKET_TYPE_ROUND_TRIP


def hours_ahead(
    rng: random.Random, days: tuple[float, float, float], last_minute: float = 0.0
) -> float:
    """Hours from booking to departure: (low, mode, high) days, or under 24 h sometimes."""
    if rng.random() < last_minute:
        return rng.uniform(2.0, 23.5)
    low, mode, high = days
    return rng.triangular(low, high, mode) * 24 + rng.uniform(0.0, 24.0)


def bags(rng: random.Random, long_haul: bool) -> int | None:
    """Mostly 1-2 on long trips, 0-1 on short ones; now and then not known."""
    draw = rng.random()
    if draw < 0.01:
        return None
    if long_haul:
        return 0 if draw < 0.1 else 1 if draw < 0.65 else 2 if draw < 0.95 else 3
    return 0 if draw < 0.4 else 1 if draw < 0.9 else 2


def _journey(b: FlightBuilder, feeder: float = 0.12, onward: float = 0.18) -> Journey:
    return b.journey(feeder=b.rng.random() < feeder, onward=b.rng.random() < onward)


def book(
    b: FlightBuilder,
    members: Sequence[Person],
    *,
    buyer: int | None,
    ticket_type: pb.TicketType.ValueType,
    payment_form: pb.PaymentForm.ValueType,
    hours: float,
    relation: Relation,
    visa: str,
    journey: Journey | None = None,
    agency: str = "",
    contact: str | None = None,
    purchaser_id: str | None = None,
) -> Party:
    """One booking: ``buyer`` is the member who paid, None for a purchaser who does not travel."""
    rng = b.rng
    journey = journey or _journey(b)
    booked_at = journey.first_departure - int(hours * HOUR)
    locator = b.locator()
    contact = b.opaque("C") if contact is None else contact
    purchaser = purchaser_id or b.opaque("P")
    known = rng.random() >= 0.02  # some bookings do not say who paid
    long_haul = b.plan.hours > 6
    party: Party = []
    for i, person in enumerate(members):
        booking = b.booking(
            locator=locator,
            booked_at=booked_at,
            ticket=ticket_type,
            payment=payment_form,
            purchaser_id=purchaser if known else "",
            purchaser_is_traveler=(i == buyer) if known else None,
            agency=agency,
            contact=contact,
            bags=bags(rng, long_haul),
        )
        mates = [
            pb.Companion(traveler_id=other.traveler_id, relationship=relation(i, j))
            for j, other in enumerate(members)
            if j != i
        ]
        observations = []
        if rng.random() < 0.001:
            observations.append(
                b.observation(
                    pb.OBSERVATION_CODE_OTHER,
                    pb.OBSERVATION_SOURCE_CREW,
                    rng.choice(_OTHER_NOTES),
                )
            )
        party.append(
            b.traveler(
                person,
                journey=journey,
                booking=booking,
                companions=mates,
                observations=observations,
                visa=b.visa(person, visa),
            )
        )
    return party


def _all(relationship: pb.Relationship.ValueType) -> Relation:
    return lambda _i, _j: relationship


def solo_leisure(b: FlightBuilder, room: int) -> Party:
    """Holidays and visits to family: the noisiest party (one-way, cash, day-before)."""
    rng = b.rng
    person = b.person(rng.randint(20, 78))
    gift = rng.random() < 0.06  # a relative paid, by card
    return book(
        b,
        [person],
        buyer=None if gift else 0,
        ticket_type=ticket(rng, one_way=0.22, open_jaw=0.05),
        payment_form=pb.PAYMENT_FORM_CARD if gift else payment(rng, cash=0.04),
        hours=hours_ahead(rng, (1, 30, 240), last_minute=0.03),
        relation=_all(pb.RELATIONSHIP_NONE),
        visa="B2",
    )


_AGENCY_POOL: Final = 400


def business(b: FlightBuilder, room: int) -> Party:
    """Alone, card, round trip, booked weeks ahead, often through a corporate agency."""
    rng = b.rng
    person = b.person(rng.randint(25, 66))
    company_paid = rng.random() < 0.4
    agency = f"TMC{rng.randrange(_AGENCY_POOL):04d}" if rng.random() < 0.55 else ""
    return book(
        b,
        [person],
        buyer=None if company_paid else 0,
        ticket_type=ticket(rng, one_way=0.03, open_jaw=0.07),
        payment_form=pb.PAYMENT_FORM_OTHER if rng.random() < 0.03 else pb.PAYMENT_FORM_CARD,
        hours=hours_ahead(rng, (1, 12, 60), last_minute=0.02),
        relation=_all(pb.RELATIONSHIP_NONE),
        visa="B1",
        journey=_journey(b, feeder=0.2, onward=0.25),
        agency=agency,
    )


def _pair(
    b: FlightBuilder, ages: tuple[int, int], *, shared_surname: float
) -> tuple[Person, Person]:
    """Two adults of one nationality, close in age, often sharing a family name."""
    rng = b.rng
    nationality = b.nationality()
    culture = names.culture_for(rng, nationality)
    surname = culture.surname(rng) if rng.random() < shared_surname else None
    first_age = rng.randint(*ages)
    second_age = min(90, max(20, first_age + rng.randint(-8, 8)))
    female = rng.random() < 0.5
    mixed = rng.random() < 0.9
    first = b.person(
        first_age, nationality=nationality, female=female, culture=culture, surname=surname
    )
    second = b.person(
        second_age,
        nationality=nationality,
        female=female != mixed,
        culture=culture,
        surname=surname,
    )
    return first, second


def couple(b: FlightBuilder, room: int) -> Party:
    """Spouses on one booking, one of them paid."""
    if room < 2:
        return solo_leisure(b, room)
    rng = b.rng
    return book(
        b,
        _pair(b, (22, 80), shared_surname=0.7),
        buyer=rng.randrange(2),
        ticket_type=ticket(rng, one_way=0.1),
        payment_form=payment(rng, cash=0.02),
        hours=hours_ahead(rng, (7, 45, 240), last_minute=0.01),
        relation=_all(pb.RELATIONSHIP_SPOUSE),
        visa="B2",
    )


_CHILDREN_CUMULATIVE: Final = tuple(itertools.accumulate((35, 40, 18, 7)))


def family(b: FlightBuilder, room: int) -> Party:
    """Parents (or a legal guardian) and children; a travelling parent paid.

    Children declare each parent PARENT (LEGAL_GUARDIAN in a guardian family)
    and each other SIBLING; parents declare each other SPOUSE and their
    children OTHER_RELATIVE (the relationship enum has no "child"); a
    grandparent is the first parent's PARENT and everyone else's
    OTHER_RELATIVE.
    """
    if room < 2:
        return solo_leisure(b, room)
    rng = b.rng
    nationality = b.nationality()
    culture = names.culture_for(rng, nationality)
    surname = culture.surname(rng)
    guardian = rng.random() < 0.03
    parents = 1 if guardian or rng.random() < 0.2 or room < 3 else 2
    grandparent = room >= parents + 2 and rng.random() < 0.05
    children = min(
        room - parents - grandparent,
        1 + rng.choices(range(4), cum_weights=_CHILDREN_CUMULATIVE)[0],
    )
    first_age = rng.randint(26, 52)
    ages = [first_age] + [min(60, max(24, first_age + rng.randint(-6, 6)))] * (parents - 1)
    female = rng.random() < 0.5
    members = [
        b.person(
            age,
            nationality=nationality,
            culture=culture,
            female=female != (i == 1),
            surname=surname if i == 0 or rng.random() < 0.75 else None,
        )
        for i, age in enumerate(ages)
    ]
    oldest_child = min(17, min(ages) - 18)
    members += [
        b.person(
            rng.randint(0, oldest_child), nationality=nationality, culture=culture, surname=surname
        )
        for _ in range(children)
    ]
    if grandparent:
        members.append(
            b.person(
                min(90, first_age + rng.randint(22, 35)), nationality=nationality, culture=culture
            )
        )
    roles = ["parent"] * parents + ["child"] * children + ["grand"] * grandparent
    adult_of_child = pb.RELATIONSHIP_LEGAL_GUARDIAN if guardian else pb.RELATIONSHIP_PARENT

    def relation(i: int, j: int) -> pb.Relationship.ValueType:
        mine, theirs = roles[i], roles[j]
        if mine == "child":
            return {"parent": adult_of_child, "child": pb.RELATIONSHIP_SIBLING}.get(
                theirs, pb.RELATIONSHIP_OTHER_RELATIVE
            )
        if mine == "parent" and theirs == "parent":
            return pb.RELATIONSHIP_SPOUSE
        if mine == "parent" and theirs == "grand" and i == 0:
            return pb.RELATIONSHIP_PARENT
        return pb.RELATIONSHIP_OTHER_RELATIVE

    return book(
        b,
        members,
        buyer=rng.randrange(parents),
        ticket_type=ticket(rng, one_way=0.08, open_jaw=0.02),
        payment_form=payment(rng, cash=0.01),
        hours=hours_ahead(rng, (14, 60, 240), last_minute=0.005),
        relation=relation,
        visa="B2",
    )


def friends(b: FlightBuilder, room: int) -> Party:
    """Two to four adults on one booking, no family tie declared; one of them paid."""
    if room < 2:
        return solo_leisure(b, room)
    rng = b.rng
    size = rng.randint(2, min(4, room))
    nationality = b.nationality()
    low = rng.choice((20, 30, 45))
    members = [b.person(rng.randint(low, low + 20), nationality=nationality) for _ in range(size)]
    declared = pb.RELATIONSHIP_NONE if rng.random() < 0.7 else pb.RELATIONSHIP_UNKNOWN
    return book(
        b,
        members,
        buyer=rng.randrange(size),
        ticket_type=ticket(rng, one_way=0.15),
        payment_form=payment(rng, cash=0.03),
        hours=hours_ahead(rng, (3, 30, 180), last_minute=0.02),
        relation=_all(declared),
        visa="B2",
    )


def student(b: FlightBuilder, room: int) -> Party:
    """18-25, alone; one-way at the start of a term is common; parents often pay, by card."""
    rng = b.rng
    person = b.person(rng.randint(18, 25), nationality=b.nationality(home_share=0.3))
    parent_paid = rng.random() < 0.45
    return book(
        b,
        [person],
        buyer=None if parent_paid else 0,
        ticket_type=ticket(rng, one_way=0.35),
        payment_form=pb.PAYMENT_FORM_CARD if parent_paid else payment(rng, cash=0.03),
        hours=hours_ahead(rng, (3, 30, 120), last_minute=0.01),
        relation=_all(pb.RELATIONSHIP_NONE),
        visa="F1",
    )


def elderly(b: FlightBuilder, room: int) -> Party:
    """65 and over, alone or as a couple; an adult child sometimes pays, by card."""
    rng = b.rng
    child_paid = rng.random() < 0.2
    if room >= 2 and rng.random() < 0.6:
        members: Sequence[Person] = _pair(b, (65, 86), shared_surname=0.8)
        relation = _all(pb.RELATIONSHIP_SPOUSE)
        buyer: int | None = None if child_paid else rng.randrange(2)
    else:
        members, relation = [b.person(rng.randint(65, 90))], _all(pb.RELATIONSHIP_NONE)
        buyer = None if child_paid else 0
    return book(
        b,
        members,
        buyer=buyer,
        ticket_type=ticket(rng, one_way=0.08),
        payment_form=pb.PAYMENT_FORM_CARD if child_paid else payment(rng, cash=0.02),
        hours=hours_ahead(rng, (14, 60, 200)),
        relation=relation,
        visa="B2",
    )


def tour_group(b: FlightBuilder, room: int) -> list[Party]:
    """10-40 travelers of one tour operator in bookings of one to three.

    Half the operators ticket the whole group themselves (one purchaser who
    does not travel, paid on account); the others let each booking's lead
    traveler pay. Many operators put their own phone on every booking.
    """
    rng = b.rng
    size = rng.randint(10, min(40, room))
    agency = f"TOUR{rng.randrange(_AGENCY_POOL):04d}"
    operator_paid = rng.random() < 0.5
    purchaser = b.opaque("P") if operator_paid else None
    contact = b.opaque("C") if rng.random() < 0.5 else None
    journey = _journey(b, feeder=0.3, onward=0.3)
    hours = hours_ahead(rng, (30, 90, 240))
    nationality = b.nationality(home_share=0.5, foreign_share=0.45)
    ticket_type = ticket(rng, one_way=0.0, open_jaw=0.05)
    parties: list[Party] = []
    while size > 0:
        count = min(size, rng.choice((1, 2, 2, 2, 3)))
        size -= count
        if count == 2 and rng.random() < 0.6:
            members: Sequence[Person] = _pair(b, (30, 80), shared_surname=0.7)
            relation = _all(pb.RELATIONSHIP_SPOUSE)
        else:
            members = [b.person(rng.randint(30, 80), nationality=nationality) for _ in range(count)]
            relation = _all(pb.RELATIONSHIP_NONE)
        parties.append(
            book(
                b,
                members,
                buyer=None if operator_paid else 0,
                ticket_type=ticket_type,
                payment_form=pb.PAYMENT_FORM_OTHER if operator_paid else pb.PAYMENT_FORM_CARD,
                hours=hours + rng.uniform(-48, 48),
                relation=relation,
                visa="B2",
                journey=journey,
                agency=agency,
                contact=contact,
                purchaser_id=purchaser,
            )
        )
    return parties


ARCHETYPES: Final[tuple[tuple[Archetype, int], ...]] = (
    (solo_leisure, 30),
    (business, 18),
    (couple, 15),
    (family, 12),
    (friends, 7),
    (student, 8),
    (elderly, 10),
)
