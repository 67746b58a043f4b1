"""Lawful look-alikes: ordinary travel that shares features with trafficking cases.

Each pattern carries the features a screening rule might read (a minor
without a parent, a one-way ticket bought by someone else, a group on one
purchaser, a new passport, cash, a booking hours before departure) for a
lawful reason. Shares of all travelers come from the volumes in
TRAFFICKING_FACTS.md section 4 where one exists, divided by international
air traffic: CBP counted more than 107 million international air travellers
in FY2014, and US-international enplanements ran at about 18-21 million a
month in 2023 (facts 4f), so about 230 million trips a year is the
denominator used below. Where no source exists the docstring says so and the
share is an assumption.

Lawful travelers are reported too: a crew member or officer may note a
traveler who lets a relative interpret, a nervous first-time flyer or a
child with a relative. No source counts such reports (facts 2a: no BLI
outcome data; 2e: 48% of transport workers worry about misidentifying), so
``NOISE`` (0.4% of look-alike travelers reported) is an assumption.
"""

from __future__ import annotations

from typing import Final

from screening_service.evaluation.common import (
    BOTH,
    FEAR,
    INBOUND,
    SCRIPTED,
    SILENT,
    UNAWARE,
    UNRELATED,
    Plant,
    Planted,
    Scenario,
    Watch,
    bags_between,
    family,
    hours_ahead,
    none_related,
    party,
)
from screening_service.evaluation.people import FlightBuilder, Person, Ticket
from screening_service.proto import pb

NOISE: Final = Watch(0.004, ((SILENT, 3), (FEAR, 2), (UNAWARE, 1), (SCRIPTED, 1)))
CHILD_NOISE: Final = Watch(0.004, ((UNRELATED, 3), (FEAR, 1)))
CARD: Final = pb.PAYMENT_FORM_CARD
ONE_WAY: Final = pb.TICKET_TYPE_ONE_WAY
ROUND_TRIP: Final = pb.TICKET_TYPE_ROUND_TRIP


def _one_way(b: FlightBuilder, share: float) -> pb.TicketType.ValueType:
    return ONE_WAY if b.rng.random() < share else ROUND_TRIP


def _noise(_: Person) -> Watch:
    return NOISE


def _child_noise(p: Person) -> Watch:
    return CHILD_NOISE if p.age < 18 else NOISE


def unaccompanied_minor(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """A child of 5-14 on the airline's unaccompanied-minor service, ticket bought by a parent.

    Volumes (facts 4b): American about 200,000 a year, Southwest more than
    100,000, JetBlue more than 40,000 (2006); the carriers' passenger totals
    are not in the facts file, so the share (0.15% of travelers) is an
    order-of-magnitude assumption. Operation Paladin Child counted 1,738
    non-EU minors arriving at Heathrow without parents in three months, of
    whom 3 were placed on the child-protection register. The service has no
    field in the record; the booking shows a minor alone, bought by someone
    not on the flight, mostly weeks ahead and round trip (assumptions).
    """
    rng = b.rng
    child = b.person(rng.randint(5, 14))
    ticket = Ticket(
        hours_ahead(rng, 0.05), _one_way(b, 0.35), CARD, b.opaque("P"), False, contact=b.opaque("C")
    )
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [child],
            ticket,
            relation=none_related,
            bags=lambda _: 1,
            visa="B2",
            watch=_child_noise,
        )
    )
    planted.labels.append(s.label(child, "lookalike"))
    return planted


def teen_alone(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """A teenager of 15-17 flying alone (too old for the service), ticket bought by family.

    No source counts teenagers flying alone; 0.1% of travelers is an
    assumption (the airline service ends at 14 or 15, facts 4b).
    """
    rng = b.rng
    teen = b.person(rng.randint(15, 17))
    ticket = Ticket(hours_ahead(rng, 0.15), _one_way(b, 0.4), CARD, b.opaque("P"), False)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [teen],
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.02),
            visa="B2",
            watch=_child_noise,
        )
    )
    planted.labels.append(s.label(teen, "lookalike"))
    return planted


