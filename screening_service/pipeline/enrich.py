"""Validate -> enrich: typed traveler records become catalog values.

Computed once per traveler, and once per flight for the group fields (how
many travelers on the flight share this traveler's purchaser or contact, and
how many of them are minors or under 25; each companion's age), in time
linear in the flight's size. All time arithmetic is on aware UTC instants;
calendar dates (age, document days, travel dates and hours) are taken in the
local time zone of the airport concerned, from airportsdata. A derived field
is unknown (None) when one of its inputs is.

Companion details are kept as parallel lists of text, one item per declared
companion ("" when unknown): ``companion.relationship``,
``companion.age_years``, ``companion.is_minor``, ``companion.on_flight``.
They are read by ``any companion (...)`` / ``all companions (...)`` before
the engine and never reach it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from screening_service import geography
from screening_service.catalog import LOOKOUT_DOB_AGREEMENT_VALUES
from screening_service.lookout import LookoutHit, LookoutIndex, LookoutQuery, MatchedOn
from screening_service.pipeline.records import Booking, Flight, Traveler
from screening_service.values import Record

ADULT_AGE: Final = 18
EARTH_RADIUS_KM: Final = 6371.0
MIN_DIRECT_KM: Final = 150.0
YOUNG_AGE: Final = 25
GUARDIANS: Final = frozenset({"parent", "legal_guardian"})
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600.0, 2)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _first_departure(t: Traveler, flight: Flight, now: dt.datetime) -> tuple[dt.datetime, str]:
    if t.segments:
        first = t.segments[0]
        return first.departure, first.origin
    return flight.scheduled_departure or now, flight.origin or ""


# A flight's travelers share its departure and arrival instants: each is converted to
# its airport's local time once (a zoneinfo conversion costs about a microsecond).
# Booking times, each a traveler's own, go through `local_date` and are not remembered.
_LOCAL: dict[tuple[dt.datetime, str], dt.datetime] = {}
_MAX_LOCAL: Final = 8192


def _local(instant: dt.datetime, airport_code: str) -> dt.datetime:
    """``instant`` in the airport's time zone; as given (its own zone) for an unknown airport.

    Only conversions are remembered: equal instants convert to the same local time
    whatever zone they were given in, but an unconverted one keeps its own zone.
    """
    key = (instant, airport_code)
    found = _LOCAL.get(key)
    if found is not None:
        return found
    airport = geography.airport(airport_code) if airport_code else None
    if airport is None:
        return instant
    if len(_LOCAL) >= _MAX_LOCAL:
        _LOCAL.clear()
    found = _LOCAL[key] = instant.astimezone(airport.timezone)
    return found


def local_date(instant: dt.datetime, airport_code: str) -> dt.date:
    """The local date of an instant a traveler alone has (a booking time): not remembered."""
    airport = geography.airport(airport_code) if airport_code else None
    return (instant.astimezone(airport.timezone) if airport else instant).date()


def _travel(t: Traveler, flight: Flight, local: dt.datetime, record: Record) -> None:
    """Local departure date, hour and weekday (``local``: the first departure in local time),
    and local arrival date; unknown without times (no itinerary nor scheduled departure)."""
    if not t.segments and flight.scheduled_departure is None:
        return
    record["travel.departure_date"] = local.toordinal()
    record["travel.departure_hour"] = local.hour
    record["travel.departure_weekday"] = WEEKDAYS[local.weekday()]
    last = t.segments[-1] if t.segments else None
    if last is not None and last.arrival is not None:
        record["travel.arrival_date"] = _local(last.arrival, last.destination).toordinal()


def _distance_km(a: geography.Airport, b: geography.Airport) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class _Route:
    """What an itinerary's airports alone decide; computed once per distinct route."""

    countries: tuple[str, ...]
    country_count: int
    circuity: float | None


@lru_cache(maxsize=65536)
def _route(legs: tuple[tuple[str, str], ...]) -> _Route:
    countries: list[str] = []
    for origin, destination in legs:
        for code in (origin, destination):
            airport = geography.airport(code)
            if airport is not None and (not countries or countries[-1] != airport.country):
                countries.append(airport.country)
    return _Route(tuple(countries), len(set(countries)), _circuity(legs))


def _circuity(legs: Sequence[tuple[str, str]]) -> float | None:
    """Flown over direct distance; None when origin and end are the same or too close."""
    airports = [geography.airport(legs[0][0])] + [geography.airport(d) for _, d in legs]
    if any(a is None for a in airports):
        return None
    known = [a for a in airports if a is not None]
    direct = _distance_km(known[0], known[-1])
    if direct < MIN_DIRECT_KM:
        return None
    flown = sum(_distance_km(a, b) for a, b in itertools.pairwise(known))
    return round(flown / direct, 2)


