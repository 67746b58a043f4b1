"""Lookout matching quality: recall and false hits by category, on a generated set.

Run with ``.venv/bin/python -m benchmarks.bench_lookout_quality``. The list
holds 20,000 synthetic entries (`lookout.synthetic`) plus the entries of the
evaluation pairs; the people are random combinations of common public names
(`lookout_eval_names`) with random dates of birth, so none is anyone real.

* **True pairs** (a listed person and how they travel), by category:
  romanisation, script, order, typo, nickname, patronymic/extra part, Arabic
  article, and date variants (day/month swapped, one digit, one year off,
  year-only entry, no listed date). Recall is the share whose entry is hit.
* **Hard negatives** (a listed person and someone else): siblings (same family
  name and date of birth or a year apart), close family names with the same
  date of birth (first letter or ending changed: MARBURY/WARBURY, NAIR/NAIDU),
  year-only entries against a traveler with one of the two listed given names,
  undated entries against a sibling. A false hit is a hit on that entry.
* **Ordinary travelers**: common given names with family names from both
  pools, random dates; a false hit is any hit.

Times are for matching every traveler once (per 1,000 travelers).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from anyascii import anyascii

from benchmarks import lookout_eval_names as pool
from screening_service.lookout import (
    BirthDate,
    ListKind,
    LookoutEntry,
    LookoutIndex,
    LookoutQuery,
    equivalents,
)
from screening_service.lookout.synthetic import synthetic_entries
from screening_service.synthetic.names import CULTURES

PAIRS_PER_CATEGORY = 60
NEGATIVES_PER_CATEGORY = 300
ORDINARY = 5_000
BACKGROUND = 20_000
_FIRST = date(1950, 1, 1)
_SPAN = (date(2010, 12, 31) - _FIRST).days
_CONSONANTS = "BCDFGHKLMNPRSTVZ"


@dataclass(frozen=True)
class Case:
    category: str
    entry: LookoutEntry
    traveler: LookoutQuery


def passport(text: str) -> str:
    return anyascii(text).upper()


class Maker:
    """Builds entries with unique ids and random dates, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0

    def born(self) -> date:
        return _FIRST + timedelta(days=self.rng.randrange(_SPAN))

    def entry(self, surname: str, given: str, birth: BirthDate | None) -> LookoutEntry:
        self.count += 1
        return LookoutEntry(ListKind.MISSING_PERSON, f"EVAL{self.count:05d}", surname, given, birth)

    def person(self) -> tuple[str, str]:
        return self.rng.choice(pool.SURNAMES), self.rng.choice(pool.GIVEN)

    def case(
        self,
        category: str,
        listed: tuple[str, str],
        travels: tuple[str, str],
        born: date | None = None,
    ) -> Case:
        day = born or self.born()
        entry = self.entry(listed[0], listed[1], BirthDate.full(day))
        return Case(category, entry, LookoutQuery(passport(travels[0]), passport(travels[1]), day))


def typo(rng: random.Random, word: str) -> str:
    """One slip after the first letter: a letter replaced, dropped or two swapped."""
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("replace", "drop", "swap"))
    if kind == "replace":
        return word[:at] + rng.choice([c for c in "bdkmnrst" if c != word[at]]) + word[at + 1 :]
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def romanisation(m: Maker) -> Case:
    given, surname = m.rng.choice(pool.ARABIC_GIVEN), m.rng.choice(pool.ARABIC_SURNAMES)
    a, b = m.rng.sample((0, 1), 2)
    return m.case("romanisation", (surname[a], given[a]), (surname[b], given[m.rng.choice((0, 1))]))


def script(m: Maker) -> Case:
    kind = m.rng.randrange(3)
    if kind == 0:
        names = m.rng.choice(pool.ARABIC_SCRIPT), m.rng.choice(pool.ARABIC_SCRIPT_SURNAMES)
        return m.case("script", (names[1][0], names[0][0]), (names[1][1], names[0][1]))
    listed_surname, listed_given, surname, given = m.rng.choice(
        pool.CYRILLIC if kind == 1 else pool.GREEK
    )
    return m.case("script", (listed_surname, listed_given), (surname, given))


def order(m: Maker) -> Case:
    surname, given = m.person()
    if m.rng.random() < 0.5:
        return m.case("order", (surname, given), (given, surname))
    second = m.rng.choice(pool.SURNAMES)
    return m.case("order", (f"{surname} {second}", given), (second, f"{given} {surname}"))


