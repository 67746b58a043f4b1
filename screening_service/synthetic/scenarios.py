"""Planted trafficking scenarios, modelled on public indicator guidance.

Each scenario plants a few travelers into a flight and says who they are:
``involved`` (every planted traveler, escorts included) and ``subjects`` (the
travelers the indicators describe, whom a rule pack is expected to refer).
The patterns follow the DHS Blue Campaign and Blue Lightning Initiative
indicators, the US DOT "Human trafficking indicators for transportation
employees", ICAO Circular 352 and Polaris: travel arranged and paid by
someone who does not travel, cash, purchases hours before departure, one-way
tickets, minors without a parent or guardian, documents held by a companion,
a companion who speaks for the traveler, newly issued documents. Where the
literature describes the booking too, the booking carries the indicators
(third party, cash, hours before departure, one-way), so a subject does not
hang on a single rule; tests/synthetic/test_referrals.py checks that the
bundled pack refers every subject.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from screening_service.proto import pb
from screening_service.synthetic.parties import Party
from screening_service.synthetic.travelers import HOUR, FlightBuilder, Person

LONE_MINOR_THIRD_PARTY_CASH: Final = "lone_minor_third_party_cash"
YOUNG_GROUP_ONE_PURCHASER: Final = "young_group_one_purchaser"
DOCUMENTS_HELD_REPORT: Final = "documents_held_report"
CONTROLLED_COMPANION: Final = "controlled_companion"
MINOR_UNRELATED_ADULT_SHARED_CONTACT: Final = "minor_unrelated_adult_shared_contact"
RECENT_DOCUMENT_ONE_WAY_CASH: Final = "recent_document_one_way_cash"


@dataclass(frozen=True)
class Planted:
    """Parties planted by one scenario instance (each party is seated together)."""

    parties: list[Party]
    subjects: list[str]
    escorts: list[str] = field(default_factory=list)

    @property
    def involved(self) -> list[str]:
        return [*self.subjects, *self.escorts]

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parties)


@dataclass(frozen=True)
class Scenario:
    name: str
    min_size: int
    plant: Callable[[FlightBuilder, int], Planted]


def _victim_nationality(b: FlightBuilder) -> str:
    """Mostly the foreign end of the flight; sometimes the port country or elsewhere."""
    return b.nationality(home_share=0.15, foreign_share=0.7)


def _last_minute(b: FlightBuilder) -> int:
    """A booking instant 2-22 hours before the manifest flight."""
    return b.plan.leg.departs - int(b.rng.uniform(2.0, 22.0) * HOUR)


def _alone(
    b: FlightBuilder,
    person: Person,
    *,
    booked_at: int,
    ticket: pb.TicketType.ValueType = pb.TICKET_TYPE_ONE_WAY,
    payment: pb.PaymentForm.ValueType = pb.PAYMENT_FORM_CASH,
    purchaser_id: str | None = None,
    contact: str | None = None,
    document: pb.TravelDocument | None = None,
) -> pb.Traveler:
    """A traveler alone on a booking bought by someone who does not travel."""
    booking = b.booking(
        locator=b.locator(),
        booked_at=booked_at,
        ticket=ticket,
        payment=payment,
        purchaser_id=purchaser_id or b.opaque("P"),
        purchaser_is_traveler=False,
        contact=contact or b.opaque("C"),
        bags=b.rng.choice((0, 0, 1)),
    )
    return b.traveler(
        person,
        journey=b.journey(),
        booking=booking,
        document=document,
        visa=b.visa(person, "B2"),
    )


def lone_minor_third_party_cash(b: FlightBuilder, room: int) -> Planted:
    """A child of 12-16 alone on a one-way cash ticket bought hours ago by a non-traveler."""
    minor = b.person(b.rng.randint(12, 16), nationality=_victim_nationality(b))
    traveler = _alone(b, minor, booked_at=_last_minute(b))
    return Planted([[traveler]], [minor.traveler_id])


def young_group_one_purchaser(b: FlightBuilder, room: int) -> Planted:
    """3-5 travelers of 19-23 on separate one-way cash bookings, one non-travelling purchaser."""
    rng = b.rng
    size = rng.randint(3, min(5, room))
    nationality = _victim_nationality(b)
    female = rng.random() < 0.7
    purchaser = b.opaque("P")
    contact = b.opaque("C") if rng.random() < 0.7 else None
    booked_at = _last_minute(b)
    parties: list[Party] = []
    for _ in range(size):
        person = b.person(rng.randint(19, 23), nationality=nationality, female=female)
        parties.append(
            [
                _alone(
                    b,
                    person,
                    booked_at=booked_at + rng.randint(0, 45) * 60,
                    purchaser_id=purchaser,
                    contact=contact,
                )
            ]
        )
    return Planted(parties, [p[0].traveler_id for p in parties])


_CLAIMED_TIES: Final = (
    pb.RELATIONSHIP_NONE,
    pb.RELATIONSHIP_OTHER_RELATIVE,
    pb.RELATIONSHIP_SPOUSE,
    pb.RELATIONSHIP_UNKNOWN,
)


def _escorted(
    b: FlightBuilder,
    *,
    escort_pays: bool,
    observations: list[pb.Observation],
    ticket: pb.TicketType.ValueType,
    payment: pb.PaymentForm.ValueType,
    booked_at: int,
) -> Planted:
    """A young adult and an older escort on one booking; the reports are about the former."""
    rng = b.rng
    nationality = _victim_nationality(b)
    victim = b.person(rng.randint(18, 28), nationality=nationality, female=rng.random() < 0.75)
    escort = b.person(
        rng.randint(26, 50),
        nationality=nationality if rng.random() < 0.6 else b.nationality(),
        female=rng.random() < 0.3,
    )
    tie = rng.choice(_CLAIMED_TIES)
    locator, purchaser, contact = b.locator(), b.opaque("P"), b.opaque("C")
    journey = b.journey()
    party: Party = []
    for person, other, reports, pays in (
        (victim, escort, observations, False),
        (escort, victim, [], escort_pays),
    ):
        booking = b.booking(
            locator=locator,
            booked_at=booked_at,
            ticket=ticket,
            payment=payment,
            purchaser_id=purchaser,
            purchaser_is_traveler=pays,
            contact=contact,
            bags=rng.choice((0, 1)),
        )
        party.append(
            b.traveler(
                person,
                journey=journey,
                booking=booking,
                companions=[pb.Companion(traveler_id=other.traveler_id, relationship=tie)],
                observations=reports,
                visa=b.visa(person, "B2"),
            )
        )
    return Planted([party], [victim.traveler_id], [escort.traveler_id])


def documents_held_report(b: FlightBuilder, room: int) -> Planted:
    """Crew report that the companion holds the traveler's passport; the escort paid."""
    rng = b.rng
    report = b.observation(
        pb.OBSERVATION_CODE_DOCUMENTS_HELD_BY_OTHER,
        pb.OBSERVATION_SOURCE_CREW,
        "Companion holds the passenger's passport and boarding pass",
    )
    return _escorted(
        b,
        escort_pays=True,
        observations=[report],
        ticket=pb.TICKET_TYPE_ONE_WAY if rng.random() < 0.8 else pb.TICKET_TYPE_ROUND_TRIP,
        payment=pb.PAYMENT_FORM_CASH if rng.random() < 0.5 else pb.PAYMENT_FORM_CARD,
        booked_at=b.plan.leg.departs - rng.randint(24, 168) * HOUR,
    )


