"""UN M49 regions of countries, for the disparity audit's origin region.

The United Nations Statistics Division's "Standard country or area codes for
statistical use" (M49) groups countries into regions and sub-regions; the
table below lists the ISO 3166-1 alpha-3 codes of each sub-region (Latin
America and the Caribbean, and Sub-Saharan Africa, as the intermediate
groups M49 defines; Oceania's Melanesia, Micronesia and Polynesia together).
No installed package carries M49, hence the table; `tests/evaluation/
test_regions.py` checks that every ISO 3166 country is in exactly one region.
A traveler's origin region is that of the country of the first airport of
the itinerary (`origin_region`).
"""

from __future__ import annotations

from functools import cache
from typing import Final

from screening_service import geography
from screening_service.evaluation.outcomes import Groups, age_band

_REGIONS: Final = {
    "Northern Africa": "DZA EGY LBY MAR SDN TUN ESH",
    "Sub-Saharan Africa": (
        "IOT BDI COM DJI ERI ETH ATF KEN MDG MWI MUS MYT MOZ REU RWA SYC SOM SSD UGA TZA ZMB "
        "ZWE AGO CMR CAF TCD COG COD GNQ GAB STP BWA SWZ LSO NAM ZAF BEN BFA CPV CIV GMB GHA "
        "GIN GNB LBR MLI MRT NER NGA SHN SEN SLE TGO"
    ),
    "Latin America and the Caribbean": (
        "AIA ATG ABW BHS BRB BES VGB CYM CUB CUW DMA DOM GRD GLP HTI JAM MTQ MSR PRI BLM KNA "
        "LCA MAF VCT SXM TTO TCA VIR BLZ CRI SLV GTM HND MEX NIC PAN ARG BOL BVT BRA CHL COL "
        "ECU FLK GUF GUY PRY PER SGS SUR URY VEN"
    ),
    "Northern America": "BMU CAN GRL SPM USA",
    "Central Asia": "KAZ KGZ TJK TKM UZB",
    "Eastern Asia": "CHN HKG MAC PRK JPN MNG KOR TWN",
    "South-eastern Asia": "BRN KHM IDN LAO MYS MMR PHL SGP THA TLS VNM",
    "Southern Asia": "AFG BGD BTN IND IRN MDV NPL PAK LKA",
    "Western Asia": ("ARM AZE BHR CYP GEO IRQ ISR JOR KWT LBN OMN QAT SAU PSE SYR TUR ARE YEM"),
    "Eastern Europe": "BLR BGR CZE HUN POL MDA ROU RUS SVK UKR",
    "Northern Europe": ("ALA DNK EST FRO FIN GGY ISL IRL IMN JEY LVA LTU NOR SJM SWE GBR"),
    "Southern Europe": "ALB AND BIH HRV GIB GRC VAT ITA MLT MNE MKD PRT SMR SRB SVN ESP",
    "Western Europe": "AUT BEL FRA DEU LIE LUX MCO NLD CHE",
    "Australia and New Zealand": "AUS CXR CCK HMD NZL NFK",
    "Pacific Islands": (
        "FJI NCL PNG SLB VUT GUM KIR MHL FSM NRU MNP PLW UMI ASM COK PYF NIU PCN WSM TKL TON "
        "TUV WLF"
    ),
    "Antarctica": "ATA",
}
UNKNOWN: Final = ""


@cache
def _by_country() -> dict[str, str]:
    return {code: region for region, codes in _REGIONS.items() for code in codes.split()}


def region_of(country: str) -> str:
    """The M49 region of an ISO 3166-1 alpha-3 code; "" when not a listed country."""
    return _by_country().get(country, UNKNOWN)


def origin_region(airport: str) -> str:
    """The M49 region of an IATA airport's country; "" when the airport is unknown."""
    found = geography.airport(airport)
    return region_of(found.country) if found is not None else UNKNOWN


def regions() -> tuple[str, ...]:
    return tuple(_REGIONS)


# Travelers repeat a few combinations: each is made once (the cache is emptied when full).
_GROUPS: dict[tuple[str, str, int | None, str], Groups] = {}
GROUPS_CACHE_SIZE: Final = 1 << 16


def groups_for(nationality: str, sex: str, age: int | None, first_airport: str) -> Groups:
    """The audit groups of one traveler from what replay already has at hand.

    ``sex`` as the catalog words it ("m", "f", "x", "u"), ``age`` in years on
    the departure date, ``first_airport`` the origin of the first segment
    (the manifest's origin when there is no itinerary).
    """
    key = (nationality, sex, age, first_airport)
    found = _GROUPS.get(key)
    if found is None:
        if len(_GROUPS) >= GROUPS_CACHE_SIZE:
            _GROUPS.clear()
        found = _GROUPS[key] = Groups(nationality, sex, age_band(age), origin_region(first_airport))
    return found
