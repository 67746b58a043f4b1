"""Trafficking scenarios written from public case typologies.

Every scenario cites the case pattern it follows (TRAFFICKING_FACTS.md,
section 3, and the GLOTIP shares in section 1). What the cases document is
reproduced (one-way tickets bought by a recruiter, fraudulently obtained
visas, new passports, a controlling companion, few belongings); what they do
not document is left to chance or to ordinary travel, so not every victim
carries an indicator: guest workers trafficked through a lawful visa channel
look like lawful guest workers except for what an officer or crew member
notices.

Prevalence: no source gives the share of air travellers who are trafficking
victims (facts file, "Gaps"). The shares below (about 0.5% of travelers in
total) are a design choice that gives every typology enough victims to
measure recall, not an estimate. The split between typologies follows GLOTIP
2024 (children 38% of detected victims; forced labour 42% and sexual
exploitation 38%): child 30%, sex 30%, labour 28%, domestic servitude 12% of
planted victims (domestic servitude is a part of forced labour that GLOTIP
does not separate; 12% is an assumption).

Crew and officer reports: no public count of Blue Lightning tips or outcomes
exists (facts 2a), so every report rate here is an assumption: about a third
of victims are reported, fewer when they travel alone, more when a
controlling companion is there to be noticed; group cases are noticed (or
not) as a group.
"""

from __future__ import annotations

from typing import Final

