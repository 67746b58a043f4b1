"""Code lists both message types share: sex, document type, country codes."""

from __future__ import annotations

from functools import cache
from typing import Final

import pycountry

from screening_service import geography
from screening_service.proto import pb

SEX: Final[dict[str, pb.Sex.ValueType]] = {
    "M": pb.SEX_M,
    "F": pb.SEX_F,
    "X": pb.SEX_X,
    "U": pb.SEX_U,
    "MI": pb.SEX_M,  # SSR DOCS: male infant
    "FI": pb.SEX_F,  # SSR DOCS: female infant
}

# DOC / SSR DOCS document type codes (ICAO 9303 first letter, IATA PADIS codes).
PASSPORT_CODES: Final = frozenset({"P", "PT", "PP", "PD", "PS", "PL", "PM", "PO"})
IDENTITY_CODES: Final = frozenset({"I", "C", "A", "ID", "IP", "AC", "CR"})
VISA_CODES: Final = frozenset({"V", "VI"})


def document_type(code: str) -> pb.DocumentType.ValueType:
    code = code.upper()
    if code in PASSPORT_CODES:
        return pb.DOCUMENT_TYPE_PASSPORT
    if code in IDENTITY_CODES:
        return pb.DOCUMENT_TYPE_IDENTITY_CARD
    if code in VISA_CODES:
        return pb.DOCUMENT_TYPE_VISA
    return pb.DOCUMENT_TYPE_OTHER


@cache
def _alpha2() -> dict[str, str]:
    return {c.alpha_2: c.alpha_3 for c in pycountry.countries}


def country(code: str) -> tuple[str, bool]:
    """(ISO alpha-3, converted?) for an alpha-3 or alpha-2 code; ("", False) when neither.

    Some feeds send alpha-2 (``GB``) where alpha-3 is due; those are
    converted and the caller warns. ``D`` (German documents) is Germany.
    """
    code = code.strip().upper()
    if len(code) == 3 and geography.is_country(code):
        return code, False
    if code == "D":
        return "DEU", True
    if len(code) == 2 and (alpha3 := _alpha2().get(code)):
        return alpha3, True
    return "", False
