"""PAXLST (APIS, D02B and D05B) messages -> flight drafts.

A message names its flight legs first (TDT groups with LOC/DTM), then one
NAD group per person. Long lists come in parts (UNH ``01:C`` ... ``nn:F``)
that repeat the flight; drafts of one flight are joined later by flight key.
``CNT`` totals and part sequences are checked here, as warnings.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from dataclasses import dataclass, field
from typing import Final

from screening_service.messages.codes import SEX, country, document_type
from screening_service.messages.dates import YearRule, edifact_datetime, yymmdd
from screening_service.messages.edifact import Message, Segment
from screening_service.messages.itinerary import Leg, split_flight_id
from screening_service.messages.manifest import FlightDraft
from screening_service.messages.model import ConversionWarning, MessageError
from screening_service.proto import pb

ROLES: Final = {
    "FL": pb.TRAVELER_ROLE_PASSENGER,
    "FM": pb.TRAVELER_ROLE_CREW,
    "DDT": pb.TRAVELER_ROLE_IN_TRANSIT,  # in-transit passenger
    "DDU": pb.TRAVELER_ROLE_IN_TRANSIT,  # in-transit crew
}
CREW_QUALIFIERS: Final = frozenset({"FM", "DDU"})
PASSENGER_COUNT: Final = "42"
CREW_COUNT: Final = "41"
_ORDER: Final = {"125": 0, "92": 1, "87": 2}


class _Context(enum.Enum):
    NONE = 0
    LEG = 1
    PERSON = 2
    OTHER_PARTY = 3


@dataclass
class _Point:
    qualifier: str
    airport: str
    departs: dt.datetime | None = None
    arrives: dt.datetime | None = None


@dataclass
class _LegGroup:
    segment: int
    flight_id: str
    carrier: str
    points: list[_Point] = field(default_factory=list)


@dataclass
class _Document:
    type_code: str
    number: str
    category: str
    expiry: str = ""
    issued: str = ""
    issuer: str = ""


@dataclass
class _Person:
    segment: int
    qualifier: str
    name: tuple[str, ...]
    sex: str = ""
    birth: str = ""
    nationality: str = ""
    residence: str = ""
    locator: str = ""
    seat: str = ""
    embark: str = ""
    debark: str = ""
    documents: list[_Document] = field(default_factory=list)


@dataclass
class _Part:
    message: Message
    groups: list[_LegGroup] = field(default_factory=list)
    persons: list[_Person] = field(default_factory=list)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # qualifier -> (value, seg)
    warnings: list[ConversionWarning] = field(default_factory=list)


def _read(message: Message) -> _Part:
    """The message's legs, persons and totals, as written (no date resolved yet)."""
    part = _Part(message)
    context = _Context.NONE
    person: _Person | None = None
    point: _Point | None = None
    for s in message.segments:
        tag, qualifier = s.tag, s.get(0)
        if tag == "CNT":
            for element in s.elements:
                if len(element) > 1 and element[1].isdigit() and len(element[1]) < 7:
                    part.counts[element[0]] = (int(element[1]), s.number)
        elif tag == "TDT":
            part.groups.append(_LegGroup(s.number, s.get(1), s.get(4)))
            context, point = _Context.LEG, None
        elif tag == "NAD":
            if qualifier in ROLES:
                person = _Person(s.number, qualifier, s.element(3))
                part.persons.append(person)
                context = _Context.PERSON
            else:
                context = _Context.OTHER_PARTY
        elif context is _Context.LEG:
            point = _leg_segment(part, s, point)
        elif context is _Context.PERSON and person is not None:
            _person_segment(person, s)
    return part


def _leg_segment(part: _Part, s: Segment, point: _Point | None) -> _Point | None:
    group = part.groups[-1]
    if s.tag == "LOC" and s.get(0) in _ORDER:
        point = _Point(s.get(0), s.get(1).upper())
        group.points.append(point)
    elif s.tag == "DTM" and point is not None:
        when = (s.get(0, 1), s.get(0, 2))
        if s.get(0) == "189":
            point.departs = _local(part, s, *when)
        elif s.get(0) == "232":
            point.arrives = _local(part, s, *when)
    return point


def _local(part: _Part, s: Segment, text: str, code: str) -> dt.datetime | None:
    reference = (part.message.sent or dt.datetime.now(dt.UTC)).date()
    try:
        return edifact_datetime(text, code, reference)
    except ValueError:
        part.warnings.append(ConversionWarning(s.number, "BAD_DATE", "leg time unreadable"))
        return None