from screening_service.evaluation.common import (
    BOTH,
    FEAR,
    HELD,
    INBOUND,
    OUTBOUND,
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

CARD: Final = pb.PAYMENT_FORM_CARD
CASH: Final = pb.PAYMENT_FORM_CASH
UNKNOWN_PAYMENT: Final = pb.PAYMENT_FORM_UNKNOWN
ONE_WAY: Final = pb.TICKET_TYPE_ONE_WAY
ROUND_TRIP: Final = pb.TICKET_TYPE_ROUND_TRIP

# Source countries named in the cases (facts section 3) and GLOTIP regions of
# origin (Sub-Saharan Africa largest, South Asian victims in 36 countries).
LABOUR_ORIGINS: Final = ("MEX", "GTM", "HND", "THA", "IND", "PHL")
SEX_ORIGINS: Final = ("THA", "NGA", "PHL", "COL", "UKR", "MEX")
DOMESTIC_ORIGINS: Final = ("PHL", "IND", "IDN", "ETH", "KEN", "LKA")


def _origin(b: FlightBuilder, origins: tuple[str, ...], foreign_share: float) -> str:
    """The flight's foreign end when it is a source country, else one of ``origins``."""
    rng = b.rng
    if b.foreign() in origins or rng.random() < foreign_share:
        return b.foreign()
    return rng.choice(origins)


def _third_party(b: FlightBuilder, missing: float) -> bool | None:
    """Bought by someone else; ``missing``: the PNR does not say who bought it."""
    return None if b.rng.random() < missing else False


def guestworker_debt(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Labour: a group on H-2A/H-2B visas recruited with unlawful fees, passports taken.

    Follows Operation Blooming Onion (S.D. Ga. 2021: workers from Mexico,
    Guatemala and Honduras, unlawful transport fees, passports confiscated),
    Global Horizons (Thai farm workers, fees of $9,500-21,000) and Signal
    International (Indian welders on H-2B, fees including travel). Facts 3.4
    and 3.5. H-2A employers must pay inbound travel, so the one-way,
    employer-paid group ticket is what lawful guest workers have too
    (lawful.seasonal_workers); a recruiter travels with half of the groups
    (assumption) and then holds the passports (the confiscation the cases
    describe, seen at the document check).
    """
    rng = b.rng
    size = min(room - 1, rng.randint(4, 12))
    nationality = _origin(b, LABOUR_ORIGINS, 0.3)
    workers = [
        b.person(rng.randint(19, 45), nationality=nationality, female=rng.random() < 0.15)
        for _ in range(size)
    ]
    escorted = rng.random() < 0.5
    noticed = rng.random() < (0.45 if escorted else 0.15)
    watch = Watch(0.8 if noticed else 0.0, ((HELD, 3), (SCRIPTED, 2), (SILENT, 2), (FEAR, 1)), 0.7)
    recruiter = b.opaque("P")
    ticket = Ticket(
        hours_ahead(rng, 0.15),
        ONE_WAY if rng.random() < 0.9 else ROUND_TRIP,
        CARD if rng.random() < 0.7 else UNKNOWN_PAYMENT,
        recruiter,
        _third_party(b, 0.3),
        agency=b.opaque("A") if rng.random() < 0.8 else "",
        contact=b.opaque("C"),
    )
    visa = "H2A" if rng.random() < 0.6 else "H2B"
    planted = Planted()
    planted.parties.append(
        party(
            b,
            workers,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.1),
            visa=visa,
            document_days=lambda _: rng.randint(5, 60) if rng.random() < 0.5 else None,
            watch=lambda _: watch,
        )
    )
    planted.labels += [s.label(w, "victim") for w in workers]
    if escorted:
        escort = b.person(rng.randint(28, 55), nationality=rng.choice((nationality, "USA")))
        own = Ticket(ticket.hours_ahead, ROUND_TRIP, CARD, recruiter, True, contact=ticket.contact)
        planted.parties.append(
            party(b, [escort], own, relation=none_related, bags=lambda _: 1, visa="B1")
        )
        planted.labels.append(s.label(escort, "escort"))
    return planted


def posing_tourist(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Labour, outbound: workers travelling as tourists to a job abroad.

    Follows the Philippine Bureau of Immigration offloads (facts 3.9, 4f):
    passengers on "tourist" trips who were going to work, mostly in the
    Middle East, on documents a recruiter processed. The decoy round trip and
    a self-paid ticket in some cases are assumptions.
    """
    rng = b.rng
    size = min(room, rng.randint(1, 3))
    nationality = _origin(b, ("PHL", "IND", "NPL", "KEN", "ETH"), 0.2)
    people = [b.person(rng.randint(21, 40), nationality=nationality) for _ in range(size)]
    ticket = Ticket(
        hours_ahead(rng, 0.3),
        ROUND_TRIP if rng.random() < 0.5 else ONE_WAY,
        CASH if rng.random() < 0.2 else CARD,
        b.opaque("P"),
        _third_party(b, 0.3) if rng.random() < 0.7 else True,
        agency=b.opaque("A") if rng.random() < 0.5 else "",
    )
    watch = Watch(0.25, ((SCRIPTED, 3), (UNAWARE, 2), (FEAR, 1)), 0.8)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.1),
            document_days=lambda _: rng.randint(5, 90) if rng.random() < 0.4 else None,
            watch=lambda _: watch,
        )
    )
    planted.labels += [s.label(p, "victim") for p in people]
    return planted


