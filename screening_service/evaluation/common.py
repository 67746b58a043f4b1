"""Shared parts of the evaluation scenarios: what a scenario is, parties, reports.

A scenario plants one unit (a party or a group of parties) into a flight and
labels every traveler in it. Its ``share`` is the expected share of all
travelers that belong to it; the population turns that into a rate of units
per flight with ``mean_size``. Crew and officer reports are drawn per
traveler with `Watch`: a probability that anyone reported this traveler, and
which codes they would use; no public source counts such reports (the
Blue Lightning Initiative publishes no tip or outcome counts, see
TRAFFICKING_FACTS.md section 2a), so every rate of a `Watch` is an
assumption, stated where it is set.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import sqrt
from typing import Final

from screening_service.evaluation.labels import Kind, Label, Role
from screening_service.evaluation.people import FlightBuilder, Person, Ticket
from screening_service.evaluation.records import RELATIONSHIP, TRAVELER_ROLE, Body, companion
from screening_service.proto import pb

Party = list[Body]
Relation = Callable[[Person, Person], "pb.Relationship.ValueType"]
INBOUND: Final = frozenset({pb.DIRECTION_INBOUND})
OUTBOUND: Final = frozenset({pb.DIRECTION_OUTBOUND})
BOTH: Final = INBOUND | OUTBOUND

CREW: Final = pb.OBSERVATION_SOURCE_CREW
OFFICER: Final = pb.OBSERVATION_SOURCE_OFFICER
HELD: Final = pb.OBSERVATION_CODE_DOCUMENTS_HELD_BY_OTHER
SILENT: Final = pb.OBSERVATION_CODE_DOES_NOT_SPEAK_FOR_SELF
UNAWARE: Final = pb.OBSERVATION_CODE_UNAWARE_OF_DESTINATION
FEAR: Final = pb.OBSERVATION_CODE_SIGNS_OF_CONTROL_OR_FEAR
SCRIPTED: Final = pb.OBSERVATION_CODE_SCRIPTED_ANSWERS
UNRELATED: Final = pb.OBSERVATION_CODE_MINOR_NOT_RELATED_TO_ADULT
OTHER: Final = pb.OBSERVATION_CODE_OTHER
_NONE: Final = RELATIONSHIP[pb.RELATIONSHIP_NONE]


@dataclass
class Planted:
    parties: list[Party] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parties)


Plant = Callable[[FlightBuilder, int, "Scenario"], Planted]


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: Kind
    typology: str | None
    share: float
    mean_size: float
    directions: frozenset[pb.Direction.ValueType]
    min_size: int
    plant: Plant

    def label(self, person: Person, role: Role) -> Label:
        return Label(person.traveler_id, role, self.kind, self.typology, self.name)


@dataclass(frozen=True)
class Watch:
    """Who might report a traveler: P(at least one report), codes (weighted), officer share.

    One traveler in ten with a report gets a second one; a report is coded
    OTHER with probability ``vague`` (a report that names no listed sign).
    """

    rate: float
    codes: tuple[tuple[pb.ObservationCode.ValueType, float], ...]
    officer_share: float = 0.4
    vague: float = 0.1


def observe(b: FlightBuilder, watch: Watch | None) -> list[Body]:
    rng = b.rng
    if watch is None or rng.random() >= watch.rate:
        return []
    return _reports(b, watch)


def _reports(b: FlightBuilder, watch: Watch) -> list[Body]:
    """The reports about a traveler someone reported (`observe` drew that already)."""
    rng = b.rng
    codes = [c for c, _ in watch.codes]
    weights = [w for _, w in watch.codes]
    count = 2 if rng.random() < 0.1 else 1
    reports = []
    for code in rng.choices(codes, weights, k=count):
        source = OFFICER if rng.random() < watch.officer_share else CREW
        reports.append(b.observation(OTHER if rng.random() < watch.vague else code, source))
    return reports


def hours_ahead(rng: random.Random, within_3_days: float) -> float:
    """Hours from booking to departure.

    IATA: 18% of bookings in May 2019 were for travel within 3 days and 49%
    were 20 or more days ahead (TRAFFICKING_FACTS.md 4a); the shape inside
    those bands (uniform within 3 days, triangular 3-120 days with a mode at
    21) is an assumption. No source gives the share within 24 hours; the
    uniform band puts a third of the 3-day bookings there.
    """
    draw = rng.random
    if draw() < within_3_days:
        return 1.5 + 70.5 * draw()  # rng.uniform(1.5, 72.0)
    # rng.triangular(3.0, 120.0, 21.0), its arithmetic step by step, without the call.
    u = draw()
    if u > _MODE:
        return (120.0 + -117.0 * sqrt((1.0 - u) * _ABOVE_MODE)) * 24
    return (3.0 + 117.0 * sqrt(u * _MODE)) * 24


_MODE: Final = (21.0 - 3.0) / (120.0 - 3.0)
_ABOVE_MODE: Final = 1.0 - _MODE


def party(
    b: FlightBuilder,
    people: Sequence[Person],
    ticket: Ticket,
    *,
    relation: Relation,
    bags: Callable[[Person], int | None],
    visa: str = "",
    document_days: Callable[[Person], int | None] = lambda _: None,
    watch: Callable[[Person], Watch | None] = lambda _: None,
    connect: bool = False,
    role: pb.TravelerRole.ValueType = pb.TRAVELER_ROLE_PASSENGER,
    buyer: Person | None = None,
) -> Party:
    """One booking (one record locator, one ticket) for ``people``, each listing the others.

    With ``buyer`` (a member of the party who bought every ticket) the
    buyer's ticket says the purchaser travels and the others' say not.
    """
    locator = b.locator()
    journey = b.segments(connect=connect)
    counts = [bags(p) for p in people]
    paying = others = ticket
    if buyer is not None:
        paying = ticket.bought_by_traveler(True)
        others = ticket.bought_by_traveler(False)
    booking_of: dict[tuple[int | None, bool], Body] = {}
    itinerary = journey.itinerary
    alone = len(people) == 1
    draw = b.rng.random
    traveler = b.traveler
    role_name = TRAVELER_ROLE[role]
    travelers: Party = []
    for person, count in zip(people, counts, strict=True):
        key = (count, person is buyer)
        booking = booking_of.get(key)
        if booking is None:
            chosen = paying if person is buyer else others
            booking = booking_of[key] = b.booking(chosen, locator, count, journey.first_departure)
        if alone:
            listed = None
        elif relation is none_related:
            listed = [
                {"traveler_id": o.traveler_id, "relationship": _NONE}
                for o in people
                if o is not person
            ]
        else:
            listed = [
                companion(o.traveler_id, relation(person, o)) for o in people if o is not person
            ]
        # Drawn in this order: whether anyone reported the traveler (and what),
        # then the passport. `observe`, without a call for the unreported.
        seen = watch(person)
        reports = None if seen is None or draw() >= seen.rate else _reports(b, seen)
        travelers.append(
            traveler(
                person, booking, itinerary, listed, reports, document_days(person), visa, role_name
            )
        )
    return travelers


def none_related(_a: Person, _b: Person) -> pb.Relationship.ValueType:
    return pb.RELATIONSHIP_NONE


def family(a: Person, other: Person) -> pb.Relationship.ValueType:
    """Parents and children by age (a gap of 16 years or more), else siblings or spouses."""
    if other.age - a.age >= 16:
        return pb.RELATIONSHIP_PARENT
    if a.age - other.age >= 16:
        return pb.RELATIONSHIP_OTHER_RELATIVE
    if a.age >= 18 and other.age >= 18:
        return pb.RELATIONSHIP_SPOUSE
    return pb.RELATIONSHIP_SIBLING


def bags_between(rng: random.Random, low: int, high: int, missing: float) -> int | None:
    """``missing``: the share of bookings whose PNR does not send the bag count."""
    if rng.random() < missing:
        return None
    # rng.randint(low, high): the same rejection sampling, inline.
    width = high - low + 1
    bits = width.bit_length()
    r = rng.getrandbits(bits)
    while r >= width:
        r = rng.getrandbits(bits)
    return low + r