def typo_case(m: Maker) -> Case:
    surname, given = m.person()
    return m.case("typo", (surname, given), (typo(m.rng, surname), given))


def nickname(m: Maker) -> Case:
    formal, nick = m.rng.choice(pool.NICKNAMES)
    surname = m.rng.choice(pool.SURNAMES)
    if m.rng.random() < 0.7:
        return m.case("nickname", (surname, formal), (surname, nick))
    return m.case("nickname", (surname, nick), (surname, formal))


def extra_part(m: Maker) -> Case:
    surname, given = m.person()
    if m.rng.random() < 0.5:
        extra = m.rng.choice(m.rng.choice(pool.PATRONYMICS))
    else:
        extra = m.rng.choice(pool.MIDDLE)
    return m.case("patronymic/extra part", (surname, f"{given} {extra}"), (surname, given))


def arabic_article(m: Maker) -> Case:
    surname, given = m.rng.choice(pool.ARABIC_SURNAMES)[0], m.rng.choice(pool.ARABIC_GIVEN)[0]
    if m.rng.random() < 0.3:
        return m.case("arabic article", (surname, given), (f"AL {surname}", given))
    article = m.rng.choice(("al-", "Al ", "el-", "El "))
    return m.case("arabic article", (f"{article}{surname}", given), (surname, given))


def dated(m: Maker, category: str, listed: BirthDate | None, born: date) -> Case:
    surname, given = m.person()
    entry = m.entry(surname, given, listed)
    return Case(category, entry, LookoutQuery(passport(surname), passport(given), born))


def swapped(m: Maker) -> Case:
    born = m.born().replace(day=m.rng.randint(1, 12))
    while born.day == born.month:
        born = born.replace(day=m.rng.randint(1, 12))
    listed = born.replace(month=born.day, day=born.month)
    return dated(m, "date: day/month swapped", BirthDate.full(listed), born)


def one_digit(m: Maker) -> Case:
    born = m.born().replace(day=m.rng.randint(1, 28))
    listed = born.replace(day=born.day + 1 if born.day % 10 != 9 else born.day - 1)
    return dated(m, "date: one digit", BirthDate.full(listed), born)


def one_year(m: Maker) -> Case:
    born = m.born().replace(day=m.rng.randint(1, 28))
    listed = born.replace(year=born.year + m.rng.choice((-1, 1)))
    return dated(m, "date: one year off", BirthDate.full(listed), born)


def year_only(m: Maker) -> Case:
    born = m.born()
    listed = BirthDate.year_only(born.year + m.rng.choice((-1, 0, 1)))
    return dated(m, "date: year only", listed, born)


def missing(m: Maker) -> Case:
    return dated(m, "date: missing", None, m.born())


TRUE_PAIRS: Final = (
    romanisation,
    script,
    order,
    typo_case,
    nickname,
    extra_part,
    arabic_article,
    swapped,
    one_digit,
    one_year,
    year_only,
    missing,
)


def true_pairs(m: Maker) -> list[Case]:
    return [make(m) for _ in range(PAIRS_PER_CATEGORY) for make in TRUE_PAIRS]


def close_name(rng: random.Random, surname: str) -> str:
    """A different family name two letters or a first consonant away (MARBURY/WARBURY, NAIR/NAIDU).

    Never a respelling of the same name: no doubled letter, no vowel-only change.
    """
    upper = surname.upper()
    if upper[0] in _CONSONANTS and rng.random() < 0.5:
        return rng.choice([c for c in _CONSONANTS if c not in (upper[0], upper[1])]) + upper[1:]
    consonant = rng.choice([c for c in _CONSONANTS if c not in (upper[-1], upper[-2])])
    vowel = rng.choice([v for v in "AEOU" if v != upper[-1]])
    return upper[:-1] + consonant + vowel


def hard_negatives(m: Maker) -> list[Case]:
    rng = m.rng
    cases: list[Case] = []
    for _ in range(NEGATIVES_PER_CATEGORY):
        surname, given = m.person()
        other = rng.choice([g for g in pool.GIVEN if g != given])
        day = m.born()
        born = day if rng.random() < 0.5 else day.replace(year=day.year + 1, day=min(day.day, 28))
        entry = m.entry(surname, given, BirthDate.full(day))
        cases.append(Case("sibling", entry, LookoutQuery(passport(surname), passport(other), born)))

        surname, given = m.person()
        cases.append(
            m.case(
                "close family name, same date", (surname, given), (close_name(rng, surname), given)
            )
        )

        surname, given = m.person()
        first, second = rng.sample(pool.GIVEN, 2)
        day = m.born()
        entry = m.entry(surname, f"{first} {second}", BirthDate.year_only(day.year))
        cases.append(
            Case(
                "year-only entry, one given name",
                entry,
                LookoutQuery(passport(surname), passport(second), day),
            )
        )

        surname, given = m.person()
        other = rng.choice([g for g in pool.GIVEN if g != given])
        entry = m.entry(surname, given, None)
        cases.append(
            Case(
                "undated entry, sibling",
                entry,
                LookoutQuery(passport(surname), passport(other), m.born()),
            )
        )
    return cases