def visa_fraud_group(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Sex: women flown in on fraudulently obtained visas under debt bondage.

    Follows the Thai organisation prosecuted in D. Minnesota (2016-2017:
    hundreds of women flown from Bangkok on fraudulently obtained visas, debts
    of $40,000-60,000, who paid their own travel and could leave only when
    accompanied) and the Nigerian gang flying women into Gatwick on forged
    documents (facts 3.3). Self-paid tickets in 40% of cases follow the
    Minnesota case; an escort in 60% of groups is an assumption.
    """
    rng = b.rng
    size = min(room - 1, rng.randint(2, 5))
    nationality = _origin(b, SEX_ORIGINS, 0.3)
    women = [
        b.person(rng.randint(18, 30), nationality=nationality, female=True) for _ in range(size)
    ]
    escorted = rng.random() < 0.6
    self_paid = rng.random() < 0.4
    ticket = Ticket(
        hours_ahead(rng, 0.3),
        ONE_WAY if rng.random() < 0.6 else ROUND_TRIP,
        CARD if rng.random() < 0.8 else CASH,
        b.opaque("P"),
        True if self_paid else _third_party(b, 0.2),
        contact=b.opaque("C"),
    )
    watch = Watch(0.4 if escorted else 0.2, ((FEAR, 3), (SILENT, 3), (HELD, 2), (SCRIPTED, 1)))
    planted = Planted()
    planted.parties.append(
        party(
            b,
            women,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 2, 0.1),
            visa="B2",
            document_days=lambda _: rng.randint(10, 120) if rng.random() < 0.5 else None,
            watch=lambda _: watch,
        )
    )
    planted.labels += [s.label(w, "victim") for w in women]
    if escorted:
        escort = b.person(rng.randint(25, 50), nationality=rng.choice((nationality, "USA")))
        own = Ticket(
            ticket.hours_ahead, ROUND_TRIP, CARD, b.opaque("P"), True, contact=ticket.contact
        )
        planted.parties.append(
            party(b, [escort], own, relation=none_related, bags=lambda _: 1, visa="B2")
        )
        planted.labels.append(s.label(escort, "escort"))
    return planted


def online_recruit_adult(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Sex: a young woman flying to meet someone met online who paid the ticket.

    Follows the October 2012 case (an 18-year-old first-time flyer; the
    purchaser was a woman in another state) and the AAI indicator of a
    "modelling job" without knowing who will meet her (facts 3.1, 2d).
    """
    rng = b.rng
    woman = b.person(rng.randint(18, 24), female=True)
    ticket = Ticket(
        hours_ahead(rng, 0.5),
        ONE_WAY if rng.random() < 0.8 else ROUND_TRIP,
        CARD,
        b.opaque("P"),
        _third_party(b, 0.2),
    )
    watch = Watch(0.3, ((UNAWARE, 3), (SCRIPTED, 1), (FEAR, 1)), 0.5)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [woman],
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.05),
            visa="B2",
            document_days=lambda _: rng.randint(5, 60) if rng.random() < 0.4 else None,
            watch=lambda _: watch,
        )
    )
    planted.labels.append(s.label(woman, "victim"))
    return planted


def online_recruit_minor(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Child: girls flown alone on a one-way ticket bought with someone else's card.

    Follows Sacramento, August 2017 (two girls of 15 and 17, one-way tickets
    bought by a man met on Instagram with a fraudulent card, a few small bags,
    no adult, parents unaware; an airline agent refused boarding). Facts 3.1.
    """
    rng = b.rng
    size = min(room, 1 if rng.random() < 0.6 else 2)
    nationality = b.ordinary_nationality()
    girls = [
        b.person(rng.randint(14, 17), nationality=nationality, female=rng.random() < 0.85)
        for _ in range(size)
    ]
    ticket = Ticket(
        hours_ahead(rng, 0.6),
        ONE_WAY if rng.random() < 0.85 else ROUND_TRIP,
        CARD,
        b.opaque("P"),
        _third_party(b, 0.15),
    )
    watch = Watch(0.35, ((UNAWARE, 3), (FEAR, 1), (SCRIPTED, 1)), 0.5)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            girls,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.05),
            visa="B2",
            watch=lambda _: watch,
        )
    )
    planted.labels += [s.label(g, "victim") for g in girls]
    return planted


def unrelated_adult(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Child: a minor with an adult who claims to be a parent but is not related.

    Follows BLI indicator 4 (a child with someone claiming to be the parent
    who is not related), the Alaska Airlines Seattle-San Francisco case (a
    girl of 14-15 beside a defensive older man) and the Houston case of a
    minor on an altered passport (facts 2a, 3.2). The record carries what
    the adult declares: PARENT in 60% of cases (assumption), otherwise
    another relative or nothing.
    """
    rng = b.rng
    adult = b.person(rng.randint(25, 55), female=rng.random() < 0.3)
    count = min(room - 1, 1 if rng.random() < 0.7 else 2)
    minors = [b.person(rng.randint(8, 17), female=rng.random() < 0.7) for _ in range(count)]
    draw = rng.random()
    claimed = (
        pb.RELATIONSHIP_PARENT
        if draw < 0.6
        else pb.RELATIONSHIP_OTHER_RELATIVE
        if draw < 0.85
        else pb.RELATIONSHIP_UNKNOWN
    )

    def relation(a: Person, other: Person) -> pb.Relationship.ValueType:
        if other is adult:
            return claimed
        return pb.RELATIONSHIP_OTHER_RELATIVE if a is adult else pb.RELATIONSHIP_SIBLING

    ticket = Ticket(
        hours_ahead(rng, 0.35),
        ONE_WAY if rng.random() < 0.6 else ROUND_TRIP,
        CASH if rng.random() < 0.25 else CARD,
        b.opaque("P"),
        True if rng.random() < 0.7 else _third_party(b, 0.3),
    )
    watch = Watch(0.4, ((UNRELATED, 4), (FEAR, 3), (SILENT, 2)), 0.5)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [adult, *minors],
            ticket,
            relation=relation,
            bags=lambda p: bags_between(rng, 0, 1, 0.05),
            visa="B2",
            document_days=lambda p: (
                rng.randint(3, 60) if p is not adult and rng.random() < 0.3 else None
            ),
            watch=lambda p: None if p is adult else watch,
        )
    )
    planted.labels += [s.label(m, "victim") for m in minors]
    planted.labels.append(s.label(adult, "escort"))
    return planted


