"""An index over a lookout list that scores only plausible candidates.

Scoring every traveler against every entry (10^8 pairs for a full flight on
a 100,000-entry list) is far too slow, so the index blocks. A name hit needs
the dates of birth to agree at least roughly (`dates.agreement`), so the date
is a safe first key; the name is the second:

* entries with a full date of birth are filed under (date, name key), and a
  query looks up its own date and its day/month-swapped date; they are filed
  again under (date, longer name key) for the other dates that agree with the
  traveler's (`dates.near_dates`: a year either side, one digit changed:
  about 40), where the longer key keeps the candidates few (those dates need
  a stronger name anyway);
* entries whose date is only a year are filed under (year, whole consonant
  skeleton of each family part), and a query looks up its year and the years
  either side with each of its parts' skeletons; entries without a date are
  filed under the whole family skeletons alone. Both need a near-identical
  name (`score`: 97 and 99 at the default threshold), whose family part
  almost always keeps its skeleton: with one given name, a family part less
  alike than a respelling (0.97) cannot reach 97;
* the other name keys come from each part's consonant skeleton
  (`normalize.Part`: "PETROV" -> "PTRV", "MOHAMED" and Arabic "MHMD" ->
  "MHMD"): its first two letters and its last two ("PT", "$RV"), or three and
  three for the near dates, from the family parts only (a listed family name
  must align for any hit, see `align`);
* document numbers go in a plain dict.

Only the candidates found this way are scored, by `score.judge`, which
decides on its own: blocking selects, it never labels. The blocking is exact
for the date of birth and approximate for the name: an entry is missed only
if, in every part of the traveler's name, typos or spelling variants changed
both the start and the end of the skeleton.

An index is immutable once built and safe to share between threads; a reload
builds a new one and replaces the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, TypeVar

from screening_service.lookout.dates import near_dates
from screening_service.lookout.model import LookoutEntry, LookoutHit, LookoutQuery
from screening_service.lookout.normalize import NormalizedName, Part
from screening_service.lookout.score import (
    DEFAULT_THRESHOLD,
    PreparedEntry,
    PreparedQuery,
    hit_order,
    judge,
)

# A bucket holds indexes into LookoutIndex._entries, ascending, no repeats: a
# bare int when there is one (most buckets), else a tuple. While the index is
# being built, a list instead of the tuple.
_Bucket = int | tuple[int, ...]
_Filing = int | list[int]
_KEY_BITS: Final = 24  # distinct name keys: whole family skeletons among them; < 2**24
_K = TypeVar("_K")


# (first, last) skeleton letters per part key. The near-date probes are ~20
# times as many as the exact ones, so their keys are longer: more selective, a
# little less forgiving of typos, which those dates need fewer of anyway.
DATE_KEYS: Final = (2, 2)
NEAR_KEYS: Final = (3, 3)


def name_keys(
    name: NormalizedName, lengths: tuple[int, int], *, family_only: bool = False
) -> set[str]:
    """Blocking keys of one name: per part, its skeleton's first and last letters.

    "PETROV IVAN" with (2, 2) -> {"PT", "$RV", "VN", "$VN"}; with
    ``family_only``, only the family parts' ("PT", "$RV"), unless it has none.
    """
    head, tail = lengths
    keys: set[str] = set()
    for part in _family_parts(name) if family_only else name.parts:
        key = part.skeleton or f"~{part.key}"  # an all-vowel part keys on its letters
        keys.add(key[:head])
        keys.add(f"${key[-tail:]}")
    return keys


def whole_keys(name: NormalizedName, *, family_only: bool = False) -> set[str]:
    """Blocking keys of a name for entries without a date: each part's whole skeleton."""
    parts = _family_parts(name) if family_only else name.parts
    return {f"={part.skeleton or part.key}" for part in parts}


def _family_parts(name: NormalizedName) -> tuple[Part, ...]:
    # A listed name scores only if a family part aligns (`align`), so a
    # weak-date bucket need not hold the given names.
    return tuple(p for p in name.parts if p.family) or name.parts