def _itinerary(t: Traveler, record: Record) -> None:
    segments = t.segments
    if not segments:
        return
    record["itinerary.segment_count"] = len(segments)
    record["itinerary.origin"] = segments[0].origin
    record["itinerary.destination"] = segments[-1].destination
    route = _route(tuple((s.origin, s.destination) for s in segments))
    record["itinerary.countries"] = list(route.countries)
    record["itinerary.circuity"] = route.circuity
    record["itinerary.country_count"] = route.country_count
    last = segments[-1].arrival
    if last and last > segments[0].departure:
        record["itinerary.total_hours"] = _hours(last - segments[0].departure)
    layovers = [
        _hours(current.departure - previous.arrival)
        for previous, current in itertools.pairwise(segments)
        if previous.arrival
    ]
    record["itinerary.max_layover_hours"] = max(layovers) if layovers else None


def _document(t: Traveler, record: Record, departure_date: dt.date) -> None:
    d = t.document
    if d is None:
        return
    record["document.type"] = d.type
    record["document.issuing_country"] = d.issuing_country
    if d.issuing_country and t.nationality:
        record["document.issuer_differs_from_nationality"] = d.issuing_country != t.nationality
    if d.issue_date:
        record["document.issue_date"] = d.issue_date.toordinal()
        record["document.days_since_issue"] = (departure_date - d.issue_date).days
    if d.expiry_date:
        record["document.expiry_date"] = d.expiry_date.toordinal()
        record["document.days_to_expiry"] = (d.expiry_date - departure_date).days


def has_parent_or_guardian(t: Traveler) -> bool | None:
    """True if a companion is a parent or guardian; unknown without booking data, or when
    no guardian is declared but some companion's relationship is not known."""
    if t.booking is None:
        return None
    if any(c.relationship in GUARDIANS for c in t.companions):
        return True
    if any(c.relationship in (None, "unknown") for c in t.companions):
        return None
    return False


def _booking(t: Traveler, record: Record, departs: dt.datetime, origin: str) -> None:
    record["booking.party_size"] = 1 + len(t.companions)
    record["booking.has_parent_or_guardian"] = has_parent_or_guardian(t)
    record["booking.companion_relationships"] = [
        c.relationship for c in t.companions if c.relationship
    ]
    record["companion.relationship"] = [
        c.relationship if c.relationship and c.relationship != "unknown" else ""
        for c in t.companions
    ]
    b = t.booking
    if b is None:
        return
    record["booking.purchaser"] = b.purchaser_id
    record["booking.contact"] = b.contact_id
    record["booking.record_locator"] = b.record_locator
    if b.booking_time is not None:
        record["booking.hours_before_departure"] = _hours(departs - b.booking_time)
        record["booking.booking_date"] = local_date(b.booking_time, origin).toordinal()
    record["booking.ticket_type"] = b.ticket_type
    record["booking.payment_form"] = b.payment_form
    if b.purchaser_is_traveler is not None:
        record["booking.purchaser_is_traveler"] = b.purchaser_is_traveler
    record["booking.has_travel_agency"] = b.travel_agency_id is not None
    if b.checked_bags is not None:
        record["booking.checked_bags"] = b.checked_bags


def enrich_traveler(t: Traveler, flight: Flight, now: dt.datetime) -> Record:
    """The per-traveler fields; group fields are added by `enrich_flight`."""
    departs, origin = _first_departure(t, flight, now)
    local = _local(departs, origin)
    departure_date = local.date()
    age = _age(t.date_of_birth, departure_date)
    observations = t.observations
    record: Record = {
        "traveler.age_years": age,
        "traveler.is_minor": age < ADULT_AGE,
        "traveler.sex": t.sex,
        "traveler.nationality": t.nationality,
        "traveler.country_of_residence": t.country_of_residence,
        "traveler.direction": t.direction or flight.direction,
        "traveler.visa_category": t.visa_category,
        "traveler.companion_count": len(t.companions),
        "observations.codes": sorted({o.code for o in observations}) if observations else [],
        "observations.sources": (
            sorted({o.source for o in observations if o.source}) if observations else []
        ),
        "observations.count": len(observations),
    }
    _document(t, record, departure_date)
    _itinerary(t, record)
    _travel(t, flight, local, record)
    _booking(t, record, departs, origin)
    return record


