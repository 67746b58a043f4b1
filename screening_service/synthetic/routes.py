"""International flights to and from US ports of entry, with connections.

Every code is a real IATA airport or airline designator (the tests check the
airports against the service's airport data). Flight times come from the
great-circle distance between the airports, so a transatlantic flight takes
about seven hours and a feeder from a nearby city about one. All instants are
whole seconds since the epoch, UTC.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from functools import cache
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service import geography
from screening_service.proto import pb

PORT_COUNTRY: Final = "USA"
# US ports of entry with international service.
PORTS: Final = ("JFK", "EWR", "IAD", "BOS", "ATL", "MIA", "ORD", "DFW", "IAH", "LAX", "SFO", "SEA")
US_CARRIERS: Final = ("AA", "UA", "DL", "B6", "AS")
US_DOMESTIC: Final = (
    "ORD",
    "DEN",
    "PHX",
    "LAS",
    "MSP",
    "DTW",
    "CLT",
    "PHL",
    "SLC",
    "SAN",
    "PDX",
    "AUS",
    "BNA",
    "RDU",
    "MCO",
    "TPA",
    "STL",
    "MCI",
    "CLE",
    "PIT",
    "IND",
    "SAT",
)


@dataclass(frozen=True)
class Hub:
    """A foreign airport with flights to US ports: its carriers and feeder cities."""

    code: str
    carriers: tuple[str, ...]
    spokes: tuple[str, ...]
    weight: int = 1


def _hub(code: str, carriers: str, spokes: str = "", weight: int = 1) -> Hub:
    return Hub(code, tuple(carriers.split()), tuple(spokes.split()), weight)


HUBS: Final = (
    _hub("LHR", "BA VS", "EDI GLA NCL BHX", 4),
    _hub("MAN", "BA VS", "BRS BHX"),
    _hub("DUB", "EI", "SNN ORK"),
    _hub("CDG", "AF", "NCE LYS TLS MRS BOD", 3),
    _hub("FRA", "LH", "BER HAM DUS STR BRU CPH", 3),
    _hub("MUC", "LH", "BER HAM CGN"),
    _hub("AMS", "KL", "BRU CPH ARN OSL HEL", 3),
    _hub("MAD", "IB UX", "BCN AGP VLC SVQ BIO", 2),
    _hub("LIS", "TP", "OPO FAO"),
    _hub("FCO", "AZ", "MXP NAP VCE BLQ CTA", 2),
    _hub("WAW", "LO", "KRK GDN WRO KTW"),
    _hub("PRG", "OK", "BRQ"),
    _hub("ATH", "A3", "SKG HER RHO"),
    _hub("IST", "TK", "ESB ADB AYT", 2),
    _hub("SOF", "FB", "VAR BOJ"),
    _hub("BEG", "JU", "INI"),
    _hub("OTP", "RO", "CLJ IAS"),
    _hub("ALA", "KC", "NQZ CIT"),
    _hub("DXB", "EK", "BAH KWI MCT", 3),
    _hub("DOH", "QR", "BAH KWI MCT", 2),
    _hub("CAI", "MS", "HRG SSH LXR"),
    _hub("AMM", "RJ", "AQJ"),
    _hub("CMN", "AT", "RAK TNG FEZ"),
    _hub("RUH", "SV", "JED DMM"),
    _hub("LOS", "DL UA", "ABV PHC"),
    _hub("ACC", "DL UA", "KMS"),
    _hub("ADD", "ET", "DAR EBB KGL"),
    _hub("NBO", "KQ", "MBA KIS"),
    _hub("JNB", "SA DL", "CPT DUR"),
    _hub("DEL", "AI", "BLR MAA HYD CCU", 2),
    _hub("BOM", "AI", "BLR MAA HYD"),
    _hub("MNL", "PR", "CEB DVO"),
    _hub("PEK", "CA", "CTU XIY"),
    _hub("PVG", "MU", "CAN SZX CTU", 2),
    _hub("NRT", "JL NH", "KIX FUK CTS NGO", 2),
    _hub("HND", "NH JL", "KIX FUK CTS"),
    _hub("ICN", "KE OZ", "PUS CJU", 3),
    _hub("TPE", "CI BR", "KHH"),
    _hub("HKG", "CX"),
    _hub("SGN", "VN", "HAN DAD"),
    _hub("BKK", "TG", "CNX HKT"),
    _hub("MEX", "AM Y4", "MTY TIJ OAX GDL", 4),
    _hub("CUN", "AM Y4", "MTY", 3),
    _hub("GDL", "Y4 AM", "TIJ PVR"),
    _hub("GRU", "LA G3", "GIG BSB SSA CNF", 2),
    _hub("BOG", "AV", "MDE CLO CTG", 2),
    _hub("LIM", "LA", "CUZ AQP"),
    _hub("SAL", "AV", "SAP TGU"),
    _hub("GUA", "AV", "SAP"),
    _hub("SDQ", "B6", "STI PUJ", 2),
    _hub("YYZ", "AC", "YOW YUL YHZ", 4),
    _hub("YVR", "AC", "YYC YEG", 2),
    _hub("YUL", "AC", "YOW YHZ", 2),
    _hub("SYD", "QF", "MEL BNE PER"),
)
_HUB_CUMULATIVE: Final = tuple(itertools.accumulate(h.weight for h in HUBS))


def _country(code: str) -> str:
    airport = geography.airport(code)
    if airport is None:  # pragma: no cover - every code above is in the data
        raise ValueError(f"unknown airport {code}")
    return airport.country


# Countries of the foreign hubs: the nationalities most seen on these flights.
HUB_COUNTRIES: Final = tuple(sorted({_country(h.code) for h in HUBS}))


@cache
def distance_km(origin: str, destination: str) -> float:
    """Great-circle distance between two airports."""
    a, b = geography.airport(origin), geography.airport(destination)
    if a is None or b is None:  # pragma: no cover - every code above is in the data
        raise ValueError(f"unknown airport {origin} or {destination}")
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def flight_seconds(origin: str, destination: str) -> int:
    """Block time: 30 minutes plus the distance at 800 km/h, to 5 minutes."""
    minutes = 30 + distance_km(origin, destination) / 800 * 60
    return round(minutes / 5) * 5 * 60


def circuity(airports: list[str]) -> float:
    """Flown distance over the direct distance from first to last airport."""
    flown = sum(distance_km(a, b) for a, b in itertools.pairwise(airports))
    direct = distance_km(airports[0], airports[-1])
    return flown / direct if direct > 0 else math.inf


# A connection is offered only where it is a sensible way to travel.
MAX_CIRCUITY: Final = 1.5


@dataclass(frozen=True)
class Leg:
    carrier: str
    flight_number: str
    origin: str
    destination: str
    departs: int
    arrives: int

    def segment(self) -> pb.Segment:
        return pb.Segment(
            carrier=self.carrier,
            flight_number=self.flight_number,
            origin=self.origin,
            destination=self.destination,
            departure_time=Timestamp(seconds=self.departs),
            arrival_time=Timestamp(seconds=self.arrives),
        )


@dataclass(frozen=True)
class FlightPlan:
    """The manifest flight: one leg between a US port and a foreign hub."""

    leg: Leg
    direction: pb.Direction.ValueType
    hub: Hub
    port: str
    foreign_country: str

    @property
    def hours(self) -> float:
        return (self.leg.arrives - self.leg.departs) / 3600

    @property
    def inbound(self) -> bool:
        return self.direction == pb.DIRECTION_INBOUND


def plan_flight(rng: random.Random, earliest: int, span_seconds: int) -> FlightPlan:
    """A random flight departing in [earliest, earliest + span), on a 5-minute grid."""
    hub = rng.choices(HUBS, cum_weights=_HUB_CUMULATIVE)[0]
    port = rng.choice(PORTS)
    inbound = rng.random() < 0.5
    origin, destination = (hub.code, port) if inbound else (port, hub.code)
    carrier = rng.choice(hub.carriers) if rng.random() < 0.65 else rng.choice(US_CARRIERS)
    departs = earliest + rng.randrange(max(1, span_seconds // 300)) * 300
    leg = Leg(
        carrier,
        str(rng.randint(1, 9999)),
        origin,
        destination,
        departs,
        departs + flight_seconds(origin, destination),
    )
    direction = pb.DIRECTION_INBOUND if inbound else pb.DIRECTION_OUTBOUND
    return FlightPlan(leg, direction, hub, port, _country(hub.code))


@cache
def _feeders(origin: str, destination: str, cities: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        c
        for c in cities
        if c not in (origin, destination) and circuity([c, origin, destination]) <= MAX_CIRCUITY
    )


@cache
def _onwards(origin: str, destination: str, cities: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        c
        for c in cities
        if c not in (origin, destination) and circuity([origin, destination, c]) <= MAX_CIRCUITY
    )


def _layover(rng: random.Random) -> int:
    """Between 1 and 6 hours, on a 5-minute grid."""
    return rng.randint(12, 72) * 300


def _connection_number(rng: random.Random) -> str:
    return str(rng.randint(1, 9999))


def feeder(rng: random.Random, plan: FlightPlan) -> Leg | None:
    """A connecting leg into the manifest flight's origin, or None when there is none."""
    leg = plan.leg
    choices = _feeders(
        leg.origin, leg.destination, plan.hub.spokes if plan.inbound else US_DOMESTIC
    )
    if not choices:
        return None
    city = rng.choice(choices)
    arrives = leg.departs - _layover(rng)
    departs = arrives - flight_seconds(city, leg.origin)
    return Leg(leg.carrier, _connection_number(rng), city, leg.origin, departs, arrives)


def onward(rng: random.Random, plan: FlightPlan) -> Leg | None:
    """A connecting leg out of the manifest flight's destination, or None."""
    leg = plan.leg
    choices = _onwards(
        leg.origin, leg.destination, US_DOMESTIC if plan.inbound else plan.hub.spokes
    )
    if not choices:
        return None
    city = rng.choice(choices)
    departs = leg.arrives + _layover(rng)
    arrives = departs + flight_seconds(leg.destination, city)
    return Leg(leg.carrier, _connection_number(rng), leg.destination, city, departs, arrives)


# Countries whose nationals enter the US without a visa (ESTA) or without a visa category.
VISA_WAIVER: Final = frozenset(
    {
        "AUS",
        "AUT",
        "BEL",
        "CAN",
        "CHE",
        "CZE",
        "DEU",
        "DNK",
        "ESP",
        "FIN",
        "FRA",
        "GBR",
        "GRC",
        "IRL",
        "ITA",
        "JPN",
        "KOR",
        "NLD",
        "NOR",
        "POL",
        "PRT",
        "SWE",
        "TWN",
        "USA",
    }
)
