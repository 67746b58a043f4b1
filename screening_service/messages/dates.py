"""Dates and times as airline messages write them, resolved to real dates.

PAXLST writes ``YYMMDD`` and PNRGOV ``DDMMYY`` ("121210" is a different day
in each), SSR DOCS ``DDMMMYY``, EDIFACT format 102 ``CCYYMMDD`` and 201
``YYMMDDHHMM``. A two-digit year has no century: a birth date is the latest
one not after the message date; an expiry date is the one inside a validity
window around the message date (a document may have expired a while ago or
be valid for years), and when neither century fits the nearer one is taken
and the caller warns. Leg times are local to the airport and become UTC with
the airport's time zone.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Final

from screening_service import geography

_MONTHS: Final = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
EXPIRED_YEARS: Final = 15  # an expired document still presented, at most
VALID_YEARS: Final = 20  # the longest validity a document is issued with, and some slack


class YearRule(enum.Enum):
    BIRTH = "birth"  # never after the reference date
    EXPIRY = "expiry"  # within [reference - EXPIRED_YEARS, reference + VALID_YEARS]
    NEAR = "near"  # the century that puts the date nearest the reference (legs, bookings)


@dataclass(frozen=True)
class Resolved:
    date: dt.date
    sure: bool  # False: no century satisfied the rule, the nearest was taken


def _century(yy: int, month: int, day: int, rule: YearRule, reference: dt.date) -> Resolved:
    candidates: list[dt.date] = []
    for century in (1800, 1900, 2000, 2100):
        try:
            candidates.append(dt.date(century + yy, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError("not a calendar date")
    if rule is YearRule.BIRTH:
        past = [c for c in candidates if c <= reference]
        return Resolved(max(past), True) if past else Resolved(min(candidates), False)
    nearest = min(candidates, key=lambda c: abs((c - reference).days))
    if rule is YearRule.EXPIRY:
        low = _shift_years(reference, -EXPIRED_YEARS)
        high = _shift_years(reference, VALID_YEARS)
        fitting = [c for c in candidates if low <= c <= high]
        return Resolved(fitting[0], True) if fitting else Resolved(nearest, False)
    return Resolved(nearest, True)


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _digits(text: str, size: int) -> bool:
    return len(text) == size and text.isascii() and text.isdigit()


def yymmdd(text: str, rule: YearRule, reference: dt.date) -> Resolved:
    """PAXLST ``YYMMDD``; also ``CCYYMMDD`` (format 102), recognised by its length."""
    if _digits(text, 8):
        return Resolved(dt.date(int(text[:4]), int(text[4:6]), int(text[6:])), True)
    if not _digits(text, 6):
        raise ValueError("not YYMMDD")
    return _century(int(text[:2]), int(text[2:4]), int(text[4:]), rule, reference)


def ddmmyy(text: str, rule: YearRule, reference: dt.date) -> Resolved:
    """PNRGOV ``DDMMYY``."""
    if not _digits(text, 6):
        raise ValueError("not DDMMYY")
    return _century(int(text[4:]), int(text[2:4]), int(text[:2]), rule, reference)


def ddmmmyy(text: str, rule: YearRule, reference: dt.date) -> Resolved:
    """SSR DOCS ``DDMMMYY`` (12JUL64); also ``DDMMMYYYY``."""
    text = text.upper()
    month = _MONTHS.get(text[2:5])
    if month is None or not text[:2].isdigit():
        raise ValueError("not DDMMMYY")
    if _digits(text[5:], 4):
        return Resolved(dt.date(int(text[5:]), month, int(text[:2])), True)
    if not _digits(text[5:], 2):
        raise ValueError("not DDMMMYY")
    return _century(int(text[5:]), month, int(text[:2]), rule, reference)


def clock(text: str) -> dt.time:
    """``HHMM`` or ``HHMMSS``."""
    if not (_digits(text, 4) or _digits(text, 6)):
        raise ValueError("not HHMM")
    return dt.time(int(text[:2]), int(text[2:4]), int(text[4:6] or 0))


def edifact_datetime(text: str, code: str, reference: dt.date) -> dt.datetime:
    """A naive local date and time: format 201 ``YYMMDDHHMM``, 203 ``CCYYMMDDHHMM``.

    Without a format code the length decides; a bare date is midnight.
    """
    if code == "203" or (not code and _digits(text, 12)):
        if not _digits(text, 12):
            raise ValueError("not CCYYMMDDHHMM")
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        return dt.datetime.combine(day, clock(text[8:]))
    if _digits(text, 10):
        day = yymmdd(text[:6], YearRule.NEAR, reference).date
        return dt.datetime.combine(day, clock(text[6:]))
    if _digits(text, 6) or _digits(text, 8):
        return dt.datetime.combine(yymmdd(text, YearRule.NEAR, reference).date, dt.time())
    raise ValueError("not an EDIFACT date and time")


def to_utc(local: dt.datetime, airport_code: str) -> dt.datetime | None:
    """A local time at an airport as UTC; None when the airport is unknown."""
    found = geography.airport(airport_code)
    if found is None:
        return None
    return local.replace(tzinfo=found.timezone).astimezone(dt.UTC)
