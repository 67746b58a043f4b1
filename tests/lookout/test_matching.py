"""One listed person, one traveler, the expected hit: a hand-written table per category.

Every row is matched through a one-entry index, so the index, the alignment
and the date grading all take part. ``None`` means no hit.
"""

from __future__ import annotations

from datetime import date

import pytest

from screening_service.lookout import (
    BirthDate,
    DobAgreement,
    ListKind,
    LookoutEntry,
    LookoutIndex,
    LookoutQuery,
)

BORN = date(1986, 4, 9)
FULL = BirthDate.full(BORN)
E = DobAgreement

Row = tuple[tuple[str, str, BirthDate | None], tuple[str, str, date], DobAgreement | None]

TRUE_PAIRS: list[Row] = [
    # romanisation
    (("Hejazi", "Tariq", FULL), ("HIJAZI", "TAREK", BORN), E.EXACT),
    (("Uthman", "Khaled", FULL), ("OTHMAN", "KHALID", BORN), E.EXACT),
    (("Darwish", "Aisha", FULL), ("DARWICH", "AICHA", BORN), E.EXACT),
    # script
    (("Смирнова", "Юлия", FULL), ("SMIRNOVA", "IULIIA", BORN), E.EXACT),
    (("حداد", "سمير", FULL), ("HADDAD", "SAMIR", BORN), E.EXACT),
    (("Νικολάου", "Ελένη", FULL), ("NIKOLAOU", "ELENI", BORN), E.EXACT),
    # order
    (("Testmark", "Julia", FULL), ("JULIA", "TESTMARK", BORN), E.EXACT),
    (("Castellano Ortega", "Lucia", FULL), ("ORTEGA", "LUCIA CASTELLANO", BORN), E.EXACT),
    # typo
    (("Pemberton", "Clara", FULL), ("PEMBRETON", "CLARA", BORN), E.EXACT),
    (("Lindqvist", "Oscar", FULL), ("LINDQIST", "OSCAR", BORN), E.EXACT),
    # nickname
    (("Testmark", "Margaret", FULL), ("TESTMARK", "PEGGY", BORN), E.EXACT),
    (("Testmark", "James", FULL), ("TESTMARK", "JIM", BORN), E.EXACT),
    (("Testmark", "William", FULL), ("TESTMARK", "BILL", BORN), E.EXACT),
    # patronymic / extra part
    (("Savenkova", "Alyona Aleksandrovna", FULL), ("SAVENKOVA", "ALENA", BORN), E.EXACT),
    (("Testmark", "Anna Louise", FULL), ("TESTMARK", "ANNA", BORN), E.EXACT),
    # Arabic article
    (("al-Hijazi", "Tariq", FULL), ("HIJAZI", "TAREK", BORN), E.EXACT),
    (("El Mansour", "Walid", FULL), ("MANSOUR", "OUALID", BORN), E.EXACT),
    # dates
    (("Testmark", "Julia", FULL), ("TESTMARK", "JULIA", date(1986, 9, 4)), E.DAY_MONTH_SWAPPED),
    (("Testmark", "Julia", FULL), ("TESTMARK", "JULIA", date(1986, 4, 19)), E.ONE_DIGIT),
    (("Testmark", "Julia", FULL), ("TESTMARK", "JULIA", date(1987, 4, 9)), E.ONE_YEAR),
    (("Testmark", "Julia", FULL), ("TESTMARK", "JULIA", date(1985, 4, 9)), E.ONE_YEAR),
    (("Testmark", "Julia", BirthDate.year_only(1985)), ("TESTMARK", "JULIA", BORN), E.YEAR_ONLY),
    (("Testmark", "Julia", None), ("TESTMARK", "JULIA", BORN), E.MISSING),
    # a weaker date with a variant name that is still strong enough
    (("Hijazi", "Tariq", None), ("HIJAZI", "TARIQ", BORN), E.MISSING),
    (("Hijazi", "Tarek", BirthDate.year_only(1986)), ("HIJJAZI", "TAREK", BORN), E.YEAR_ONLY),
    (("Testmark", "James", FULL), ("TESTMARK", "JIM", date(1987, 4, 9)), E.ONE_YEAR),
]

HARD_NEGATIVES: list[Row] = [
    # close family names, same date of birth
    (("Marbury", "John", FULL), ("WARBURY", "JOHN", BORN), None),
    (("Nair", "Priya", FULL), ("NAIDU", "PRIYA", BORN), None),
    # siblings: same family name, another given name, the same or a near date
    (("Testmark", "Julia", FULL), ("TESTMARK", "CLARA", BORN), None),
    (("Testmark", "Julia", FULL), ("TESTMARK", "ANNA", date(1987, 4, 9)), None),
    # a year-only date needs more than a vowel respelling of the family name (96.67)
    (("Hijazi", "Tarek", BirthDate.year_only(1986)), ("HEJAZI", "TAREK", BORN), None),
    # year-only entries on ordinary flights
    (("Haddad", "Lina Ali", BirthDate.year_only(1986)), ("HADDAD", "ALI", BORN), None),
    (("Haddad", "Ali Hassan", BirthDate.year_only(1986)), ("HADDAD", "ALI", BORN), None),
    # no listed date: only a near-identical name
    (("Testmark", "Julia", None), ("TESTMARK", "JULIANA", BORN), None),
    (("Testmark", "James", None), ("TESTMARK", "JIM", BORN), None),
    # a full date that disagrees more than one digit or one year
    (("Testmark", "Julia", FULL), ("TESTMARK", "JULIA", date(1989, 4, 19)), None),
    (("Testmark", "Julia", FULL), ("TESTMARK", "JULIA", date(1986, 5, 19)), None),
]


@pytest.mark.parametrize(("listed", "traveler", "expected"), TRUE_PAIRS + HARD_NEGATIVES)
def test_expected_hit(
    listed: tuple[str, str, BirthDate | None],
    traveler: tuple[str, str, date],
    expected: DobAgreement | None,
) -> None:
    surname, given, birth = listed
    index = LookoutIndex.build([LookoutEntry(ListKind.OTHER, "X-1", surname, given, birth)])

    hits = index.match(LookoutQuery(*traveler))

    assert [h.dob_agreement for h in hits] == ([] if expected is None else [expected])
