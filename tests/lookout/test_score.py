"""Name similarity and date-of-birth agreement, one pair at a time."""

from __future__ import annotations

from datetime import date

import pytest

from screening_service.lookout import BirthDate, MatchedOn
from screening_service.lookout.normalize import normalize_name
from screening_service.lookout.score import DEFAULT_THRESHOLD, dob_agreement, name_similarity


def similarity(a: tuple[str, str], b: tuple[str, str]) -> float:
    return round(name_similarity(normalize_name(*a), normalize_name(*b)), 2)


@pytest.mark.parametrize(
    ("listed", "passport", "expected"),
    [
        (("Nováková", "Žofia"), ("NOVAKOVA", "ZOFIA"), 100.0),
        (("Петров", "Иван"), ("PETROV", "IVAN"), 100.0),
        (("NOVAKOVA", "ZOFIA"), ("ZOFIA", "NOVAKOVA"), 100.0),  # fields swapped
        (("GARCIA LOPEZ", "MARIA"), ("LOPEZ", "MARIA GARCIA"), 100.0),  # tokens reordered
        (("GARCIA", "MARIA"), ("GARCIA", "MARIA ELENA"), 95.0),  # a middle name more
        (("حسن", "خالد"), ("HASSAN", "KHALID"), 95.0),  # Arabic: consonants agree
        (("محمد", "سمير"), ("MOHAMED", "SAMIR"), 95.0),
        (("Щербакова", "Юлия"), ("SHCHERBAKOVA", "IULIIA"), 100.0),  # ICAO 9303 spelling
        (("Щербакова", "Юлия"), ("SHCHERBAKOVA", "YULIA"), 97.3),  # an older passport
        (("Παπαδόπουλος", "Γιώργος"), ("PAPADOPOULOS", "GIORGOS"), 95.0),
        (("TESTPERSONOVA", "ZOFIA"), ("TESTPERSONOWA", "ZOFIA"), 94.74),  # one typo
    ],
)
def test_same_person_scores_at_least_the_threshold(
    listed: tuple[str, str], passport: tuple[str, str], expected: float
) -> None:
    assert similarity(listed, passport) == expected
    assert similarity(passport, listed) == expected
    assert expected >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("listed", "passport"),
    [
        (("KIM", "KIM"), ("KIM", "SOO")),  # one shared word is not a subset match
        (("GARCIA", "MARIA"), ("LOPEZ", "MARIA")),
        (("PETROV", "IVAN"), ("PAVLOV", "IGOR")),
        (("TESTPERSON", "ANNA"), ("", "")),
        (("NOVAKOVA", "ZOFIA"), ("NOVAK", "ZORA")),
    ],
)
def test_different_people_score_below_the_threshold(
    listed: tuple[str, str], passport: tuple[str, str]
) -> None:
    assert similarity(listed, passport) < DEFAULT_THRESHOLD


BORN = date(1990, 3, 7)


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (BirthDate.full(date(1990, 3, 7)), MatchedOn.NAME_DOB),
        (BirthDate.full(date(1990, 7, 3)), MatchedOn.NAME_DOB_NEAR),  # day and month swapped
        (BirthDate.full(date(1991, 7, 3)), None),
        (BirthDate.full(date(1990, 3, 8)), None),
        (BirthDate.full(date(1991, 3, 7)), None),  # a full date must be exact
        (BirthDate.year_only(1990), MatchedOn.NAME_DOB_NEAR),
        (BirthDate.year_only(1989), MatchedOn.NAME_DOB_NEAR),
        (BirthDate.year_only(1991), MatchedOn.NAME_DOB_NEAR),
        (BirthDate.year_only(1988), None),
        (BirthDate.year_only(1992), None),
        (None, None),
    ],
)
def test_dob_agreement(listed: BirthDate | None, expected: MatchedOn | None) -> None:
    assert dob_agreement(listed, BORN) == expected


def test_birth_date_year_must_match_its_date() -> None:
    with pytest.raises(ValueError, match="year"):
        BirthDate(1991, date(1990, 1, 1))