def _person_segment(person: _Person, s: Segment) -> None:
    tag, qualifier = s.tag, s.get(0)
    document = person.documents[-1] if person.documents else None
    if tag == "ATT" and qualifier == "2":
        person.sex = s.get(2).upper()
    elif tag == "DTM":
        value = s.get(0, 1)
        if qualifier == "329":
            person.birth = value
        elif qualifier == "36" and document is not None:
            document.expiry = value
        elif qualifier == "182" and document is not None:
            document.issued = value
    elif tag == "NAT":
        person.nationality = s.get(1)
    elif tag == "LOC":
        place = s.get(1).upper()
        if qualifier == "174":
            person.residence = place
        elif qualifier == "178":
            person.embark = place
        elif qualifier == "179":
            person.debark = place
        elif qualifier == "91" and document is not None:
            document.issuer = place
    elif tag == "RFF":
        if qualifier == "AVF":
            person.locator = s.get(0, 1)
        elif qualifier == "SEA":
            person.seat = s.get(0, 1).upper()
    elif tag == "DOC":
        person.documents.append(_Document(s.get(0).upper(), s.get(1).upper(), s.get(0, 3)))


def _legs(part: _Part) -> list[Leg]:
    legs: list[Leg] = []
    for group in part.groups:
        ids = split_flight_id(group.flight_id, group.carrier)
        if ids is None:
            part.warnings.append(
                ConversionWarning(group.segment, "BAD_FLIGHT_ID", "TDT flight id is no flight")
            )
            continue
        points = sorted(group.points, key=lambda p: _ORDER[p.qualifier])
        if len(points) < 2:
            part.warnings.append(
                ConversionWarning(group.segment, "INCOMPLETE_LEG", "TDT without two airports")
            )
        for start, end in itertools.pairwise(points):
            legs.append(Leg(*ids, start.airport, end.airport, start.departs, end.arrives))
    return legs


def _country_field(code: str, what: str, segment: int, warnings: list[ConversionWarning]) -> str:
    if not code:
        return ""
    alpha3, converted = country(code)
    if converted:
        warnings.append(ConversionWarning(segment, "COUNTRY_CODE", f"{what} read as alpha-2"))
    elif not alpha3:
        warnings.append(ConversionWarning(segment, "COUNTRY_CODE", f"{what} is no country code"))
    return alpha3


def _date(
    text: str,
    rule: YearRule,
    reference: dt.date,
    what: str,
    p: _Person,
    warns: list[ConversionWarning],
) -> str:
    if not text:
        return ""
    try:
        resolved = yymmdd(text, rule, reference)
    except ValueError:
        warns.append(ConversionWarning(p.segment, "BAD_DATE", f"{what} unreadable"))
        return ""
    if not resolved.sure:
        warns.append(ConversionWarning(p.segment, "UNSURE_CENTURY", f"{what}: century is a guess"))
    return resolved.date.isoformat()


def _traveler(
    p: _Person, index: int, legs: list[Leg], reference: dt.date, warns: list[ConversionWarning]
) -> pb.Traveler:
    t = pb.Traveler(
        traveler_id=f"{index:04d}",
        surname=p.name[0] if p.name else "",
        given_names=" ".join(n for n in p.name[1:] if n),
        role=ROLES[p.qualifier],
    )
    t.date_of_birth = _date(p.birth, YearRule.BIRTH, reference, "date of birth", p, warns)
    if p.sex:
        t.sex = SEX.get(p.sex, pb.SEX_UNSPECIFIED)
        if p.sex not in SEX:
            warns.append(ConversionWarning(p.segment, "UNKNOWN_CODE", "ATT sex code unknown"))
    t.nationality = _country_field(p.nationality, "nationality", p.segment, warns)
    t.country_of_residence = _country_field(p.residence, "residence", p.segment, warns)
    visas = [d for d in p.documents if document_type(d.type_code) == pb.DOCUMENT_TYPE_VISA]
    others = [d for d in p.documents if d not in visas]
    passports = [d for d in others if document_type(d.type_code) == pb.DOCUMENT_TYPE_PASSPORT]
    if main := next(iter(passports or others), None):
        t.document.type = document_type(main.type_code)
        t.document.number = main.number
        t.document.issuing_country = _country_field(main.issuer, "issuer", p.segment, warns)
        t.document.expiry_date = _date(main.expiry, YearRule.EXPIRY, reference, "expiry", p, warns)
        t.document.issue_date = _date(main.issued, YearRule.BIRTH, reference, "issue", p, warns)
    if visas:
        t.visa_category = visas[0].category.upper()
    mine = _own_legs(legs, p.embark, p.debark)
    t.itinerary.segments.extend(leg.to_proto() for leg in mine)
    if p.locator:
        t.booking.record_locator = p.locator
    if p.seat:
        t.booking.seat = p.seat
    return t