def child_with_relative(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Children with a grandparent, aunt or uncle; the parents bought the tickets at home.

    Paladin Child's 1,738 minors "without parents or legal guardians" were
    mostly such trips (facts 4b); no source gives a share of travelers, so
    0.4% is an assumption.
    """
    rng = b.rng
    nationality = b.ordinary_nationality()
    adult = b.person(rng.randint(45, 75), nationality=nationality)
    kids = [
        b.person(rng.randint(3, 16), nationality=nationality)
        for _ in range(min(room - 1, rng.randint(1, 3)))
    ]

    def relation(a: Person, other: Person) -> pb.Relationship.ValueType:
        if a is adult or other is adult:
            return pb.RELATIONSHIP_OTHER_RELATIVE
        return pb.RELATIONSHIP_SIBLING

    parents_paid = rng.random() < 0.5
    ticket = Ticket(
        hours_ahead(rng, 0.1),
        _one_way(b, 0.3),
        CARD,
        b.opaque("P"),
        False if parents_paid else None,
    )
    planted = Planted()
    people = [adult, *kids]
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=relation,
            bags=lambda _: bags_between(rng, 1, 2, 0.02),
            visa="B2",
            watch=_child_noise,
            buyer=None if parents_paid else adult,
            connect=rng.random() < 0.3,
        )
    )
    planted.labels += [s.label(p, "lookalike") for p in people]
    return planted


def parent_other_surname(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """One parent with children whose surname differs (separated parents, kept names).

    No source gives the share; 0.4% of travelers is an assumption. Crew may
    still report the child as not related (CHILD_NOISE).
    """
    rng = b.rng
    nationality = b.ordinary_nationality()
    parent = b.person(rng.randint(28, 50), nationality=nationality, female=rng.random() < 0.7)
    kids = [
        b.person(rng.randint(2, 17), nationality=nationality)
        for _ in range(min(room - 1, rng.randint(1, 2)))
    ]
    ticket = Ticket(hours_ahead(rng, 0.15), _one_way(b, 0.3), CARD, b.opaque("P"), True)
    people = [parent, *kids]
    planted = Planted()
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=family,
            bags=lambda _: bags_between(rng, 1, 2, 0.02),
            visa="B2",
            watch=_child_noise,
            buyer=parent,
            connect=rng.random() < 0.3,
        )
    )
    planted.labels += [s.label(p, "lookalike") for p in people]
    return planted


def _chaperoned_group(
    b: FlightBuilder,
    room: int,
    s: Scenario,
    ages: tuple[int, int],
    size: tuple[int, int],
    adults: tuple[int, int],
    one_way: float,
) -> Planted:
    rng = b.rng
    nationality = b.ordinary_nationality()
    count = min(room - adults[0], rng.randint(*size))
    minors = [b.person(rng.randint(*ages), nationality=nationality) for _ in range(count)]
    staff = [
        b.person(rng.randint(25, 60), nationality=nationality)
        for _ in range(min(room - count, rng.randint(*adults)))
    ]
    ticket = Ticket(
        rng.uniform(45, 200) * 24,
        _one_way(b, one_way),
        CARD,
        b.opaque("P"),
        False,
        agency=b.opaque("A"),
        contact=b.opaque("C"),
    )
    people = [*minors, *staff]
    planted = Planted()
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 1, 1, 0.05),
            visa="B2",
            watch=_child_noise,
        )
    )
    planted.labels += [s.label(p, "lookalike") for p in people]
    return planted


def school_group(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Pupils of 12-17 with 2-4 teachers, one agency booking paid by the school.

    No reliable base rate exists for school or sports group travel (facts
    4e); airlines call 9 or more travellers a group. 0.3% of travelers is an
    assumption.
    """
    return _chaperoned_group(b, room, s, (12, 17), (10, 28), (2, 4), 0.05)


def sports_team(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Players of 12-19 with coaches, club-paid, some one-way to a tournament.

    No base rate exists (facts 4e); 0.2% of travelers is an assumption.
    """
    return _chaperoned_group(b, room, s, (12, 19), (10, 18), (2, 3), 0.2)


def seasonal_workers(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Guest workers (H-2A, H-2B) in a group on one-way tickets the employer paid.

    The US issued a record 442,000 temporary and seasonal worker visas in
    FY2023 (H-2A 298,336 and H-2B 124,644 in FY2022; facts 4c); with a trip
    in and a trip out each, about 0.9 million of some 230 million
    international trips: 0.4% of travelers. H-2A employers must pay inbound
    and outbound transport (facts 3.4), so one-way group tickets bought by
    the employer through an agency are normal. First-time travellers on a new
    passport (35%), few bags and missing purchaser flags on agency group
    bookings (30%) are assumptions.
    """
    rng = b.rng
    nationality = b.foreign() if rng.random() < 0.6 else rng.choice(("MEX", "GTM", "JAM", "ZAF"))
    count = min(room, rng.randint(4, 16))
    workers = [
        b.person(rng.randint(20, 50), nationality=nationality, female=rng.random() < 0.2)
        for _ in range(count)
    ]
    ticket = Ticket(
        hours_ahead(rng, 0.1),
        _one_way(b, 0.9),
        CARD,
        b.opaque("P"),
        None if rng.random() < 0.3 else False,
        agency=b.opaque("A") if rng.random() < 0.8 else "",
        contact=b.opaque("C"),
    )
    planted = Planted()
    planted.parties.append(
        party(
            b,
            workers,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.1),
            visa="H2A" if rng.random() < 0.7 else "H2B",
            document_days=lambda _: rng.randint(5, 60) if rng.random() < 0.35 else None,
            watch=_noise,
        )
    )
    planted.labels += [s.label(w, "lookalike") for w in workers]
    return planted


def refugee_family(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """A resettled refugee family on one-way tickets arranged and paid by an agency.

    US refugee admissions were 100,034 in FY2024 and UNHCR counted 188,759
    resettlement arrivals in 2024 (facts 4d); about 100,000 of some 115
    million inbound trips is 0.09% of inbound travelers (0.05% of all);
    IOM arranges the movement (facts 4d). New travel documents (70%) and an
    officer reporting that a relative interprets (2%) are assumptions.
    """
    rng = b.rng
    nationality = rng.choice(("AFG", "COD", "SYR", "MMR", "SDN", "UKR", "VEN"))
    adults = [
        b.person(rng.randint(22, 60), nationality=nationality, female=i == 1, residence=b.foreign())
        for i in range(min(room, rng.randint(1, 2)))
    ]
    kids = [
        b.person(rng.randint(0, 17), nationality=nationality, residence=b.foreign())
        for _ in range(max(0, min(room - len(adults), rng.randint(0, 5))))
    ]
    ticket = Ticket(
        rng.uniform(7, 40) * 24,
        ONE_WAY,
        pb.PAYMENT_FORM_OTHER,
        b.opaque("P"),
        False,
        agency=b.opaque("A"),
    )
    people = [*adults, *kids]
    interpreted = Watch(0.02, ((SILENT, 3), (FEAR, 1)), 0.8)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=family,
            bags=lambda _: bags_between(rng, 0, 2, 0.1),
            visa="RE",
            document_days=lambda _: rng.randint(5, 60) if rng.random() < 0.7 else None,
            watch=lambda p: interpreted if p.age >= 18 else CHILD_NOISE,
            connect=True,
        )
    )
    planted.labels += [s.label(p, "lookalike") for p in people]
    return planted


