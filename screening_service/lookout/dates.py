"""Graded agreement between a listed date of birth and a traveler's.

A date of birth is evidence, not a gate: the closer the dates agree, the
weaker a name may be (the table in `score`). The kinds, strongest first:

* ``exact``: the full dates are equal;
* ``day_month_swapped``: the same year, day and month exchanged (dates written
  in another convention);
* ``one_year``: the year differs by one, day and month equal (an age turned
  into a year, a typed year);
* ``one_digit``: one digit of ``YYYYMMDD`` differs (1990-03-07 and 1990-03-17,
  or 1980-03-07);
* ``year_only``: the entry trusts only the year, and it is within one year of
  the traveler's;
* ``missing``: the entry has no date of birth.

Anything else is no agreement at all: a full listed date that disagrees more
is evidence of a different person, and no name makes it a hit.
"""

from __future__ import annotations

from datetime import date

from screening_service.lookout.model import BirthDate, DobAgreement

_PLAUSIBLE_YEARS = (1850, 2150)  # a changed first digit of the year is no one's birth year


def dob_agreement(listed: BirthDate | None, born: date) -> DobAgreement | None:
    """How a listed date of birth agrees with the traveler's, or None."""
    if listed is None:
        return DobAgreement.MISSING
    return agreement(listed.year, listed.exact, born)


def agreement(year: int | None, exact: date | None, born: date) -> DobAgreement | None:
    """`dob_agreement` of an entry's year and full date (both None when it has no date)."""
    if exact is None:
        if year is None:
            return DobAgreement.MISSING
        return DobAgreement.YEAR_ONLY if abs(year - born.year) <= 1 else None
    if exact == born:
        return DobAgreement.EXACT
    if exact.year == born.year and (exact.day, exact.month) == (born.month, born.day):
        return DobAgreement.DAY_MONTH_SWAPPED
    if abs(exact.year - born.year) == 1 and (exact.month, exact.day) == (born.month, born.day):
        return DobAgreement.ONE_YEAR
    written = f"{exact:%Y%m%d}"
    if sum(a != b for a, b in zip(written, f"{born:%Y%m%d}", strict=True)) == 1:
        return DobAgreement.ONE_DIGIT
    return None


def near_dates(born: date) -> list[date]:
    """Every full date that agrees with ``born`` (exact to one digit), ``born`` first.

    What the index probes, so it must cover every full-date kind of `agreement`.
    """
    found = [born]
    seen = {born}

    def add(year: int, month: int, day: int) -> None:
        if not _PLAUSIBLE_YEARS[0] <= year <= _PLAUSIBLE_YEARS[1]:
            return
        try:
            candidate = date(year, month, day)
        except ValueError:
            return
        if candidate not in seen:
            seen.add(candidate)
            found.append(candidate)

    add(born.year, born.day, born.month)
    add(born.year - 1, born.month, born.day)
    add(born.year + 1, born.month, born.day)
    written = f"{born:%Y%m%d}"
    for at in range(len(written)):
        for digit in "0123456789":
            if digit != written[at]:
                text = written[:at] + digit + written[at + 1 :]
                add(int(text[:4]), int(text[4:6]), int(text[6:]))
    return found
