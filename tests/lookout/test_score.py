"""Name scores and date-of-birth agreement, one pair at a time."""

from __future__ import annotations

from datetime import date

import pytest

from screening_service.lookout import BirthDate, DobAgreement
from screening_service.lookout.align import name_score
from screening_service.lookout.dates import dob_agreement, near_dates
from screening_service.lookout.normalize import normalize_name
from screening_service.lookout.score import DEFAULT_THRESHOLD, name_needed


def score(a: tuple[str, str], b: tuple[str, str]) -> float:
    return round(name_score(normalize_name(*a), normalize_name(*b)), 2)


@pytest.mark.parametrize(
    ("listed", "passport", "expected"),
    [
        (("Nováková", "Žofia"), ("NOVAKOVA", "ZOFIA"), 100.0),
        (("Петров", "Иван"), ("PETROV", "IVAN"), 100.0),
        (("NOVAKOVA", "ZOFIA"), ("ZOFIA", "NOVAKOVA"), 100.0),  # fields swapped
        (("GARCIA LOPEZ", "MARIA"), ("LOPEZ", "MARIA GARCIA"), 100.0),  # parts reordered
        (("GARCIA", "MARIA"), ("GARCIA", "MARIA ELENA"), 94.0),  # the traveler's extra part: 6
        (("GARCIA", "MARIA ELENA"), ("GARCIA", "MARIA"), 96.0),  # a listed middle name: 4
        (("حسن", "خالد"), ("HASSAN", "KHALID"), 97.0),  # Arabic: consonants agree
        (("محمد", "سمير"), ("MOHAMED", "SAMIR"), 97.0),
        (("Щербакова", "Юлия"), ("SHCHERBAKOVA", "IULIIA"), 100.0),  # ICAO 9303 spelling
        (("Щербакова", "Юлия"), ("SHCHERBAKOVA", "YULIA"), 99.0),  # doubled letter: 0.97
        (("Παπαδόπουλος", "Γιώργος"), ("PAPADOPOULOS", "GIORGOS"), 96.67),  # vowels: 0.93
        (("TESTPERSONOVA", "ZOFIA"), ("TESTPERSONOWA", "ZOFIA"), 94.87),  # one typo: 12/13
        # Equivalent names: (2 x 1 + 0.95) / 3.
        (("Testmann", "James"), ("TESTMANN", "JIM"), 98.33),
        (("Testmann", "Margaret"), ("TESTMANN", "PEGGY"), 98.33),
        (("Testmann", "William"), ("TESTMANN", "BILL"), 98.33),
        # A patronymic on the list side costs 1 (Alyona/Alena are equivalent: 0.95).
        (("Savenkova", "Alyona Aleksandrovna"), ("SAVENKOVA", "ALENA"), 97.33),
        # The article is dropped; Tariq/Tarek are equivalent.
        (("al-Hijazi", "Tariq"), ("HIJAZI", "TAREK"), 98.33),
        (("Alhijazi", "Tariq"), ("HIJAZI", "TARIQ"), 98.0),  # attached article: 0.97
        (("Uthman", "Ali"), ("OUTHMAN", "ALI"), 98.0),  # OU/U, TH/T: 0.97
        (("Uthman", "Ali"), ("OTMAN", "ALI"), 95.33),  # vowels only: 0.93
    ],
)
def test_same_person(listed: tuple[str, str], passport: tuple[str, str], expected: float) -> None:
    assert score(listed, passport) == expected
    assert expected >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("listed", "passport", "expected"),
    [
        # Family aligned; a listed given name (4), a traveler's part (6), both: different (15).
        (("KIM", "KIM"), ("KIM", "SOO"), 75.0),
        (("GARCIA", "MARIA"), ("LOPEZ", "MARIA"), 0.0),  # the family name must align
        (("PETROV", "IVAN"), ("PAVLOV", "IGOR"), 0.0),
        (("TESTPERSON", "ANNA"), ("", ""), 0.0),
        # rigour says NOVAKOVA is a form of NOVAK (0.95); the given names differ: 95 - 25.
        (("NOVAKOVA", "ZOFIA"), ("NOVAK", "ZORA"), 70.0),
        (("MARBURY", "JOHN"), ("WARBURY", "JOHN"), 83.81),  # first letter differs: 0.76
        (("NAIR", "PRIYA"), ("NAIDU", "PRIYA"), 0.0),
        (("HADDAD", "LINA ALI"), ("HADDAD", "ALI"), 92.0),  # the first given name missing: 8
    ],
)
def test_different_people(
    listed: tuple[str, str], passport: tuple[str, str], expected: float
) -> None:
    assert score(listed, passport) == expected


BORN = date(1990, 3, 7)


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (BirthDate.full(date(1990, 3, 7)), DobAgreement.EXACT),
        (BirthDate.full(date(1990, 7, 3)), DobAgreement.DAY_MONTH_SWAPPED),
        (BirthDate.full(date(1991, 3, 7)), DobAgreement.ONE_YEAR),
        (BirthDate.full(date(1989, 3, 7)), DobAgreement.ONE_YEAR),
        (BirthDate.full(date(1990, 3, 8)), DobAgreement.ONE_DIGIT),
        (BirthDate.full(date(1990, 3, 27)), DobAgreement.ONE_DIGIT),
        (BirthDate.full(date(1990, 8, 7)), DobAgreement.ONE_DIGIT),
        (BirthDate.full(date(1980, 3, 7)), DobAgreement.ONE_DIGIT),
        (BirthDate.full(date(1991, 7, 3)), None),
        (BirthDate.full(date(1990, 4, 8)), None),  # two digits
        (BirthDate.full(date(1992, 3, 8)), None),
        (BirthDate.full(date(1992, 3, 7)), DobAgreement.ONE_DIGIT),  # not a year, a digit
        (BirthDate.year_only(1990), DobAgreement.YEAR_ONLY),
        (BirthDate.year_only(1989), DobAgreement.YEAR_ONLY),
        (BirthDate.year_only(1991), DobAgreement.YEAR_ONLY),
        (BirthDate.year_only(1988), None),
        (BirthDate.year_only(1992), None),
        (None, DobAgreement.MISSING),
    ],
)
def test_dob_agreement(listed: BirthDate | None, expected: DobAgreement | None) -> None:
    assert dob_agreement(listed, BORN) == expected


def test_the_index_probes_every_full_date_that_agrees() -> None:
    probed = set(near_dates(BORN))
    for listed in [date(1990, 7, 3), date(1991, 3, 7), date(1990, 3, 8), date(1980, 3, 7)]:
        assert listed in probed
    assert date(1990, 4, 8) not in probed
    assert near_dates(BORN)[0] == BORN


@pytest.mark.parametrize(
    ("kind", "needed"),
    [
        (DobAgreement.EXACT, 88.0),
        (DobAgreement.DAY_MONTH_SWAPPED, 90.0),
        (DobAgreement.ONE_YEAR, 92.0),
        (DobAgreement.ONE_DIGIT, 92.0),
        (DobAgreement.YEAR_ONLY, 97.0),
        (DobAgreement.MISSING, 99.0),
    ],
)
def test_a_weaker_date_needs_a_stronger_name(kind: DobAgreement, needed: float) -> None:
    assert name_needed(kind, DEFAULT_THRESHOLD) == needed
    assert name_needed(kind, 95.0) == min(100.0, needed + 7.0)


def test_birth_date_year_must_match_its_date() -> None:
    with pytest.raises(ValueError, match="year"):
        BirthDate(1991, date(1990, 1, 1))