def students(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Students of 18-25 at the start or end of a term, often one-way, often parent-paid.

    J-1 exchange visitors: about 300,000 a year (284,486 visas in 2022; facts
    4c), in and out: about 0.26% of travelers. F-1 students are not in the
    facts file, so the total of 0.4% is an assumption, as are one-way 60%
    and parent-paid 45%.
    """
    rng = b.rng
    student = b.person(rng.randint(18, 25), nationality=b.foreign())
    parent_paid = rng.random() < 0.45
    ticket = Ticket(hours_ahead(rng, 0.1), _one_way(b, 0.6), CARD, b.opaque("P"), not parent_paid)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [student],
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 1, 2, 0.02),
            visa="F1" if rng.random() < 0.6 else "J1",
            document_days=lambda _: rng.randint(10, 90) if rng.random() < 0.15 else None,
            watch=_noise,
        )
    )
    planted.labels.append(s.label(student, "lookalike"))
    return planted


def au_pair(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """A J-1 au pair (a young woman) on a one-way ticket the agency paid.

    21,551 J-1 au pairs in 2019 (facts 4c): about 0.02% of travelers. The
    lawful twin of a recruited domestic worker.
    """
    rng = b.rng
    woman = b.person(rng.randint(18, 26), nationality=b.foreign(), female=rng.random() < 0.95)
    ticket = Ticket(
        hours_ahead(rng, 0.05), ONE_WAY, CARD, b.opaque("P"), False, agency=b.opaque("A")
    )
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [woman],
            ticket,
            relation=none_related,
            bags=lambda _: 2,
            visa="J1",
            document_days=lambda _: rng.randint(10, 90) if rng.random() < 0.3 else None,
            watch=_noise,
        )
    )
    planted.labels.append(s.label(woman, "lookalike"))
    return planted


def last_minute_business(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """A business trip booked hours ahead by the employer's travel agency, no checked bag.

    Concur: professional-services firms book more than a quarter of tickets
    within 3 days (facts 4a); managed corporate agencies sell about 30%
    one-way (ARC). The share of travelers on such trips (1%) is an
    assumption; no source gives bookings within 24 hours.
    """
    rng = b.rng
    person = b.person(rng.randint(25, 64))
    ticket = Ticket(
        rng.uniform(2, 30), _one_way(b, 0.3), CARD, b.opaque("P"), False, agency=b.opaque("A")
    )
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [person],
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 0, 0.02),
            visa="B1",
            watch=_noise,
        )
    )
    planted.labels.append(s.label(person, "lookalike"))
    return planted


def cash_elderly(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """An elderly traveler paying cash at a travel office, sometimes booked by a relative.

    No source gives the share of tickets paid in cash (facts 4a: card
    dominates online; cash is still taken at offices); 0.3% of travelers is
    an assumption. A relative who interprets draws a report now and then.
    """
    rng = b.rng
    nationality = b.ordinary_nationality()
    elder = b.person(rng.randint(65, 88), nationality=nationality)
    people = [elder]
    if rng.random() < 0.3 and room >= 2:
        people.append(b.person(rng.randint(35, 60), nationality=nationality))
    ticket = Ticket(
        hours_ahead(rng, 0.15),
        _one_way(b, 0.2),
        pb.PAYMENT_FORM_CASH,
        b.opaque("P"),
        None if rng.random() < 0.1 else rng.random() < 0.7,
        agency=b.opaque("A") if rng.random() < 0.6 else "",
    )
    interpreted = Watch(0.01, ((SILENT, 3), (UNAWARE, 1)), 0.5)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=family,
            bags=lambda _: bags_between(rng, 1, 2, 0.02),
            visa="B2",
            watch=lambda p: interpreted if p is elder else NOISE,
        )
    )
    planted.labels += [s.label(p, "lookalike") for p in people]
    return planted


def crew_deadheading(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Airline crew positioning as passengers: one-way, airline-paid, booked hours ahead.

    No source gives the share; 0.2% of travelers is an assumption. Half are
    sent as crew, half as ticketed passengers.
    """
    rng = b.rng
    count = min(room, rng.randint(1, 4))
    crew = [b.person(rng.randint(22, 60)) for _ in range(count)]
    ticket = Ticket(rng.uniform(3, 48), ONE_WAY, pb.PAYMENT_FORM_OTHER, b.opaque("P"), False)
    role = pb.TRAVELER_ROLE_CREW if rng.random() < 0.5 else pb.TRAVELER_ROLE_PASSENGER
    planted = Planted()
    planted.parties.append(
        party(
            b,
            crew,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.05),
            role=role,
        )
    )
    planted.labels += [s.label(p, "lookalike") for p in crew]
    return planted