def _record_age(record: Record) -> int:
    age = record["traveler.age_years"]
    assert isinstance(age, int)
    return age


class _Group:
    """Travelers of one flight sharing a purchaser or a contact, tallied once."""

    __slots__ = ("adults", "adults_by_locator", "bookings", "members", "minors", "under_25")

    def __init__(self) -> None:
        self.members: list[int] = []
        self.minors = 0
        self.under_25 = 0
        self.adults = 0
        self.adults_by_locator: dict[str, int] = {}
        self.bookings: set[str] = set()

    def add(self, position: int, age: int, locator: str | None) -> None:
        self.members.append(position)
        self.minors += age < ADULT_AGE
        self.under_25 += age < YOUNG_AGE
        self.bookings.add(locator or f"#{position}")
        if age >= ADULT_AGE:
            self.adults += 1
            if locator:
                self.adults_by_locator[locator] = self.adults_by_locator.get(locator, 0) + 1


def unrelated_adult(
    travelers: Sequence[Traveler], i: int, m: int, position_of: dict[str, int], age_of: list[int]
) -> bool:
    """Whether traveler ``m`` (sharing ``i``'s contact) counts in ``i``'s unrelated adults:
    an adult on another booking who is not one of ``i``'s declared companions."""
    locator = _locator(travelers[i])
    if m == i or age_of[m] < ADULT_AGE or (locator and _locator(travelers[m]) == locator):
        return False
    return m not in {position_of[c.traveler_id] for c in travelers[i].companions}


def _unrelated_adults(
    group: _Group,
    i: int,
    travelers: Sequence[Traveler],
    position_of: dict[str, int],
    age_of: list[int],
    contact_of: list[str | None],
) -> int:
    """Adults sharing the contact on another booking, not declared companions."""
    locator = _locator(travelers[i])
    excluded = group.adults_by_locator.get(locator, 0) if locator else 0
    own = {i} | {position_of[c.traveler_id] for c in travelers[i].companions}
    for m in own - {-1}:
        if (
            contact_of[m] == contact_of[i]
            and age_of[m] >= ADULT_AGE
            and not (locator and _locator(travelers[m]) == locator)
        ):
            excluded += 1
    return group.adults - excluded


def _companions(
    t: Traveler, record: Record, position_of: dict[str, int], age_of: list[int]
) -> None:
    """Each companion's age and whether they fly: known only for companions on this manifest."""
    if not t.companions:
        record["companion.on_flight"] = []
        record["companion.age_years"] = []
        record["companion.is_minor"] = []
        return
    positions = [position_of[c.traveler_id] for c in t.companions]
    record["companion.on_flight"] = ["true" if p >= 0 else "false" for p in positions]
    record["companion.age_years"] = [str(age_of[p]) if p >= 0 else "" for p in positions]
    record["companion.is_minor"] = [
        ("true" if age_of[p] < ADULT_AGE else "false") if p >= 0 else "" for p in positions
    ]


def _locator(t: Traveler) -> str | None:
    return t.booking.record_locator if t.booking is not None else None


class FlightGroups:
    """Who on one flight shares a purchaser or a contact, by position in the manifest.

    Enrichment reads the tallies; `pipeline.related` reads the members to name
    the other travelers of a flight-level indicator.
    """

    def __init__(self, travelers: Sequence[Traveler], records: Sequence[Record]) -> None:
        self.by_purchaser: dict[str, _Group] = defaultdict(_Group)
        self.by_contact: dict[str, _Group] = defaultdict(_Group)
        self.purchasers_on_board: set[str] = set()
        self.position_of: dict[str, int] = defaultdict(lambda: -1)
        self.position_of.update({t.traveler_id: i for i, t in enumerate(travelers)})
        self.age_of = [_record_age(record) for record in records]
        self.contact_of = [t.booking.contact_id if t.booking else None for t in travelers]
        for i, t in enumerate(travelers):
            b = t.booking
            if b is None:
                continue
            if b.purchaser_id:
                self.by_purchaser[b.purchaser_id].add(i, self.age_of[i], b.record_locator)
                if b.purchaser_is_traveler:
                    self.purchasers_on_board.add(b.purchaser_id)
            if b.contact_id:
                self.by_contact[b.contact_id].add(i, self.age_of[i], b.record_locator)


def _purchaser_on_flight(b: Booking, record: Record, purchasers_on_board: set[str]) -> None:
    if b.purchaser_is_traveler:
        record["booking.purchaser_on_flight"] = True
    elif b.purchaser_id:
        record["booking.purchaser_on_flight"] = b.purchaser_id in purchasers_on_board