def controlled_companion(b: FlightBuilder, room: int) -> Planted:
    """Fearful traveler whose companion answers for them; a third party paid cash hours ago."""
    source = pb.OBSERVATION_SOURCE_CREW if b.rng.random() < 0.7 else pb.OBSERVATION_SOURCE_OFFICER
    reports = [
        b.observation(
            pb.OBSERVATION_CODE_SIGNS_OF_CONTROL_OR_FEAR,
            source,
            "Appeared fearful and avoided contact with crew",
        ),
        b.observation(
            pb.OBSERVATION_CODE_DOES_NOT_SPEAK_FOR_SELF,
            source,
            "Companion answered every question put to the passenger",
        ),
    ]
    return _escorted(
        b,
        escort_pays=False,
        observations=reports,
        ticket=pb.TICKET_TYPE_ONE_WAY,
        payment=pb.PAYMENT_FORM_CASH,
        booked_at=_last_minute(b),
    )


def minor_unrelated_adult_shared_contact(b: FlightBuilder, room: int) -> Planted:
    """A child without guardian and an unrelated adult on two bookings with one phone number."""
    rng = b.rng
    contact = b.opaque("C")
    booked_at = b.plan.leg.departs - int(rng.uniform(4, 96) * HOUR)
    minor = b.person(rng.randint(12, 16), nationality=_victim_nationality(b))
    child = _alone(
        b,
        minor,
        booked_at=booked_at,
        ticket=pb.TICKET_TYPE_ONE_WAY if rng.random() < 0.8 else pb.TICKET_TYPE_ROUND_TRIP,
        payment=pb.PAYMENT_FORM_CASH if rng.random() < 0.5 else pb.PAYMENT_FORM_CARD,
        contact=contact,
    )
    adult = b.person(rng.randint(25, 55), nationality=b.nationality())
    booking = b.booking(
        locator=b.locator(),
        booked_at=booked_at - rng.randint(1, 50) * 60,
        ticket=pb.TICKET_TYPE_ONE_WAY if rng.random() < 0.5 else pb.TICKET_TYPE_ROUND_TRIP,
        payment=pb.PAYMENT_FORM_CASH if rng.random() < 0.5 else pb.PAYMENT_FORM_CARD,
        purchaser_id=b.opaque("P"),
        purchaser_is_traveler=True,
        contact=contact,
        bags=rng.choice((0, 1)),
    )
    escort = b.traveler(adult, journey=b.journey(), booking=booking, visa=b.visa(adult, "B2"))
    return Planted([[child], [escort]], [minor.traveler_id], [adult.traveler_id])


def recent_document_one_way_cash(b: FlightBuilder, room: int) -> Planted:
    """A passport issued within 30 days; one-way cash ticket bought hours ago by a non-traveler."""
    rng = b.rng
    person = b.person(rng.randint(18, 30), nationality=_victim_nationality(b))
    document = b.document(person, days_since_issue=rng.randint(3, 27))
    traveler = _alone(b, person, booked_at=_last_minute(b), document=document)
    return Planted([[traveler]], [person.traveler_id])


SCENARIOS: Final[Mapping[str, Scenario]] = MappingProxyType(
    {
        s.name: s
        for s in (
            Scenario(LONE_MINOR_THIRD_PARTY_CASH, 1, lone_minor_third_party_cash),
            Scenario(YOUNG_GROUP_ONE_PURCHASER, 3, young_group_one_purchaser),
            Scenario(DOCUMENTS_HELD_REPORT, 2, documents_held_report),
            Scenario(CONTROLLED_COMPANION, 2, controlled_companion),
            Scenario(MINOR_UNRELATED_ADULT_SHARED_CONTACT, 2, minor_unrelated_adult_shared_contact),
            Scenario(RECENT_DOCUMENT_ONE_WAY_CASH, 1, recent_document_one_way_cash),
        )
    }
)
SCENARIO_NAMES: Final = tuple(SCENARIOS)