def ordinary(m: Maker, listed: set[tuple[str, ...]]) -> tuple[list[LookoutQuery], int]:
    """Travelers who are not a listed person, and how many namesakes were drawn and skipped.

    Half carry a family name from the evaluation's pool, half one from
    `synthetic.names`; given names come from the pool. A traveler whose whole
    name is a listed name is a namesake, whom a list without a full date of
    birth cannot tell apart: skipped, and counted.
    """
    rng = m.rng
    cultures = list(CULTURES.values())
    travelers: list[LookoutQuery] = []
    namesakes = 0
    while len(travelers) < ORDINARY:
        if rng.random() < 0.5:
            surname = rng.choice(pool.SURNAMES)
        else:
            surname = rng.choice(cultures).surname(rng).male
        traveler = LookoutQuery(passport(surname), passport(rng.choice(pool.GIVEN)), m.born())
        if words(traveler.surname, traveler.given_names) in listed:
            namesakes += 1
            continue
        travelers.append(traveler)
    return travelers, namesakes


def words(surname: str, given: str) -> tuple[str, ...]:
    return tuple(sorted(passport(f"{surname} {given}").replace("-", " ").split()))


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Lookout matching quality benchmark.")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args(argv)
    warm = timed(equivalents.warm)
    maker = Maker(args.seed)
    positives = true_pairs(maker)
    negatives = hard_negatives(maker)
    entries = synthetic_entries(BACKGROUND, seed=args.seed) + [
        c.entry for c in positives + negatives
    ]
    travelers, namesakes = ordinary(maker, {words(e.surname, e.given_names) for e in entries})
    start = time.perf_counter()
    index = LookoutIndex.build(entries)
    build = time.perf_counter() - start

    queries = [c.traveler for c in positives + negatives] + travelers
    start = time.perf_counter()
    results = index.match_many(queries)
    match = time.perf_counter() - start

    found: dict[str, list[bool]] = defaultdict(list)
    agreements: dict[str, set[str]] = defaultdict(set)
    for case, hits in zip(positives + negatives, results, strict=False):
        mine = [h for h in hits if h.entry_id == case.entry.entry_id]
        found[case.category].append(bool(mine))
        agreements[case.category].update(h.dob_agreement.value for h in mine)
    ordinary_hits = sum(1 for hits in results[len(positives) + len(negatives) :] if hits)

    print(f"{len(entries):,} entries; rigour warm-up {warm:.2f} s; build {build:.2f} s")
    per_1000 = match / len(queries) * 1000
    print(f"match {len(queries):,} travelers {match:.2f} s ({per_1000:.3f} s per 1,000)")
    print(f"\n{'true pairs':<36} {'recall':>7}  n    dob_agreement of the hits")
    for category in dict.fromkeys(c.category for c in positives):
        values = found[category]
        kinds = ",".join(sorted(agreements[category]))
        print(f"{category:<36} {100 * sum(values) / len(values):6.1f}% {len(values):4d}  {kinds}")
    total = [v for c in dict.fromkeys(c.category for c in positives) for v in found[c]]
    print(f"{'all true pairs':<36} {100 * sum(total) / len(total):6.1f}% {len(total):4d}")
    print(f"\n{'hard negatives':<36} {'false hits per 1,000':>20}")
    all_negative: list[bool] = []
    for category in dict.fromkeys(c.category for c in negatives):
        values = found[category]
        all_negative += values
        print(f"{category:<36} {1000 * sum(values) / len(values):20.1f}")
    print(f"{'all hard negatives':<36} {1000 * sum(all_negative) / len(all_negative):20.1f}")
    print(
        f"\nordinary travelers: {1000 * ordinary_hits / len(travelers):.1f} false hits per 1,000 "
        f"({ordinary_hits} of {len(travelers)}; {namesakes} namesakes of listed people not drawn)"
    )


if __name__ == "__main__":
    main()
