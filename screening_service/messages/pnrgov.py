"""PNRGOV (10.1 to 13.1) pushes -> flight drafts.

A push names its flight (the TVL before the first SRC) and then one PNR per
SRC: locator and creation time (RCI), originator (ORG), travelers (TIF with
SSR DOCS/DOCO), payment (FOP, payer IFT), contacts (IFT), the booked legs
(TVL) and check-in facts (SSR SEAT, SSD, TBD). Contact-derived identifiers
(payer name, phone, e-mail) become keyed pseudonyms and are never kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

from screening_service.messages.codes import SEX, country, document_type
from screening_service.messages.dates import YearRule, clock, ddmmmyy, ddmmyy
from screening_service.messages.edifact import Message, Segment
from screening_service.messages.itinerary import Leg, split_flight_id, ticket_type
from screening_service.messages.manifest import FlightDraft
from screening_service.messages.model import ConversionWarning, MessageError
from screening_service.pipeline.validate import MAX_COMPANIONS
from screening_service.proto import pb
from screening_service.pseudonyms import IdentifierKind, PseudonymKey

# FOP form-of-payment codes (PADIS 9888) -> payment form.
PAYMENT_FORMS: Final[dict[str, pb.PaymentForm.ValueType]] = {
    "CA": pb.PAYMENT_FORM_CASH,
    "CC": pb.PAYMENT_FORM_CARD,
    "DC": pb.PAYMENT_FORM_CARD,  # debit card
    "VO": pb.PAYMENT_FORM_VOUCHER,
    "MCO": pb.PAYMENT_FORM_VOUCHER,  # miscellaneous charges order
    "FF": pb.PAYMENT_FORM_MILES,  # frequent-flyer redemption
    "MS": pb.PAYMENT_FORM_OTHER,  # miscellaneous
    "GR": pb.PAYMENT_FORM_OTHER,  # government transportation request
    "CK": pb.PAYMENT_FORM_OTHER,  # cheque
    "DP": pb.PAYMENT_FORM_OTHER,  # deposit
    "INV": pb.PAYMENT_FORM_OTHER,  # invoice
}
# IFT contact prefixes, in the order one is chosen as the booking's contact.
# CTCT (the agency's phone) is left out: it would tie every booking of an agency.
CONTACTS: Final = (
    ("CTCE", IdentifierKind.EMAIL),
    ("CTCM", IdentifierKind.PHONE),
    ("CTCH", IdentifierKind.PHONE),
    ("CTCB", IdentifierKind.PHONE),
)
PLACEHOLDERS: Final = frozenset({"TBA", "TBN", "NONAME", "NOTKNOWN", "UNKNOWN", "FNU", "LNU"})
TITLES: Final = frozenset({"MR", "MRS", "MS", "MISS", "MSTR", "DR", "PROF", "CHD", "INF"})
BAG_UNITS: Final = frozenset({"700", "701"})  # kilograms, pounds


@dataclass
class _Person:
    segment: int
    reference: str
    surname: str
    given: str
    kind: str
    sex: str = ""
    birth: str = ""
    nationality: str = ""
    document: tuple[str, str, str, str] | None = None  # type, number, issuer, expiry
    visa: tuple[str, str] | None = None  # number, issue date
    seat: str = ""
    bags: int | None = None


@dataclass
class _Pnr:
    segment: int
    locators: list[tuple[str, str]] = field(default_factory=list)  # (carrier, locator)
    created: dt.datetime | None = None
    cancelled: bool = False
    agency: str = ""
    persons: list[_Person] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    payment: str = ""
    card: str = ""
    payer: str = ""
    contacts: dict[str, str] = field(default_factory=dict)


def _words(text: str) -> list[str]:
    return [w for w in text.upper().replace("/", " ").split() if w not in TITLES]


def _tvl_leg(s: Segment, reference: dt.date, warnings: list[ConversionWarning]) -> Leg | None:
    ids = split_flight_id(s.get(4), s.get(3))
    if ids is None:
        warnings.append(ConversionWarning(s.number, "BAD_FLIGHT_ID", "TVL flight is no flight"))
        return None
    try:
        departs = _local(s.get(0, 0), s.get(0, 1), reference)
        arrives = _local(s.get(0, 2), s.get(0, 3), reference)
    except ValueError:
        warnings.append(ConversionWarning(s.number, "BAD_DATE", "TVL date or time unreadable"))
        return None
    return Leg(*ids, s.get(1).upper(), s.get(2).upper(), departs, arrives)


def _local(day: str, time: str, reference: dt.date) -> dt.datetime | None:
    if not day:
        return None
    date = ddmmyy(day, YearRule.NEAR, reference).date
    return dt.datetime.combine(date, clock(time) if time else dt.time())


class _Reader:
    """Walks one PNRGOV message; fills the header flight and the PNRs."""

    def __init__(self, message: Message, warnings: list[ConversionWarning]) -> None:
        self.message = message
        self.warnings = warnings
        self.reference = (message.sent or dt.datetime.now(dt.UTC)).date()
        self.flight: Leg | None = None
        self.pnrs: list[_Pnr] = []
        self.declared: tuple[int, int] | None = None
        self.person: _Person | None = None
        self.in_legs = False

    def warn(self, s: Segment, code: str, text: str) -> None:
        self.warnings.append(ConversionWarning(s.number, code, text))

    def read(self) -> None:
        for s in self.message.segments:
            if s.tag == "SRC":
                self.pnrs.append(_Pnr(s.number))
                self.person, self.in_legs = None, False
            elif not self.pnrs:
                self.header(s)
            else:
                self.pnr(self.pnrs[-1], s)

    def header(self, s: Segment) -> None:
        if s.tag == "TVL" and self.flight is None:
            self.flight = _tvl_leg(s, self.reference, self.warnings)
        elif s.tag == "EQN" and s.get(0).isdigit() and len(s.get(0)) < 7:
            self.declared = (int(s.get(0)), s.number)

    def pnr(self, pnr: _Pnr, s: Segment) -> None:
        handler = getattr(self, f"_{s.tag.lower()}", None)
        if handler is not None:
            handler(pnr, s)

    def _rci(self, pnr: _Pnr, s: Segment) -> None:
        for element in s.elements:
            if len(element) > 1 and element[1]:
                pnr.locators.append((element[0].upper(), element[1].upper()))
            if pnr.created is None and len(element) > 3 and element[3]:
                try:
                    day = ddmmyy(element[3], YearRule.BIRTH, self.reference).date
                    time = clock(element[4]) if len(element) > 4 and element[4] else dt.time()
                    pnr.created = dt.datetime.combine(day, time, tzinfo=dt.UTC)
                except ValueError:
                    self.warn(s, "BAD_DATE", "RCI creation date unreadable")

    def _org(self, pnr: _Pnr, s: Segment) -> None:
        if not any(any(c for c in e) for e in s.elements):
            pnr.cancelled = True
        elif s.get(4).upper() != "A" and s.get(1):
            pnr.agency = s.get(1).upper()

    def _tif(self, pnr: _Pnr, s: Segment) -> None:
        surname, given, kind, ref = s.get(0), s.get(1), s.get(1, 1).upper(), s.get(1, 2)
        if self.in_legs:
            self.person = next(
                (
                    p
                    for p in pnr.persons
                    if (ref and p.reference == ref)
                    or (p.surname, p.given) == (surname.upper(), " ".join(_words(given)))
                ),
                self.person,
            )
            return
        self.person = None
        if s.get(0, 1).upper() == "G":
            self.warn(s, "GROUP_NAME", "group name skipped")
            return
        given_words = _words(given)
        if surname.upper() in PLACEHOLDERS or not given_words or given_words[0] in PLACEHOLDERS:
            self.warn(s, "PLACEHOLDER_NAME", "placeholder or missing name skipped")
            return
        self.person = _Person(
            s.number, ref or str(len(pnr.persons) + 1), surname.upper(), " ".join(given_words), kind
        )
        pnr.persons.append(self.person)

    def _ssr(self, pnr: _Pnr, s: Segment) -> None:
        code = s.get(0).upper()
        text = next((c for c in s.element(0)[4:] if "/" in c), "")
        if code == "DOCS" and text:
            self.docs(pnr, s, text.split("/"))
        elif code == "DOCO" and text:
            fields = text.split("/") + [""] * 8
            person = self.person or (pnr.persons[-1] if pnr.persons else None)
            if person is not None and fields[2].upper() == "V":
                person.visa = (fields[3].upper(), fields[5])
        elif code == "SEAT":
            seat, ref = s.get(1, 0).upper(), s.get(1, 2)
            target = next((p for p in pnr.persons if ref and p.reference == ref), self.person)
            if target is not None and seat and not target.seat:
                target.seat = seat

    def docs(self, pnr: _Pnr, s: Segment, fields: list[str]) -> None:
        fields = [f.strip().upper() for f in fields] + [""] * 12
        surname, given = fields[8], " ".join(_words(" ".join(fields[9:11])))
        person = next(
            (p for p in pnr.persons if p.surname == surname and p.given.startswith(given)),
            self.person,
        )
        if person is None:
            self.warn(s, "UNMATCHED_DOCS", "SSR DOCS matches no traveler of the PNR")
            return
        person.nationality = fields[4] or person.nationality
        person.birth = fields[5] or person.birth
        person.sex = fields[6] or person.sex
        if fields[3]:
            person.document = (fields[1], fields[3], fields[2], fields[7])

    def _tvl(self, pnr: _Pnr, s: Segment) -> None:
        self.in_legs = True
        if (leg := _tvl_leg(s, self.reference, self.warnings)) is not None:
            pnr.legs.append(leg)

    def _fop(self, pnr: _Pnr, s: Segment) -> None:
        if pnr.payment:
            return
        pnr.payment = s.get(0).upper()
        if s.get(0, 4):
            pnr.card = ":".join((s.get(0, 3), s.get(0, 4), s.get(0, 5)))

    def _ift(self, pnr: _Pnr, s: Segment) -> None:
        kind = s.get(0, 1)
        text = " ".join(" ".join(e) for e in s.elements[1:]).strip()
        if kind == "43" and not pnr.payer:
            pnr.payer = text
        elif kind == "28":
            prefix, _, value = text.partition(" ")
            if prefix.upper() in dict(CONTACTS) and value and prefix.upper() not in pnr.contacts:
                pnr.contacts[prefix.upper()] = value

    def _tbd(self, pnr: _Pnr, s: Segment) -> None:
        target = self.person or (pnr.persons[-1] if pnr.persons else None)
        for element in s.elements:
            if len(element) > 2 and element[2] in BAG_UNITS and element[0].isdigit():
                if target is not None:
                    target.bags = int(element[0][:3])
                return

    def _ssd(self, pnr: _Pnr, s: Segment) -> None:
        if self.person is not None and s.get(0):
            self.person.seat = s.get(0).upper()


def email(text: str) -> str:
    """An airline-written e-mail address in its usual form (``//`` is ``@``, ``..`` is ``_``)."""
    return text.replace("//", "@").replace("..", "_")


class _Pseudonyms:
    def __init__(self, key: PseudonymKey | None, warnings: list[ConversionWarning]) -> None:
        self.key = key
        self.warnings = warnings
        self.warned = False

    def __call__(self, kind: IdentifierKind, value: str, segment: int) -> str:
        if not value:
            return ""
        if self.key is None:
            if not self.warned:
                self.warnings.append(
                    ConversionWarning(
                        segment,
                        "NO_PSEUDONYM_KEY",
                        "no pseudonym key: purchaser and contact identifiers left out",
                    )
                )
                self.warned = True
            return ""
        return self.key.pseudonym(kind, value)


def _is_payer(person: _Person, payer: list[str]) -> bool:
    return bool(payer) and sorted(payer) == sorted(_words(f"{person.surname} {person.given}"))


def _traveler_id(pnr: _Pnr, index: int, person: _Person) -> str:
    locator = pnr.locators[0][1] if pnr.locators else f"PNR{index}"
    return f"{locator}-{person.reference}"


def _travelers(
    pnr: _Pnr,
    index: int,
    flight: Leg,
    reference: dt.date,
    pseudonyms: _Pseudonyms,
    warnings: list[ConversionWarning],
) -> list[tuple[pb.Traveler, int]]:
    own = [loc for c, loc in pnr.locators if c == flight.carrier]
    locator = (own or [loc for _, loc in pnr.locators] or [""])[0]
    payer = _words(pnr.payer)
    payment = (
        PAYMENT_FORMS.get(pnr.payment, pb.PAYMENT_FORM_UNKNOWN)
        if pnr.payment
        else pb.PAYMENT_FORM_UNSPECIFIED
    )
    if pnr.payment and pnr.payment not in PAYMENT_FORMS:
        warnings.append(ConversionWarning(pnr.segment, "UNKNOWN_CODE", "FOP code not in the table"))
    purchaser = pseudonyms(IdentifierKind.PAYER, " ".join(payer), pnr.segment) or pseudonyms(
        IdentifierKind.OTHER, pnr.card, pnr.segment
    )
    contact = next(
        (
            pseudonyms(
                kind,
                email(pnr.contacts[p]) if kind is IdentifierKind.EMAIL else pnr.contacts[p],
                pnr.segment,
            )
            for p, kind in CONTACTS
            if p in pnr.contacts
        ),
        "",
    )
    ids = [_traveler_id(pnr, index, p) for p in pnr.persons]
    legs = [leg.to_proto() for leg in pnr.legs]
    result: list[tuple[pb.Traveler, int]] = []
    for person, traveler_id in zip(pnr.persons, ids, strict=True):
        t = pb.Traveler(
            traveler_id=traveler_id,
            surname=person.surname,
            given_names=person.given,
            role=pb.TRAVELER_ROLE_PASSENGER,
        )
        _identity(t, person, reference, warnings)
        t.itinerary.segments.extend(legs)
        b = t.booking
        b.record_locator = locator
        if pnr.created is not None:
            b.booking_time.FromDatetime(pnr.created)
        b.ticket_type = ticket_type(pnr.legs)
        b.payment_form = payment
        b.purchaser_id = purchaser
        if payer:
            b.purchaser_is_traveler = _is_payer(person, payer)
        b.travel_agency_id = pnr.agency
        b.contact_id = contact
        if person.bags is not None:
            b.checked_bags = person.bags
        b.seat = person.seat
        t.companions.extend(
            pb.Companion(traveler_id=other, relationship=pb.RELATIONSHIP_UNKNOWN)
            for other in ids[: MAX_COMPANIONS + 1]
            if other != traveler_id
        )
        result.append((t, person.segment))
    return result


def _identity(
    t: pb.Traveler, person: _Person, reference: dt.date, warnings: list[ConversionWarning]
) -> None:
    def day(text: str, rule: YearRule, what: str) -> str:
        if not text:
            return ""
        try:
            resolved = ddmmmyy(text, rule, reference)
        except ValueError:
            warnings.append(ConversionWarning(person.segment, "BAD_DATE", f"{what} unreadable"))
            return ""
        if not resolved.sure:
            warnings.append(
                ConversionWarning(person.segment, "UNSURE_CENTURY", f"{what}: century is a guess")
            )
        return resolved.date.isoformat()

    def place(code: str, what: str) -> str:
        alpha3, converted = country(code) if code else ("", False)
        if code and (converted or not alpha3):
            warnings.append(ConversionWarning(person.segment, "COUNTRY_CODE", f"{what} code"))
        return alpha3

    t.date_of_birth = day(person.birth, YearRule.BIRTH, "date of birth")
    if person.sex:
        t.sex = SEX.get(person.sex, pb.SEX_UNSPECIFIED)
    t.nationality = place(person.nationality, "nationality")
    if person.document is not None:
        kind, number, issuer, expiry = person.document
        t.document.type = document_type(kind)
        t.document.number = number
        t.document.issuing_country = place(issuer, "issuer")
        t.document.expiry_date = day(expiry, YearRule.EXPIRY, "expiry")
    elif person.visa is not None:
        t.document.type = pb.DOCUMENT_TYPE_VISA
        t.document.number = person.visa[0]
        t.document.issue_date = day(person.visa[1], YearRule.BIRTH, "visa issue")


def drafts(
    messages: list[Message], key: PseudonymKey | None, warnings: list[ConversionWarning]
) -> list[FlightDraft]:
    """One draft per PNRGOV message (joined by flight key later)."""
    result: list[FlightDraft] = []
    for message in messages:
        local: list[ConversionWarning] = []
        reader = _Reader(message, local)
        reader.read()
        if reader.flight is None:
            raise MessageError(
                message.header.number, "NO_FLIGHT", "no flight TVL before the first SRC"
            )
        flight = reader.flight
        if reader.declared is not None and reader.declared[0] != len(reader.pnrs):
            local.append(
                ConversionWarning(
                    reader.declared[1],
                    "EQN_COUNT",
                    f"EQN declares {reader.declared[0]} PNRs, the message holds {len(reader.pnrs)}",
                )
            )
        reference = (message.sent or flight.departure_local or dt.datetime.now(dt.UTC)).date()
        draft = FlightDraft(flight.key(), [flight], warnings=local)
        pseudonyms = _Pseudonyms(key, local)
        for index, pnr in enumerate(reader.pnrs, 1):
            if pnr.cancelled:
                local.append(
                    ConversionWarning(pnr.segment, "CANCELLED_PNR", "cancelled PNR skipped")
                )
                continue
            for traveler, segment in _travelers(pnr, index, flight, reference, pseudonyms, local):
                draft.travelers.append(traveler)
                draft.origins.append(segment)
        result.append(draft)
    return result
