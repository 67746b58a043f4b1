"""Whether one traveler matches one list entry, and how well.

The decision, for a prepared entry and query:

1. the query's document number is one of the entry's -> hit, score 100,
   ``matched_on = document`` (names and dates are not compared: documents
   are exact);
2. otherwise the dates of birth give graded evidence (`dates.agreement`): a
   full listed date that disagrees more than the kinds below is no hit,
   however similar the names;
3. the best name score over the entry's names (primary and aliases,
   `align.name_score`) must reach the threshold plus the margin of that
   date agreement: a weaker date needs a stronger name.

=====================  ======  ===========  ======================================
``dob_agreement``      margin  name needed  ``matched_on``
                               (default)
=====================  ======  ===========  ======================================
``exact``              0       88           ``name+dob``
``day_month_swapped``  2       90           ``name+dob_near``
``one_year``           4       92           ``name+dob_near``
``one_digit``          4       92           ``name+dob_near``
``year_only``          9       97           ``name+dob_near``
``missing``            11      99           ``name``
=====================  ======  ===========  ======================================

(the name needed is capped at 100). In other words the hit's combined score,
name score minus the margin, must reach the threshold. What the margins buy,
on the evaluation set of ``benchmarks/bench_lookout_quality.py``: an exact
date with a typo in the family name or a nickname still hits; a year-only
date needs every listed part present, spelt alike or equivalent (a listed
middle name the traveler lacks costs 4: 96 is too little); a missing date
needs the same parts, at most a given name respelt (Y/I, doubled letters).
Most false hits on ordinary flights came from year-only and undated entries.
"""

from __future__ import annotations

from datetime import date
from typing import Final, NamedTuple

from screening_service.lookout.align import name_score
from screening_service.lookout.dates import agreement
from screening_service.lookout.model import (
    DobAgreement,
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
NAME_MARGIN: Final = {
    DobAgreement.EXACT: 0.0,
    DobAgreement.DAY_MONTH_SWAPPED: 2.0,
    DobAgreement.ONE_YEAR: 4.0,
    DobAgreement.ONE_DIGIT: 4.0,
    DobAgreement.YEAR_ONLY: 9.0,
    DobAgreement.MISSING: 11.0,
}
_RANK: Final = {kind: rank for rank, kind in enumerate(DobAgreement)}


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
    """The primary name then the aliases, each with at least one part."""
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
            tuple(n for n in names if n.parts),
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


def name_needed(kind: DobAgreement, threshold: float) -> float:
    """The name score a hit with this date agreement needs (the table above)."""
    return min(100.0, threshold + NAME_MARGIN[kind])


def judge(entry: PreparedEntry, query: PreparedQuery, threshold: float) -> LookoutHit | None:
    """The hit of this query on this entry, or None (see the module docstring)."""
    kind = ListKind(entry.list_kind)
    if query.document and query.document in entry.documents:
        return LookoutHit(kind, entry.entry_id, 100.0, MatchedOn.DOCUMENT, DobAgreement.DOCUMENT)
    dates = agreement(entry.birth_year, entry.birth_date, query.date_of_birth)
    if dates is None or not query.name.parts:
        return None
    score = max((name_score(n, query.name) for n in entry.names), default=0.0)
    if score < name_needed(dates, threshold):
        return None
    matched_on = (
        MatchedOn.NAME_DOB
        if dates is DobAgreement.EXACT
        else MatchedOn.NAME
        if dates is DobAgreement.MISSING
        else MatchedOn.NAME_DOB_NEAR
    )
    return LookoutHit(kind, entry.entry_id, round(score, 2), matched_on, dates)


def hit_order(hit: LookoutHit) -> tuple[float, int, str, str]:
    """Best first: score, then the stronger date agreement (document first), then by id."""
    return (-hit.score, _RANK[hit.dob_agreement], hit.list_kind.value, hit.entry_id)
