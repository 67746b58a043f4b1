"""Matching travelers against an index: each way a hit can happen, and can not."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from screening_service.lookout import (
    Alias,
    BirthDate,
    DobAgreement,
    ListKind,
    LookoutEntry,
    LookoutHit,
    LookoutIndex,
    LookoutQuery,
    MatchedOn,
    load_lookout,
)
from screening_service.lookout.synthetic import synthetic_entries, synthetic_travelers
from tests.lookout.brute import NEEDED, obvious_hits

SAMPLE = Path(__file__).resolve().parents[2] / "lookout" / "sample.csv"
MISSING = ListKind.MISSING_PERSON
TRAFFICKER = ListKind.KNOWN_TRAFFICKER

ENTRIES = (
    LookoutEntry(
        MISSING, "M-1", "Testpersonová", "Žofia", BirthDate.full(date(2004, 3, 7)),
        document_numbers=("ZZ-000 0001",),
    ),
    LookoutEntry(TRAFFICKER, "T-1", "Образцов", "Тест", BirthDate.year_only(1979)),
    LookoutEntry(MISSING, "M-2", "تجريبي", "سمير", BirthDate.full(date(2003, 5, 9))),
    LookoutEntry(
        MISSING, "M-3", "Sampleton", "Niño", BirthDate.full(date(1988, 6, 30)),
        aliases=(Alias("Exampleson", "Nino"),),
    ),
    LookoutEntry(ListKind.OTHER, "O-1", "Fixturesen", "Åse", None, document_numbers=("ZZ13",)),
)  # fmt: skip


@pytest.fixture(scope="module")
def index() -> LookoutIndex:
    return LookoutIndex.build(ENTRIES)


def query(surname: str, given: str, born: date, document: str = "") -> LookoutQuery:
    return LookoutQuery(surname, given, born, document)


def test_exact_name_and_date(index: LookoutIndex) -> None:
    hits = index.match(query("TESTPERSONOVA", "ZOFIA", date(2004, 3, 7)))

    assert hits == (LookoutHit(MISSING, "M-1", 100.0, MatchedOn.NAME_DOB, DobAgreement.EXACT),)


def test_a_typo_still_hits_with_a_lower_score(index: LookoutIndex) -> None:
    hits = index.match(query("TESTPERSONOWA", "ZOFIA", date(2004, 3, 7)))

    # 12 of 13 letters (0.92) for the family name, weighted twice: (2 x 0.923 + 1) / 3.
    assert hits == (LookoutHit(MISSING, "M-1", 94.87, MatchedOn.NAME_DOB, DobAgreement.EXACT),)


def test_surname_and_given_names_swapped(index: LookoutIndex) -> None:
    hits = index.match(query("ZOFIA", "TESTPERSONOVA", date(2004, 3, 7)))

    assert hits == (LookoutHit(MISSING, "M-1", 100.0, MatchedOn.NAME_DOB, DobAgreement.EXACT),)


def test_day_and_month_swapped_is_near(index: LookoutIndex) -> None:
    hits = index.match(query("TESTPERSONOVA", "ZOFIA", date(2004, 7, 3)))

    assert hits == (
        LookoutHit(MISSING, "M-1", 100.0, MatchedOn.NAME_DOB_NEAR, DobAgreement.DAY_MONTH_SWAPPED),
    )


@pytest.mark.parametrize("year", [1978, 1979, 1980])
def test_a_year_only_date_is_near_within_a_year(index: LookoutIndex, year: int) -> None:
    hits = index.match(query("OBRAZTSOV", "TEST", date(year, 12, 31)))

    assert hits == (
        LookoutHit(TRAFFICKER, "T-1", 100.0, MatchedOn.NAME_DOB_NEAR, DobAgreement.YEAR_ONLY),
    )


@pytest.mark.parametrize("year", [1977, 1981])
def test_a_year_only_date_two_years_off_does_not_hit(index: LookoutIndex, year: int) -> None:
    assert index.match(query("OBRAZTSOV", "TEST", date(year, 1, 1))) == ()


def test_a_document_hits_on_its_own(index: LookoutIndex) -> None:
    hits = index.match(query("SOMEONE", "ELSE", date(1950, 1, 1), "zz0000001"))

    assert hits == (LookoutHit(MISSING, "M-1", 100.0, MatchedOn.DOCUMENT, DobAgreement.DOCUMENT),)


def test_a_document_hit_outranks_the_name_hit_on_the_same_entry(index: LookoutIndex) -> None:
    hits = index.match(query("TESTPERSONOVA", "ZOFIA", date(2004, 3, 7), "ZZ 000-0001"))

    assert hits == (LookoutHit(MISSING, "M-1", 100.0, MatchedOn.DOCUMENT, DobAgreement.DOCUMENT),)


@pytest.mark.parametrize(
    ("born", "agreement"),
    [
        (date(2004, 3, 8), DobAgreement.ONE_DIGIT),
        (date(2005, 3, 7), DobAgreement.ONE_YEAR),
        (date(2003, 3, 7), DobAgreement.ONE_YEAR),
    ],
)
def test_a_near_date_needs_a_stronger_name(
    index: LookoutIndex, born: date, agreement: DobAgreement
) -> None:
    near = LookoutHit(MISSING, "M-1", 100.0, MatchedOn.NAME_DOB_NEAR, agreement)

    assert index.match(query("TESTPERSONOVA", "ZOFIA", born)) == (near,)
    # A typo in each part: (2 x 12/13 + 4/5) / 3 = 88.21 reaches the 88 of an exact date,
    # not the 92 of a near one.
    typos = query("TESTPERSONOWA", "ZOFJA", born)
    assert index.match(typos) == ()
    assert [h.score for h in index.match(query("TESTPERSONOWA", "ZOFJA", date(2004, 3, 7)))] == [
        88.21
    ]


def test_a_name_without_date_agreement_is_not_a_hit(index: LookoutIndex) -> None:
    assert index.match(query("TESTPERSONOVA", "ZOFIA", date(2004, 4, 8))) == ()
    assert index.match(query("TESTPERSONOVA", "ZOFIA", date(2007, 3, 17))) == ()


def test_an_entry_without_a_date_needs_a_near_identical_name(index: LookoutIndex) -> None:
    assert index.match(query("FIXTURESEN", "ASE", date(1980, 1, 1))) == (
        LookoutHit(ListKind.OTHER, "O-1", 100.0, MatchedOn.NAME, DobAgreement.MISSING),
    )
    assert index.match(query("FIXTURESEN", "ASA", date(1980, 1, 1))) == ()
    assert index.match(query("FIXTURESEN", "ASE", date(1980, 1, 1), "ZZ13")) == (
        LookoutHit(ListKind.OTHER, "O-1", 100.0, MatchedOn.DOCUMENT, DobAgreement.DOCUMENT),
    )


def test_an_alias_hits(index: LookoutIndex) -> None:
    hits = index.match(query("EXAMPLESON", "NINO", date(1988, 6, 30)))

    assert hits == (LookoutHit(MISSING, "M-3", 100.0, MatchedOn.NAME_DOB, DobAgreement.EXACT),)


def test_listed_arabic_name_against_a_latin_passport(index: LookoutIndex) -> None:
    hits = index.match(query("TAJRIBI", "SAMIR", date(2003, 5, 9)))

    assert hits == (LookoutHit(MISSING, "M-2", 97.0, MatchedOn.NAME_DOB, DobAgreement.EXACT),)


def test_the_same_name_and_date_on_two_lists_gives_two_hits() -> None:
    born = BirthDate.full(date(1990, 1, 2))
    index = LookoutIndex.build(
        [
            LookoutEntry(TRAFFICKER, "B", "Testperson", "Anna", born),
            LookoutEntry(MISSING, "A", "Testperson", "Anna Maria", born),
            LookoutEntry(MISSING, "C", "Testperson", "Anna", born),
        ]
    )

    hits = index.match(query("TESTPERSON", "ANNA", date(1990, 1, 2)))

    # Equal scores are ordered by list kind, then entry id: only to be deterministic.
    # A listed middle name costs 4.
    assert [(h.entry_id, h.score) for h in hits] == [("B", 100.0), ("C", 100.0), ("A", 96.0)]


def test_the_threshold_is_a_parameter() -> None:
    strict = LookoutIndex.build(ENTRIES, threshold=95.0)

    assert strict.threshold == 95.0
    assert strict.match(query("TESTPERSONOWA", "ZOFIA", date(2004, 3, 7))) == ()
    assert strict.match(query("TESTPERSONOVA", "ZOFIA", date(2004, 3, 7))) != ()


@pytest.mark.parametrize("threshold", [0.0, -1.0, 100.5])
def test_a_threshold_out_of_range_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        LookoutIndex.build(ENTRIES, threshold=threshold)


def test_a_repeated_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate entry missing_person/M-1"):
        LookoutIndex.build([*ENTRIES, ENTRIES[0]])


def test_an_empty_index_matches_nothing() -> None:
    index = LookoutIndex.build([])

    assert len(index) == 0
    assert index.match(query("TESTPERSON", "ANNA", date(1990, 1, 2), "ZZ1")) == ()


def test_a_query_without_a_name_can_still_hit_by_document(index: LookoutIndex) -> None:
    assert index.match(query("", "", date(1990, 1, 2))) == ()
    assert [h.entry_id for h in index.match(query("", "", date(1990, 1, 2), "ZZ13"))] == ["O-1"]


def test_match_many_is_match_for_each(index: LookoutIndex) -> None:
    queries = [
        query("TESTPERSONOVA", "ZOFIA", date(2004, 3, 7)),
        query("NOBODY", "ATALL", date(2004, 3, 7)),
        query("SOMEONE", "ELSE", date(1950, 1, 1), "ZZ13"),
    ]

    assert index.match_many(queries) == [index.match(q) for q in queries]
    assert [len(hits) for hits in index.match_many(queries)] == [1, 0, 1]


def test_the_sample_list_matches_its_own_people() -> None:
    index = LookoutIndex.build(load_lookout(SAMPLE))

    cases = {
        ("PRIMEROVA", "ANNA", date(2006, 11, 2)): "SAMPLE-002",
        ("DOKIMASTIKI", "ELENI", date(2005, 8, 15)): "SAMPLE-004",
        ("KHALID", "MITHALI", date(1976, 2, 11)): "SAMPLE-007",  # Arabic, year only
        ("TESTOVA", "IULIIA", date(2002, 7, 21)): "SAMPLE-014",  # ICAO transliteration
        ("OPLACEHOLDER", "SEAN", date(1977, 11, 11)): "SAMPLE-018",
        ("SAMPLETON", "NINO ALBERTO", date(1988, 6, 30)): "SAMPLE-010",  # second alias
    }
    for (surname, given, born), entry_id in cases.items():
        assert [h.entry_id for h in index.match(query(surname, given, born))] == [entry_id]


def near_copies(rng: random.Random, entry: LookoutEntry) -> list[LookoutQuery]:
    """Travelers that are the listed person: as listed, with a typo, names swapped."""
    listed = entry.date_of_birth
    if listed is None:
        born = date(1980, 1, 1)
    else:
        born = listed.exact or date(listed.year + rng.choice((-1, 0, 1)), 6, 1)
    surname = entry.surname
    at = rng.randrange(1, len(surname))
    typo = surname[:at] + rng.choice("bdkmrst") + surname[at + 1 :]
    return [
        query(surname, entry.given_names, born),
        query(typo, entry.given_names, born),
        query(entry.given_names, surname, born),
    ]


def test_the_index_finds_every_obvious_match() -> None:
    rng = random.Random(3)
    entries = synthetic_entries(3000, seed=21)
    index = LookoutIndex.build(entries)
    queries = [q for e in rng.sample(entries, 200) for q in near_copies(rng, e)]
    queries += synthetic_travelers(300, seed=22)
    with_document = rng.sample([e for e in entries if e.document_numbers], 20)
    queries += [query("X", "Y", date(1970, 1, 1), e.document_numbers[-1]) for e in with_document]

    found = index.match_many(queries)

    for traveler, hits in zip(queries, found, strict=True):
        assert obvious_hits(entries, traveler) <= {(h.entry_id, h.dob_agreement) for h in hits}
        assert all(h.score >= NEEDED[h.dob_agreement] for h in hits)
    assert sum(1 for hits in found if hits) >= 200 * 2 + 20