def history_fields(travelers: Sequence[Traveler], flight: Flight, now: dt.datetime) -> list[Record]:
    """Only what travel history reads of the records (age, minor, purchaser on the flight),
    computed as `enrich_flight` does: replay's first pass, which records history and decides
    nothing, needs no more."""
    records: list[Record] = []
    for t in travelers:
        departs, origin = _first_departure(t, flight, now)
        age = _age(t.date_of_birth, local_date(departs, origin))
        records.append({"traveler.age_years": age, "traveler.is_minor": age < ADULT_AGE})
    on_board = {
        t.booking.purchaser_id
        for t in travelers
        if t.booking is not None and t.booking.purchaser_id and t.booking.purchaser_is_traveler
    }
    for t, record in zip(travelers, records, strict=True):
        if t.booking is not None:
            _purchaser_on_flight(t.booking, record, on_board)
    return records


def _group(travelers: Sequence[Traveler], records: list[Record]) -> FlightGroups:
    groups = FlightGroups(travelers, records)
    by_purchaser, by_contact = groups.by_purchaser, groups.by_contact
    purchasers_on_board, position_of = groups.purchasers_on_board, groups.position_of
    age_of, contact_of = groups.age_of, groups.contact_of
    for i, t in enumerate(travelers):
        record = records[i]
        record["flight.traveler_count"] = len(travelers)
        _companions(t, record, position_of, age_of)
        if t.companions:
            in_party = {position_of[c.traveler_id] for c in t.companions} - {-1}
            minors = sum(age_of[m] < ADULT_AGE for m in {i, *in_party})
        else:
            minors = int(age_of[i] < ADULT_AGE)
        record["booking.minors_in_party"] = minors
        b = t.booking
        if b is None:
            continue
        _purchaser_on_flight(b, record, purchasers_on_board)
        if b.purchaser_id:
            bought = by_purchaser[b.purchaser_id]
            record["flight.same_purchaser_count"] = len(bought.members)
            record["flight.same_purchaser_minors"] = bought.minors
            record["flight.same_purchaser_under_25"] = bought.under_25
        if b.contact_id:
            shared = by_contact[b.contact_id]
            record["flight.same_contact_count"] = len(shared.members)
            record["flight.same_contact_bookings"] = len(shared.bookings)
            record["flight.same_contact_unrelated_adults"] = _unrelated_adults(
                shared, i, travelers, position_of, age_of, contact_of
            )
    return groups


def lookout_fields(hits: Sequence[LookoutHit]) -> Record:
    """The derived fields of one traveler's lookout hits (no personal data: kinds and scores)."""
    if not hits:
        return {"lookout.hit": False}
    return {
        "lookout.hit": True,
        "lookout.kinds": sorted({str(hit.list_kind) for hit in hits}),
        "lookout.best_score": round(max(hit.score for hit in hits), 2),
        "lookout.document_match": any(hit.matched_on == MatchedOn.DOCUMENT for hit in hits),
        "lookout.dob_agreement": min(
            (hit.dob_agreement.value for hit in hits), key=LOOKOUT_DOB_AGREEMENT_VALUES.index
        ),
    }


def _lookout(travelers: Sequence[Traveler], records: list[Record], index: LookoutIndex) -> None:
    queries = [
        LookoutQuery(
            t.surname,
            t.given_names,
            t.date_of_birth,
            (t.document.number or "") if t.document else "",
        )
        for t in travelers
    ]
    for record, hits in zip(records, index.match_many(queries), strict=True):
        record.update(lookout_fields(hits))


def enrich_flight(
    travelers: Sequence[Traveler],
    flight: Flight,
    now: dt.datetime,
    lookout: LookoutIndex | None = None,
) -> list[Record]:
    """Records of every traveler of one flight (a single Screen is a flight of one)."""
    return enrich_grouped(travelers, flight, now, lookout)[0]


def enrich_grouped(
    travelers: Sequence[Traveler],
    flight: Flight,
    now: dt.datetime,
    lookout: LookoutIndex | None = None,
) -> tuple[list[Record], FlightGroups]:
    """`enrich_flight`, and the flight's groups it counted, which naming related
    travelers reads again (ages and bookings do not change after enrichment)."""
    records = [enrich_traveler(t, flight, now) for t in travelers]
    groups = _group(travelers, records)
    if lookout is not None:
        _lookout(travelers, records, lookout)
    return records, groups