def minor_posing_adult(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Child, outbound: minors travelling as adults on fraudulently obtained papers.

    Follows the Philippine offloads of 2018 (67 minors in one month posing as
    adults with genuine but fraudulently obtained work permits; 151 minors
    bound for Saudi Arabia misdeclaring their age). Facts 3.9. The record
    shows the declared age (18-20), so nothing in it says minor; only the new
    passport and an officer's doubt can.
    """
    rng = b.rng
    size = min(room, rng.randint(1, 3))
    nationality = _origin(b, ("PHL", "IDN", "ETH", "KEN", "NPL"), 0.2)
    people = [
        b.person(rng.randint(18, 20), nationality=nationality, female=rng.random() < 0.8)
        for _ in range(size)
    ]
    ticket = Ticket(
        hours_ahead(rng, 0.2),
        ONE_WAY if rng.random() < 0.8 else ROUND_TRIP,
        CARD if rng.random() < 0.7 else UNKNOWN_PAYMENT,
        b.opaque("P"),
        _third_party(b, 0.4),
        agency=b.opaque("A") if rng.random() < 0.7 else "",
    )
    watch = Watch(0.3, ((SCRIPTED, 3), (UNAWARE, 1), (FEAR, 1)), 0.8)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            people,
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.1),
            document_days=lambda _: rng.randint(5, 45) if rng.random() < 0.7 else None,
            watch=lambda _: watch,
        )
    )
    planted.labels += [s.label(p, "victim") for p in people]
    return planted


def domestic_with_employer(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Domestic servitude: a household worker travelling with the employer's family.

    Follows GAO-08-892 (42 A-3/G-5 household workers alleging abuse by
    diplomats, 2000-2008) and the State Department red flag of an employer
    holding identity documents (facts 3.7, 2e). The worker is on the family's
    booking, bought by the employer; the family are labelled escorts.
    """
    rng = b.rng
    nationality = _origin(b, DOMESTIC_ORIGINS, 0.1)
    worker = b.person(rng.randint(22, 50), nationality=nationality, female=rng.random() < 0.9)
    employer_country = b.foreign() if rng.random() < 0.7 else rng.choice(("SAU", "ARE", "QAT"))
    employer = b.person(rng.randint(35, 60), nationality=employer_country)
    kids = min(max(0, room - 2), rng.randint(0, 2))
    children = [b.person(rng.randint(3, 15), nationality=employer_country) for _ in range(kids)]
    household = [employer, *children]

    def relation(a: Person, other: Person) -> pb.Relationship.ValueType:
        if a is worker or other is worker:
            return pb.RELATIONSHIP_NONE
        return family(a, other)

    ticket = Ticket(
        hours_ahead(rng, 0.2),
        ROUND_TRIP if rng.random() < 0.6 else ONE_WAY,
        CARD,
        b.opaque("P"),
        None if rng.random() < 0.2 else False,
    )
    employer_ticket = Ticket(ticket.hours_ahead, ticket.ticket, CARD, ticket.purchaser, True)
    watch = Watch(0.35, ((HELD, 3), (SILENT, 3), (FEAR, 2)), 0.5)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [worker],
            ticket,
            relation=relation,
            bags=lambda _: bags_between(rng, 0, 1, 0.1),
            visa="A3" if rng.random() < 0.6 else "G5",
            watch=lambda _: watch,
        )
    )
    planted.parties.append(
        party(
            b,
            household,
            employer_ticket,
            relation=relation,
            bags=lambda _: bags_between(rng, 1, 2, 0.02),
            visa="A1",
        )
    )
    planted.labels.append(s.label(worker, "victim"))
    planted.labels += [s.label(p, "escort") for p in household]
    return planted


