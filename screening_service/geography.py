"""Airports and countries from maintained data packages (airportsdata, pycountry)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import airportsdata
import pycountry


@dataclass(frozen=True)
class Airport:
    iata: str
    country: str  # ISO 3166-1 alpha-3
    timezone: ZoneInfo
    latitude: float
    longitude: float


@cache
def _alpha2_to_alpha3() -> dict[str, str]:
    return {c.alpha_2: c.alpha_3 for c in pycountry.countries}


@cache
def _airports() -> dict[str, Airport]:
    to_alpha3 = _alpha2_to_alpha3()
    zones: dict[str, ZoneInfo] = {}
    table: dict[str, Airport] = {}
    for code, row in airportsdata.load("IATA").items():
        country = to_alpha3.get(row["country"])
        tz_name = row["tz"]
        if country is None or not tz_name:
            continue
        try:
            zone = zones.get(tz_name) or zones.setdefault(tz_name, ZoneInfo(tz_name))
        except (KeyError, ValueError):
            continue
        table[code] = Airport(code, country, zone, float(row["lat"]), float(row["lon"]))
    return table


def airport(code: str) -> Airport | None:
    return _airports().get(code)


@cache
def airports() -> Mapping[str, Airport]:
    """Every known airport by IATA code (read-only; one lookup instead of a call per code)."""
    return MappingProxyType(_airports())


@cache
def _alpha3_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


@cache
def country_codes() -> frozenset[str]:
    """Every code `is_country` accepts."""
    return _alpha3_codes() | ICAO_SPECIAL_CODES


def is_country(code: str) -> bool:
    """ISO 3166-1 alpha-3, plus the ICAO document codes for stateless and refugee holders."""
    return code in _alpha3_codes() or code in ICAO_SPECIAL_CODES


# ICAO Doc 9303 codes seen on travel documents that are not ISO 3166 countries.
ICAO_SPECIAL_CODES = frozenset(
    {"XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "XOM", "XPO", "XDC", "XES"}
)


def warm() -> None:
    """Load the tables now (at start-up), not on the first request."""
    _airports()
    _alpha3_codes()
