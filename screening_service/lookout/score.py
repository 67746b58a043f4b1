"""Whether one traveler matches one list entry, and how well.

The decision, for a prepared entry and query:

1. the query's document number is one of the entry's -> hit, score 100,
   ``document`` (names and dates are not compared: documents are exact);
2. otherwise the dates of birth must agree (`dob_agreement`): no agreement,
   no hit, however similar the names: a name alone gives too many false
   positives, and an entry without a date of birth matches by document only;
3. then the best name similarity over the entry's names (primary and aliases)
   must reach the threshold.

Name similarity (0-100) is the best of:

* ``fuzz.ratio`` (normalised Indel similarity) of the names as written,
  ``surname given``, against the other name both ways round: tolerant of
  typos and transliteration variants ("PAPADOPOULOS"/"PAPADOPOILOS") and of
  surname and given names swapped as fields;
* ``fuzz.ratio`` of the tokens sorted (``token_sort_ratio``): any reordering
  of tokens. Not used alone because sorting moves a token whose first letter
  differs ("TESTOVA ZOFIA" sorts as "SOFIA TESTOVA") and then penalises a
  one-letter difference like a whole word;
* 0.95 x ``token_set_ratio`` when both names have at least two different
  tokens: one name's tokens all in the other (a middle name missing on one
  side) scores 95, not 100. With fewer, one shared word would be a "subset"
  ("KIM KIM" in "KIM SOO");
* 0.95 x ``fuzz.ratio`` of consonant skeletons when either name was written in
  an abjad script (see `normalize`).

``WRatio`` was not chosen: its partial-match branch scores a short name
found inside a longer one highly, which is the wrong kind of leniency for
people's names, and it caps a simple field swap at 95.
"""

from __future__ import annotations

from datetime import date
from typing import Final, NamedTuple

from rapidfuzz import fuzz

from screening_service.lookout.model import (
    BirthDate,
    ListKind,
    LookoutEntry,
    LookoutHit,
    LookoutQuery,
    MatchedOn,
)
from screening_service.lookout.normalize import (
    NormalizedName,
    normalize_document,
    normalize_name,
)

DEFAULT_THRESHOLD: Final = 88.0
SUBSET_WEIGHT: Final = 0.95
SKELETON_WEIGHT: Final = 0.95

_MATCHED_ON_RANK: Final = {
    MatchedOn.DOCUMENT: 0,
    MatchedOn.NAME_DOB: 1,
    MatchedOn.NAME_DOB_NEAR: 2,
}


class PreparedEntry(NamedTuple):
    """An entry with its names and document numbers normalised once, at build time.

    Only strings, numbers, dates and tuples of them (no reference to the
    `LookoutEntry`): the garbage collector stops tracking such tuples, so a
    100,000-entry index adds nothing to the cost of a full collection.
    """

    list_kind: str
    """`ListKind` value."""
    entry_id: str
    birth_year: int | None
    birth_date: date | None
    """None when unknown or when only the year is trusted."""
    names: tuple[NormalizedName, ...]
    """The primary name then the aliases, each with at least one token."""
    documents: tuple[str, ...]

    @classmethod
    def of(cls, entry: LookoutEntry) -> PreparedEntry:
        names = [normalize_name(entry.surname, entry.given_names)]
        for alias in entry.aliases:
            names.append(normalize_name(alias.surname, alias.given_names))
        documents = {normalize_document(n) for n in entry.document_numbers} - {""}
        listed = entry.date_of_birth
        return cls(
            entry.list_kind.value,
            entry.entry_id,
            None if listed is None else listed.year,
            None if listed is None else listed.exact,
            tuple(n for n in names if n.tokens),
            tuple(sorted(documents)),
        )


class PreparedQuery(NamedTuple):
    name: NormalizedName
    date_of_birth: date
    document: str

    @classmethod
    def of(cls, query: LookoutQuery) -> PreparedQuery:
        return cls(
            normalize_name(query.surname, query.given_names),
            query.date_of_birth,
            normalize_document(query.document_number),
        )


def name_similarity(a: NormalizedName, b: NormalizedName) -> float:
    """Similarity of two normalised names, 0-100 (see the module docstring)."""
    if not a.tokens or not b.tokens:
        return 0.0
    best = max(
        fuzz.ratio(a.forward, b.forward),
        fuzz.ratio(a.forward, b.reverse),
        fuzz.ratio(a.sorted_text, b.sorted_text),
    )
    if best < 100.0 and min(a.distinct_tokens, b.distinct_tokens) >= 2:
        best = max(best, SUBSET_WEIGHT * fuzz.token_set_ratio(a.sorted_text, b.sorted_text))
    if best < 100.0 and (a.abjad or b.abjad):
        best = max(best, SKELETON_WEIGHT * fuzz.ratio(a.skeleton, b.skeleton))
    return float(best)


def dob_agreement(listed: BirthDate | None, born: date) -> MatchedOn | None:
    """How a listed date of birth agrees with the traveler's, or None.

    Exact: the full dates are equal. Near: the same year with day and month
    swapped (a common transcription error between date conventions), or the
    entry trusts only the year and it is within one year of the traveler's.
    """
    if listed is None:
        return None
    return _agreement(listed.year, listed.exact, born)


def _agreement(year: int | None, exact: date | None, born: date) -> MatchedOn | None:
    if exact is None:
        if year is None:
            return None
        return MatchedOn.NAME_DOB_NEAR if abs(year - born.year) <= 1 else None
    if exact == born:
        return MatchedOn.NAME_DOB
    if (exact.year, exact.day, exact.month) == (born.year, born.month, born.day):
        return MatchedOn.NAME_DOB_NEAR
    return None


def judge(entry: PreparedEntry, query: PreparedQuery, threshold: float) -> LookoutHit | None:
    """The hit of this query on this entry, or None (see the module docstring)."""
    if query.document and query.document in entry.documents:
        return LookoutHit(ListKind(entry.list_kind), entry.entry_id, 100.0, MatchedOn.DOCUMENT)
    agreement = _agreement(entry.birth_year, entry.birth_date, query.date_of_birth)
    if agreement is None or not query.name.tokens:
        return None
    score = max((name_similarity(n, query.name) for n in entry.names), default=0.0)
    if score < threshold:
        return None
    return LookoutHit(ListKind(entry.list_kind), entry.entry_id, round(score, 2), agreement)


def hit_order(hit: LookoutHit) -> tuple[float, int, str, str]:
    """Best first: score, then document before exact before near date, then by id."""
    return (-hit.score, _MATCHED_ON_RANK[hit.matched_on], hit.list_kind.value, hit.entry_id)
