"""Name similarity by aligning parts, not by comparing joined strings.

Both names are split into parts (`normalize.Part`); every listed part is
compared with every traveler part (`part_similarity`, 0-1) and the pairs are
aligned greedily, best first, each part used once, in any order (surname and
given names swapped, tokens reordered). The name score (0-100) is the mean
similarity of the aligned pairs, the listed family-name parts weighing
``FAMILY_WEIGHT`` times a given name, minus a cost for each part left over:

=====================================================  ======
part left over                                         cost
=====================================================  ======
listed patronymic (-OVNA, -OVICH, ...)                 1
listed given name after the first (a middle name)      4
listed first given name, while a later one aligned     8
listed family part, while another family part aligned  8
listed family name, none aligned                       30
traveler part the list lacks                           6
parts left over on both sides (a *different* part)     +15
=====================================================  ======

A name whose listed family parts all fail to align scores 0 (the cost would
be at least 30 anyway; checking it first makes most candidates cheap). So
"SAVENKOVA / ALYONA ALEKSANDROVNA" against "SAVENKOVA / ALENA" loses only for
the equivalent given name and the patronymic, while "NAIR / PRIYA" against
"NAIDU / PRIYA", whose family names do not align, scores 0.

Part similarity, the best that applies:

* 1 for the same token; 0.97 for the same romanised key (`normalize.romanise`:
  "UTHMAN"/"OUTHMAN", "HASSAN"/"HASAN"), the same key once an attached
  article is dropped ("ALHIJAZI"/"HIJAZI"), or equal consonant skeletons when
  a side was written in an abjad (its short vowels are not written);
* 0.95 for names whose `equivalents` symbols meet ("JIM"/"JAMES",
  "TARIQ"/"TAREK"), and 0.95 x the skeletons' similarity for an abjad side;
* 0.93 when only vowels differ (skeletons equal, at least two consonants):
  "SAVENKOVA"/"SAVINKOVA", "OTMAN"/"UTHMAN";
* otherwise 1 - (optimal string alignment distance / longer length) of the
  keys, less 0.10 when the first letters differ: one letter in a short name
  is a different name more often than a typo ("MARBURY"/"WARBURY": 0.76).

Pairs under ``MIN_PAIR`` are not aligned.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from rapidfuzz.distance import OSA

from screening_service.lookout.normalize import NormalizedName, Part

FAMILY_WEIGHT: Final = 2.0
GIVEN_WEIGHT: Final = 1.0
MIN_PAIR: Final = 0.70

ROMANISED: Final = 0.97
EQUIVALENT: Final = 0.95
ABJAD_SKELETON: Final = 0.95
VOWELS_ONLY: Final = 0.93
FIRST_LETTER: Final = 0.10

COST_PATRONYMIC: Final = 1.0
COST_MIDDLE_NAME: Final = 4.0
COST_FIRST_GIVEN: Final = 8.0
COST_SECOND_FAMILY: Final = 8.0
COST_FAMILY: Final = 30.0
COST_TRAVELER_EXTRA: Final = 6.0
COST_DIFFERENT: Final = 15.0

_ARTICLES: Final = ("AL", "EL", "UL")
_VOWEL_LETTERS: Final = frozenset("AEIOU")


def name_score(listed: NormalizedName, traveler: NormalizedName) -> float:
    """Similarity (0-100) of a listed name and a traveler's (see the module docstring)."""
    entry, query = listed.parts, traveler.parts
    if not entry or not query:
        return 0.0
    # Best first; among equals, listed family parts first (a family part left over
    # costs most), and family with family ("KIM KIM" against "KIM SOO").
    pairs = [
        (part_similarity(e, q), True, q.family, -i, -j)
        for i, e in enumerate(entry)
        if e.family
        for j, q in enumerate(query)
    ]
    if pairs and max(pairs)[0] < MIN_PAIR:
        return 0.0  # the family name must align; checked first as most candidates fail here
    pairs += [
        (part_similarity(e, q), False, not q.family, -i, -j)
        for i, e in enumerate(entry)
        if not e.family
        for j, q in enumerate(query)
    ]
    pairs.sort(reverse=True)
    aligned_entry: set[int] = set()
    aligned_query: set[int] = set()
    total = weight = 0.0
    for similarity, _, _, minus_i, minus_j in pairs:
        i, j = -minus_i, -minus_j
        if similarity < MIN_PAIR:
            break
        if i in aligned_entry or j in aligned_query:
            continue
        aligned_entry.add(i)
        aligned_query.add(j)
        w = FAMILY_WEIGHT if entry[i].family else GIVEN_WEIGHT
        total += w * similarity
        weight += w
    if not aligned_entry:
        return 0.0
    cost = _listed_extras(entry, aligned_entry)
    traveler_extras = len(query) - len(aligned_query)
    cost += COST_TRAVELER_EXTRA * traveler_extras
    if traveler_extras and any(
        not entry[i].patronymic for i in range(len(entry)) if i not in aligned_entry
    ):
        cost += COST_DIFFERENT
    return max(0.0, 100.0 * total / weight - cost)


def _listed_extras(entry: tuple[Part, ...], aligned: set[int]) -> float:
    family_aligned = any(entry[i].family for i in aligned)
    given = [i for i, p in enumerate(entry) if not p.family]
    later_given_aligned = any(i in aligned for i in given[1:])
    cost = 0.0
    for i, part in enumerate(entry):
        if i in aligned:
            continue
        if part.family:
            cost += COST_SECOND_FAMILY if family_aligned else COST_FAMILY
        elif part.patronymic:
            cost += COST_PATRONYMIC
        elif i == given[0] and later_given_aligned:
            cost += COST_FIRST_GIVEN
        else:
            cost += COST_MIDDLE_NAME
    return cost


@lru_cache(maxsize=1 << 18)
def part_similarity(a: Part, b: Part) -> float:
    """Similarity (0-1) of two name parts (see the module docstring)."""
    if a.token == b.token:
        return 1.0
    if a.key == b.key:
        return ROMANISED
    best = _edit(a.key, b.key)
    if a.abjad or b.abjad:
        if a.skeleton and a.skeleton == b.skeleton:
            return ROMANISED  # all an abjad spelling can say
        if a.skeleton and b.skeleton:
            best = max(best, ABJAD_SKELETON * OSA.normalized_similarity(a.skeleton, b.skeleton))
    elif len(a.skeleton) >= 2 and a.skeleton == b.skeleton:
        best = max(best, VOWELS_ONLY)
    if best < ROMANISED and _without_article(a.key, b.key):
        return ROMANISED
    if best < EQUIVALENT and not a.symbols.isdisjoint(b.symbols):
        best = EQUIVALENT
    return best


def _edit(a: str, b: str) -> float:
    similarity = OSA.normalized_similarity(a, b)
    if a[0] != b[0] and not (a[0] in _VOWEL_LETTERS and b[0] in _VOWEL_LETTERS):
        similarity -= FIRST_LETTER
    return similarity


def _without_article(a: str, b: str) -> bool:
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return len(short) >= 4 and long.startswith(_ARTICLES) and long[2:] == short
