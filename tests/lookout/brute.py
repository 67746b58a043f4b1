"""An independent reference for what the index must find, sharing no code with it.

It does not call the implementation's normalising or scoring: it
transliterates with anyascii itself, calls two names the same person only
when their words are the same (in any order), and grades dates of birth by its
own rules, written out below from the table in ``lookout/README.md``. So it
sees only *obvious* matches: every one must be among the index's hits, with
this date agreement; the fuzzy ones are checked by the hand-written tables of
``test_matching.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from anyascii import anyascii

from screening_service.lookout import BirthDate, DobAgreement, LookoutEntry, LookoutQuery

# The name score each date agreement needs at the default threshold (the README's table).
NEEDED = {
    DobAgreement.DOCUMENT: 100.0,
    DobAgreement.EXACT: 88.0,
    DobAgreement.DAY_MONTH_SWAPPED: 90.0,
    DobAgreement.ONE_YEAR: 92.0,
    DobAgreement.ONE_DIGIT: 92.0,
    DobAgreement.YEAR_ONLY: 97.0,
    DobAgreement.MISSING: 99.0,
}


def words(surname: str, given: str) -> list[str]:
    text = anyascii(f"{surname} {given}".replace("'", "").replace("\u2019", "")).upper()
    return sorted(re.findall("[A-Z]+", text.replace("'", "").replace("Y", "I")))


def document(number: str) -> str:
    return "".join(c for c in number.upper() if c.isalnum())


def grade(listed: BirthDate | None, born: date) -> DobAgreement | None:
    if listed is None:
        return DobAgreement.MISSING
    if listed.exact is None:
        return (
            DobAgreement.YEAR_ONLY
            if listed.year in (born.year - 1, born.year, born.year + 1)
            else None
        )
    exact = listed.exact
    if exact == born:
        return DobAgreement.EXACT
    if exact.year == born.year and exact.month == born.day and exact.day == born.month:
        return DobAgreement.DAY_MONTH_SWAPPED
    if exact.month == born.month and exact.day == born.day and abs(exact.year - born.year) == 1:
        return DobAgreement.ONE_YEAR
    differing = [a for a, b in zip(exact.isoformat(), born.isoformat(), strict=True) if a != b]
    return DobAgreement.ONE_DIGIT if len(differing) == 1 else None


def obvious_hits(
    entries: Sequence[LookoutEntry], query: LookoutQuery
) -> set[tuple[str, DobAgreement]]:
    """(entry id, date agreement) of every entry this traveler obviously is."""
    found: set[tuple[str, DobAgreement]] = set()
    carried = document(query.document_number)
    name = words(query.surname, query.given_names)
    for entry in entries:
        if carried and carried in {document(n) for n in entry.document_numbers}:
            found.add((entry.entry_id, DobAgreement.DOCUMENT))
            continue
        agreement = grade(entry.date_of_birth, query.date_of_birth)
        names = [(entry.surname, entry.given_names)]
        names += [(a.surname, a.given_names) for a in entry.aliases]
        if name and agreement is not None and any(words(*n) == name for n in names):
            found.add((entry.entry_id, agreement))
    return found
