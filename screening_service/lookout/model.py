"""Lookout-list data: entries as loaded, queries and hits as matched.

Names, dates of birth and document numbers are personal data. They are kept
out of ``repr`` so that an entry or a query that ends up in a log line, an
exception or a test report shows only its list kind and entry id. Equality
still compares every field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class ListKind(enum.StrEnum):
    """Which list an entry comes from; rules decide what each kind of hit means."""

    MISSING_PERSON = "missing_person"
    KNOWN_TRAFFICKER = "known_trafficker"
    OTHER = "other"


class MatchedOn(enum.StrEnum):
    """What agreed between a traveler and a list entry."""

    DOCUMENT = "document"
    """The normalised document number is one of the entry's; names are not compared."""
    NAME_DOB = "name+dob"
    """Name similar enough and the full date of birth equal."""
    NAME_DOB_NEAR = "name+dob_near"
    """Name similar enough and the date of birth close (`DobAgreement` says how)."""
    NAME = "name"
    """Name near-identical; the entry has no date of birth to compare."""


class DobAgreement(enum.StrEnum):
    """How the listed date of birth agrees with the traveler's; the values are stable.

    A weaker agreement needs a stronger name (the table in `score`), and rules
    can require a strong one (``lookout.dob_agreement``).
    """

    DOCUMENT = "document"
    """A document-number hit: dates were not compared."""
    EXACT = "exact"
    DAY_MONTH_SWAPPED = "day_month_swapped"
    ONE_DIGIT = "one_digit"
    """One digit of ``YYYY-MM-DD`` differs (a transcription slip)."""
    ONE_YEAR = "one_year"
    """The year differs by one; day and month are equal."""
    YEAR_ONLY = "year_only"
    """The entry gives only a year, within one year of the traveler's."""
    MISSING = "missing"
    """The entry gives no date of birth."""


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A listed date of birth: a full date, or only the year when that is all the source trusts."""

    year: int = field(repr=False)
    exact: date | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.exact is not None and self.exact.year != self.year:
            raise ValueError("BirthDate.year must be the year of BirthDate.exact")

    @classmethod
    def full(cls, value: date) -> BirthDate:
        return cls(value.year, value)

    @classmethod
    def year_only(cls, year: int) -> BirthDate:
        return cls(year)

    def isoformat(self) -> str:
        """``YYYY-MM-DD``, or ``YYYY`` when only the year is known (the file format)."""
        return self.exact.isoformat() if self.exact is not None else f"{self.year:04d}"


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name the listed person is known by, in the same surname/given split."""

    surname: str = field(repr=False)
    given_names: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class LookoutEntry:
    """One person of interest. Names may be in any script; matching transliterates."""

    list_kind: ListKind
    entry_id: str
    surname: str = field(repr=False)
    given_names: str = field(default="", repr=False)
    date_of_birth: BirthDate | None = field(default=None, repr=False)
    aliases: tuple[Alias, ...] = field(default=(), repr=False)
    document_numbers: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class LookoutQuery:
    """The traveler fields matching reads. ``document_number`` may be empty."""

    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    date_of_birth: date = field(repr=False)
    document_number: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class LookoutHit:
    """A list entry the traveler matched. Holds no personal data, only references.

    ``score`` is 100 for a document hit, otherwise the name similarity (0-100)
    of the best of the entry's names; ``matched_on`` says what agreed and
    ``dob_agreement`` how the dates of birth agreed.
    """

    list_kind: ListKind
    entry_id: str
    score: float
    matched_on: MatchedOn
    dob_agreement: DobAgreement
