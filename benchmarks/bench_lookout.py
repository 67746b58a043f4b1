"""Lookout matching speed: one 1,000-traveler flight against 1k and 100k entries.

Run with ``.venv/bin/python -m benchmarks.bench_lookout``. The lists and the
flight are synthetic (`screening_service.lookout.synthetic`); the flight has
planted travelers who should hit a listed entry (exact, with a typo, with
names swapped, with day and month swapped, within a year of a year-only date,
by document only), and the report says how many of them did. Times are the
best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from anyascii import anyascii

from screening_service.lookout import LookoutEntry, LookoutIndex, LookoutQuery
from screening_service.lookout.synthetic import synthetic_entries, synthetic_travelers

FLIGHT_SIZE = 1_000
LIST_SIZES = (1_000, 100_000)
PLANTS_PER_KIND = 4
T = TypeVar("T")


@dataclass(frozen=True)
class Plant:
    """A traveler planted in the flight, and the entry it should hit."""

    query: LookoutQuery
    entry_id: str
    kind: str


def passport_name(text: str) -> str:
    """A name as a machine-readable passport prints it: Latin capitals."""
    return anyascii(text).upper()


def with_typo(rng: random.Random, name: str) -> str:
    """One letter of the longest word replaced by another."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    at = rng.randrange(1, len(word))
    letter = rng.choice([c for c in "BDFKLMNPRSTVZ" if c != word[at]])
    words[longest] = word[:at] + letter + word[at + 1 :]
    return " ".join(words)


def plant(rng: random.Random, entries: list[LookoutEntry]) -> list[Plant]:
    """Travelers derived from listed entries, ``PLANTS_PER_KIND`` of each kind."""
    full = [e for e in entries if e.date_of_birth and e.date_of_birth.exact]
    swappable = [e for e in full if e.date_of_birth and _swappable(e.date_of_birth.exact)]
    year_only = [e for e in entries if e.date_of_birth and e.date_of_birth.exact is None]
    documented = [e for e in entries if e.document_numbers]
    plants: list[Plant] = []
    for _ in range(PLANTS_PER_KIND):
        e = rng.choice(full)
        born = _exact(e)
        surname, given = passport_name(e.surname), passport_name(e.given_names)
        plants.append(Plant(LookoutQuery(surname, given, born), e.entry_id, "exact"))
        e = rng.choice(full)
        surname = with_typo(rng, passport_name(e.surname))
        query = LookoutQuery(surname, passport_name(e.given_names), _exact(e))
        plants.append(Plant(query, e.entry_id, "typo"))
        e = rng.choice(full)
        query = LookoutQuery(passport_name(e.given_names), passport_name(e.surname), _exact(e))
        plants.append(Plant(query, e.entry_id, "names swapped"))
        e = rng.choice(swappable)
        born = _exact(e)
        swapped = date(born.year, born.day, born.month)
        query = LookoutQuery(passport_name(e.surname), passport_name(e.given_names), swapped)
        plants.append(Plant(query, e.entry_id, "day/month swapped"))
        e = rng.choice(year_only)
        assert e.date_of_birth is not None
        born = date(e.date_of_birth.year + rng.choice((-1, 1)), 6, 15)
        query = LookoutQuery(passport_name(e.surname), passport_name(e.given_names), born)
        plants.append(Plant(query, e.entry_id, "year-only +-1"))
        e = rng.choice(documented)
        query = LookoutQuery("UNRELATED", "NAME", date(1970, 1, 1), e.document_numbers[0])
        plants.append(Plant(query, e.entry_id, "document only"))
    return plants


def best_of(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def run(size: int, repeat: int) -> None:
    rng = random.Random(size)
    entries = synthetic_entries(size, seed=2024)
    plants = plant(rng, entries)
    flight = synthetic_travelers(FLIGHT_SIZE - len(plants), seed=7) + [p.query for p in plants]
    rng.shuffle(flight)
    build_time, index = best_of(repeat, lambda: LookoutIndex.build(entries))
    match_time, results = best_of(repeat, lambda: index.match_many(flight))
    by_query = {id(q): hits for q, hits in zip(flight, results, strict=True)}
    found = sum(any(h.entry_id == p.entry_id for h in by_query[id(p.query)]) for p in plants)
    travelers_hit = sum(1 for hits in results if hits)
    print(
        f"{size:>8,} entries  build {build_time:6.3f} s  "
        f"match {len(flight):,} travelers {match_time:6.3f} s "
        f"({match_time / len(flight) * 1e6:5.0f} us each)  "
        f"hits {sum(len(h) for h in results)} on {travelers_hit} travelers  "
        f"planted found {found}/{len(plants)}"
    )
    missed = [
        p.kind for p in plants if not any(h.entry_id == p.entry_id for h in by_query[id(p.query)])
    ]
    if missed:
        print(f"          missed plants: {', '.join(missed)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is shown)")
    args = parser.parse_args(argv)
    for size in LIST_SIZES:
        run(size, args.repeat)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mib:.0f} MiB")


def _swappable(born: date | None) -> bool:
    return born is not None and born.day <= 12 and born.day != born.month


def _exact(entry: LookoutEntry) -> date:
    assert entry.date_of_birth is not None and entry.date_of_birth.exact is not None
    return entry.date_of_birth.exact


if __name__ == "__main__":
    main()