class LookoutIndex:
    """Lookout entries indexed for matching; build with `LookoutIndex.build`."""

    __slots__ = (
        "_by_date",
        "_by_document",
        "_by_name",
        "_by_near",
        "_by_year",
        "_entries",
        "_key_ids",
        "_threshold",
    )

    def __init__(
        self,
        entries: tuple[PreparedEntry, ...],
        key_ids: dict[str, int],
        by_date: dict[int, _Bucket],
        by_near: dict[int, _Bucket],
        by_year: dict[int, _Bucket],
        by_name: dict[int, _Bucket],
        by_document: dict[str, _Bucket],
        threshold: float,
    ) -> None:
        # by_date and by_year are keyed by `_slot` of (date ordinal or year, the
        # name key's id in key_ids): one int per filing instead of a tuple and
        # a string keeps a 100,000-entry index tens of megabytes smaller.
        self._entries = entries
        self._key_ids = key_ids
        self._by_date = by_date
        self._by_near = by_near
        self._by_year = by_year
        self._by_name = by_name
        self._by_document = by_document
        self._threshold = threshold

    @classmethod
    def build(
        cls, entries: Iterable[LookoutEntry], *, threshold: float = DEFAULT_THRESHOLD
    ) -> LookoutIndex:
        """Index ``entries``; a name hit needs a similarity of at least ``threshold``.

        Raises ValueError on a threshold outside (0, 100] or a repeated
        (list_kind, entry_id), which would make two hits indistinguishable.
        """
        if not 0.0 < threshold <= 100.0:
            raise ValueError(f"threshold must be in (0, 100], got {threshold}")
        prepared = tuple(PreparedEntry.of(e) for e in entries)
        seen: set[tuple[str, str]] = set()
        key_ids: dict[str, int] = {}
        by_date: dict[int, _Filing] = {}
        by_near: dict[int, _Filing] = {}
        by_year: dict[int, _Filing] = {}
        by_name: dict[int, _Filing] = {}
        by_document: dict[str, _Filing] = {}
        for index, item in enumerate(prepared):
            ref = (item.list_kind, item.entry_id)
            if ref in seen:
                raise ValueError(f"duplicate entry {ref[0]}/{ref[1]}")
            seen.add(ref)
            for document in item.documents:
                _file(by_document, document, index)
            if item.birth_date is not None:
                when = item.birth_date.toordinal()
            elif item.birth_year is not None:
                for name in item.names:
                    for key in whole_keys(name, family_only=True):
                        key_id = key_ids.setdefault(key, len(key_ids))
                        _file(by_year, _slot(item.birth_year, key_id), index)
                continue
            else:
                for name in item.names:
                    for key in whole_keys(name, family_only=True):
                        _file(by_name, key_ids.setdefault(key, len(key_ids)), index)
                continue
            for name in item.names:
                for key in name_keys(name, DATE_KEYS):
                    key_id = key_ids.setdefault(key, len(key_ids))
                    _file(by_date, _slot(when, key_id), index)
                for key in name_keys(name, NEAR_KEYS, family_only=True):
                    key_id = key_ids.setdefault(key, len(key_ids))
                    _file(by_near, _slot(when, key_id), index)
        return cls(
            prepared,
            key_ids,
            _freeze(by_date),
            _freeze(by_near),
            _freeze(by_year),
            _freeze(by_name),
            _freeze(by_document),
            threshold,
        )

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def threshold(self) -> float:
        return self._threshold

    def match(self, query: LookoutQuery) -> tuple[LookoutHit, ...]:
        """Every entry this traveler matches, best first (see `score.hit_order`)."""
        prepared = PreparedQuery.of(query)
        hits: list[LookoutHit] = []
        for index in sorted(self._candidates(prepared)):
            hit = judge(self._entries[index], prepared, self._threshold)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=hit_order)
        return tuple(hits)

    def match_many(self, queries: Iterable[LookoutQuery]) -> list[tuple[LookoutHit, ...]]:
        """`match` for each query, in order (a flight manifest)."""
        return [self.match(q) for q in queries]

    def _candidates(self, query: PreparedQuery) -> set[int]:
        found: set[int] = set()
        if query.document:
            _gather(found, self._by_document.get(query.document))
        if not query.name.parts:
            return found
        born = query.date_of_birth
        key_ids = self._key_ids_of(name_keys(query.name, DATE_KEYS))
        near = near_dates(born)
        if key_ids:
            # Itself and day/month swapped (or, when that is no other date, a year
            # earlier, which by_near covers as well).
            for when in near[:2]:
                ordinal = when.toordinal()
                for key_id in key_ids:
                    _gather(found, self._by_date.get(_slot(ordinal, key_id)))
        key_ids = self._key_ids_of(name_keys(query.name, NEAR_KEYS))
        if key_ids:
            for when in near[1:]:
                ordinal = when.toordinal()
                for key_id in key_ids:
                    _gather(found, self._by_near.get(_slot(ordinal, key_id)))
        whole = self._key_ids_of(whole_keys(query.name))
        for year in (born.year - 1, born.year, born.year + 1):
            for key_id in whole:
                _gather(found, self._by_year.get(_slot(year, key_id)))
        for key_id in whole:
            _gather(found, self._by_name.get(key_id))
        return found

    def _key_ids_of(self, keys: set[str]) -> list[int]:
        # A key no listed name has cannot find anything.
        return [self._key_ids[k] for k in keys if k in self._key_ids]


def _slot(when: int, key_id: int) -> int:
    return (when << _KEY_BITS) | key_id


def _gather(found: set[int], bucket: _Bucket | None) -> None:
    if isinstance(bucket, int):
        found.add(bucket)
    elif bucket is not None:
        found.update(bucket)


def _file(table: dict[_K, _Filing], key: _K, index: int) -> None:
    # Most keys hold one entry: an int until a second comes, so that building
    # creates few lists (each is an object the garbage collector has to visit).
    bucket = table.get(key)
    if bucket is None:
        table[key] = index
    elif isinstance(bucket, int):
        if bucket != index:
            table[key] = [bucket, index]
    elif bucket[-1] != index:  # entries are filed in index order
        bucket.append(index)


def _freeze(table: dict[_K, _Filing]) -> dict[_K, _Bucket]:
    # Tuples of ints, unlike lists, are dropped from garbage-collector tracking.
    return {
        key: bucket if isinstance(bucket, int) else tuple(bucket) for key, bucket in table.items()
    }
