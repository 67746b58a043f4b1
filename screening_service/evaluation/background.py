"""The ordinary background: the parties that make up most of any flight.

Booking features follow the published rates where they exist (facts 4a):
one-way tickets 29-45% of bookings (ARC agency data 2014-2017, EveryMundo
airline sites: 35% used here, 30% for business as ARC's corporate
agencies); 18% of bookings within 3 days of departure (IATA, May 2019).
Where no source exists the share is an assumption, stated here: the party
mix (solo leisure 30, business 20, couples 20, families 16, friends 8,
visiting relatives 6), cash 1%, a ticket bought by someone not travelling
3% for leisure and 50% for business (the employer), a missing purchaser flag
5%, a connection 30%, a passport renewed for the trip 1.5%, and reports about
ordinary travelers 0.05% (a nervous flyer, a quiet teenager).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Final

from screening_service.evaluation.common import (
    FEAR,
    SILENT,
    UNAWARE,
    UNRELATED,
    Party,
    Watch,
    bags_between,
    family,
    hours_ahead,
    none_related,
    party,
)
from screening_service.evaluation.people import FlightBuilder, Person, Ticket
from screening_service.proto import pb

NOISE: Final = Watch(0.0005, ((FEAR, 2), (SILENT, 2), (UNAWARE, 1), (UNRELATED, 1)))
ONE_WAY_SHARE: Final = 0.35
WITHIN_3_DAYS: Final = 0.18


def _noise(_: Person) -> Watch:
    return NOISE


def _ticket(b: FlightBuilder, *, one_way: float, third_party: float, within: float) -> Ticket:
    rng = b.rng
    draw = rng.random()
    payment = (
        pb.PAYMENT_FORM_CASH
        if draw < 0.01
        else pb.PAYMENT_FORM_MILES
        if draw < 0.05
        else pb.PAYMENT_FORM_UNKNOWN
        if draw < 0.06
        else pb.PAYMENT_FORM_CARD
    )
    ticket = pb.TICKET_TYPE_ONE_WAY if rng.random() < one_way else pb.TICKET_TYPE_ROUND_TRIP
    bought: bool | None = None if rng.random() < 0.05 else rng.random() >= third_party
    return Ticket(
        hours_ahead(rng, within), ticket, payment, b.opaque("P"), bought, contact=b.opaque("C")
    )


def _document_days(b: FlightBuilder) -> Callable[[Person], int | None]:
    rng = b.rng
    return lambda _: rng.randint(3, 30) if rng.random() < 0.015 else None


def _bags(b: FlightBuilder) -> Callable[[Person], int | None]:
    rng = b.rng
    low = 0 if b.plan.hours < 6 else 1
    return lambda _: bags_between(rng, low, 2, 0.02)


def solo_leisure(b: FlightBuilder, room: int) -> Party:
    person = b.person(b.rng.randint(18, 80))
    ticket = _ticket(b, one_way=ONE_WAY_SHARE, third_party=0.03, within=WITHIN_3_DAYS)
    return party(
        b,
        [person],
        ticket,
        relation=none_related,
        bags=_bags(b),
        visa="B2",
        document_days=_document_days(b),
        watch=_noise,
        connect=b.rng.random() < 0.3,
    )


def business(b: FlightBuilder, room: int) -> Party:
    person = b.person(b.rng.randint(24, 66))
    ticket = _ticket(b, one_way=0.3, third_party=0.5, within=0.25)
    return party(
        b,
        [person],
        ticket,
        relation=none_related,
        bags=lambda _: bags_between(b.rng, 0, 1, 0.02),
        visa="B1",
        document_days=_document_days(b),
        watch=_noise,
        connect=b.rng.random() < 0.3,
    )


def couple(b: FlightBuilder, room: int) -> Party:
    rng = b.rng
    nationality = b.ordinary_nationality()
    age = rng.randint(22, 80)
    people = [
        b.person(age, nationality=nationality, female=False),
        b.person(max(18, age + rng.randint(-6, 6)), nationality=nationality, female=True),
    ]
    ticket = _ticket(b, one_way=ONE_WAY_SHARE, third_party=0.0, within=WITHIN_3_DAYS)
    return party(
        b,
        people[:room],
        ticket,
        relation=family,
        bags=_bags(b),
        visa="B2",
        document_days=_document_days(b),
        watch=_noise,
        buyer=people[0],
        connect=rng.random() < 0.3,
    )


def family_trip(b: FlightBuilder, room: int) -> Party:
    rng = b.rng
    nationality = b.ordinary_nationality()
    age = rng.randint(27, 50)
    parents = [b.person(age, nationality=nationality, female=False)]
    if rng.random() < 0.8:
        parents.append(b.person(age + rng.randint(-4, 4), nationality=nationality, female=True))
    kids = [
        b.person(rng.randint(0, min(17, age - 18)), nationality=nationality)
        for _ in range(rng.randint(1, 3))
    ]
    people = [*parents, *kids][:room]
    ticket = _ticket(b, one_way=0.25, third_party=0.0, within=0.08)
    return party(
        b,
        people,
        ticket,
        relation=family,
        bags=_bags(b),
        visa="B2",
        document_days=_document_days(b),
        watch=_noise,
        buyer=parents[0],
        connect=rng.random() < 0.3,
    )


def friends(b: FlightBuilder, room: int) -> Party:
    rng = b.rng
    nationality = b.ordinary_nationality()
    people = [
        b.person(rng.randint(19, 40), nationality=nationality)
        for _ in range(min(room, rng.randint(3, 6)))
    ]
    ticket = _ticket(b, one_way=ONE_WAY_SHARE, third_party=0.0, within=WITHIN_3_DAYS)
    return party(
        b,
        people,
        ticket,
        relation=none_related,
        bags=_bags(b),
        visa="B2",
        document_days=_document_days(b),
        watch=_noise,
        buyer=people[0],
    )


def visiting_relatives(b: FlightBuilder, room: int) -> Party:
    """An adult visiting family abroad, sometimes on a ticket a relative bought."""
    rng = b.rng
    person = b.person(rng.randint(30, 85), nationality=b.foreign())
    ticket = _ticket(b, one_way=0.3, third_party=0.2, within=0.1)
    return party(
        b,
        [person],
        ticket,
        relation=none_related,
        bags=_bags(b),
        visa="B2",
        document_days=_document_days(b),
        watch=_noise,
        connect=rng.random() < 0.4,
    )


ARCHETYPES: Final[tuple[tuple[str, Callable[[FlightBuilder, int], Party], int], ...]] = (
    ("solo_leisure", solo_leisure, 30),
    ("business", business, 20),
    ("couple", couple, 20),
    ("family", family_trip, 16),
    ("friends", friends, 8),
    ("visiting_relatives", visiting_relatives, 6),
)
NAMES: Final = tuple(name for name, _, _ in ARCHETYPES)
BUILDERS: Final = tuple(build for _, build, _ in ARCHETYPES)
CUMULATIVE: Final = tuple(itertools.accumulate(w for _, _, w in ARCHETYPES))