def recruited_nanny(b: FlightBuilder, room: int, s: Scenario) -> Planted:
    """Domestic servitude, outbound: a woman recruited online as a nanny abroad.

    Follows the 2022 Philippine cases: women posing as a nanny or tourist,
    recruited through social media by recruiters who "processed all their
    travel documents", bound for Syria, Lebanon or Dubai (facts 3.9).
    """
    rng = b.rng
    woman = b.person(
        rng.randint(20, 40), nationality=_origin(b, DOMESTIC_ORIGINS, 0.2), female=True
    )
    ticket = Ticket(
        hours_ahead(rng, 0.3),
        ONE_WAY if rng.random() < 0.6 else ROUND_TRIP,
        CARD,
        b.opaque("P"),
        _third_party(b, 0.3),
        agency=b.opaque("A") if rng.random() < 0.5 else "",
    )
    watch = Watch(0.25, ((SCRIPTED, 2), (UNAWARE, 2), (FEAR, 1)), 0.7)
    planted = Planted()
    planted.parties.append(
        party(
            b,
            [woman],
            ticket,
            relation=none_related,
            bags=lambda _: bags_between(rng, 0, 1, 0.1),
            document_days=lambda _: rng.randint(5, 60) if rng.random() < 0.5 else None,
            watch=lambda _: watch,
        )
    )
    planted.labels.append(s.label(woman, "victim"))
    return planted


def _s(
    name: str,
    typology: str,
    share: float,
    mean: float,
    directions: frozenset[pb.Direction.ValueType],
    min_size: int,
    plant: Plant,
) -> Scenario:
    return Scenario(name, "trafficking", typology, share, mean, directions, min_size, plant)


TRAFFICKING: Final = (
    _s("labour_guestworker_debt", "labour", 0.0011, 8.5, INBOUND, 5, guestworker_debt),
    _s("labour_posing_tourist", "labour", 0.0004, 2.0, OUTBOUND, 1, posing_tourist),
    _s("sex_visa_fraud_group", "sex", 0.0011, 4.1, INBOUND, 3, visa_fraud_group),
    _s("sex_online_recruit_adult", "sex", 0.0006, 1.0, BOTH, 1, online_recruit_adult),
    _s("child_online_recruit", "child", 0.0005, 1.4, BOTH, 1, online_recruit_minor),
    _s("child_unrelated_adult", "child", 0.0007, 2.3, BOTH, 2, unrelated_adult),
    _s("child_posing_adult", "child", 0.0004, 2.0, OUTBOUND, 1, minor_posing_adult),
    _s(
        "domestic_with_employer",
        "domestic_servitude",
        0.0008,
        3.0,
        INBOUND,
        2,
        domestic_with_employer,
    ),
    _s("domestic_recruited_nanny", "domestic_servitude", 0.0003, 1.0, OUTBOUND, 1, recruited_nanny),
)