def _own_legs(legs: list[Leg], embark: str, debark: str) -> list[Leg]:
    """The legs from the person's embarkation to debarkation, when both are on the flight."""
    starts = [i for i, leg in enumerate(legs) if leg.origin == embark]
    ends = [i for i, leg in enumerate(legs) if leg.destination == debark]
    if starts and ends and starts[0] <= ends[-1]:
        return legs[starts[0] : ends[-1] + 1]
    return legs


def _check_counts(part: _Part, passengers: int, crew: int) -> None:
    for qualifier, parsed, what in (
        (PASSENGER_COUNT, passengers, "passengers"),
        (CREW_COUNT, crew, "crew"),
    ):
        if qualifier in part.counts:
            declared, segment = part.counts[qualifier]
            if declared != parsed:
                part.warnings.append(
                    ConversionWarning(
                        segment,
                        "CNT_COUNT",
                        f"CNT declares {declared} {what}, the flight holds {parsed}",
                    )
                )


def _sequence(message: Message) -> tuple[str, int | None, str]:
    """(common access reference, part number, C/F) from UNH."""
    number = message.header.get(3, 0)
    return (
        message.header.get(2),
        int(number) if number.isdigit() and len(number) < 5 else None,
        message.header.get(3, 1).upper(),
    )


def _check_parts(group: list[_Part], warnings: list[ConversionWarning]) -> None:
    sequences = [_sequence(p.message) for p in group]
    numbers = [n for _, n, _ in sequences if n is not None]
    if not numbers:
        return
    header = group[-1].message.header.number
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        warnings.append(ConversionWarning(header, "PART_MISSING", "message parts are not 1..n"))
    if sequences[-1][2] != "F" and (len(numbers) > 1 or sequences[-1][2] == "C"):
        warnings.append(ConversionWarning(header, "PART_MISSING", "no final (F) part"))


def drafts(messages: list[Message], warnings: list[ConversionWarning]) -> list[FlightDraft]:
    """One draft per PAXLST flight (parts joined); `MessageError` for a message with no flight."""
    parts = [_read(m) for m in messages]
    by_reference: dict[str, list[Leg]] = {}
    groups: dict[tuple[str, str, str], list[tuple[_Part, list[Leg]]]] = {}
    for part in parts:
        legs = _legs(part)
        access = _sequence(part.message)[0]
        if not legs and access in by_reference:
            legs = by_reference[access]
        if not legs:
            raise MessageError(
                part.message.header.number, "NO_FLIGHT", "the message has no flight leg"
            )
        by_reference.setdefault(access, legs)
        key = legs[0].key()
        groups.setdefault((key.carrier, key.flight_number, key.departure_date), []).append(
            (part, legs)
        )
    result: list[FlightDraft] = []
    for members in groups.values():
        first_legs = members[0][1]
        draft = FlightDraft(first_legs[0].key(), first_legs)
        passengers = crew = 0
        for part, legs in members:
            sent = part.message.sent
            reference = (sent or legs[0].departure_local or dt.datetime.now(dt.UTC)).date()
            if sent is None:
                part.warnings.append(
                    ConversionWarning(part.message.header.number, "NO_MESSAGE_DATE", "no UNB date")
                )
            for person in part.persons:
                draft.travelers.append(
                    _traveler(person, len(draft.travelers) + 1, legs, reference, part.warnings)
                )
                draft.origins.append(person.segment)
                crew += person.qualifier in CREW_QUALIFIERS
                passengers += person.qualifier not in CREW_QUALIFIERS
        for part, _ in members:
            _check_counts(part, passengers, crew)
            draft.warnings.extend(part.warnings)
        _check_parts([p for p, _ in members], draft.warnings)
        result.append(draft)
    return result