def new_passport_tourist(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """A first trip abroad on a passport issued in the last month, self-paid.

    No source gives the share of travelers on a new passport (facts "Gaps");
    0.5% is an assumption (people apply shortly before a first trip).
    """
    rng = b.rng
    person = b.person(rng.randint(18, 70))
    ticket = Ticket(hours_ahead(rng, 0.1), _one_way(b, 0.25), CARD, b.opaque("P"), True)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [person],
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 1, 2, 0.02),
            visa="B2",
            document_days=lambda _: rng.randint(3, 30),
            watch=_noise,
        )
    )
    planted.labels.append(s.label(person, "lookalike"))
    return planted


def _s(
    name: str,
    share: float,
    mean: float,
    directions: frozenset[pb.Direction.ValueType],
    min_size: int,
    plant: Plant,
) -> Scenario:
    return Scenario(name, "lawful", None, share, mean, directions, min_size, plant)


LAWFUL: Final = (
    _s("unaccompanied_minor", 0.0015, 1.0, BOTH, 1, unaccompanied_minor),
    _s("teen_alone", 0.001, 1.0, BOTH, 1, teen_alone),
    _s("child_with_relative", 0.004, 3.0, BOTH, 2, child_with_relative),
    _s("parent_other_surname", 0.004, 2.5, BOTH, 2, parent_other_surname),
    _s("school_group", 0.003, 22.0, BOTH, 14, school_group),
    _s("sports_team", 0.002, 16.5, BOTH, 14, sports_team),
    _s("seasonal_workers", 0.004, 10.0, BOTH, 4, seasonal_workers),
    _s("refugee_family", 0.0005, 4.0, INBOUND, 1, refugee_family),
    _s("students", 0.004, 1.0, BOTH, 1, students),
    _s("au_pair", 0.0002, 1.0, INBOUND, 1, au_pair),
    _s("last_minute_business", 0.01, 1.0, BOTH, 1, last_minute_business),
    _s("cash_elderly", 0.003, 1.3, BOTH, 1, cash_elderly),
    _s("crew_deadheading", 0.002, 2.5, BOTH, 1, crew_deadheading),
    _s("new_passport_tourist", 0.005, 1.0, BOTH, 1, new_passport_tourist),
)
