"""Lookout matching speed: one 1,000-traveler flight against 1k and 100k entries.

Run with ``.venv/bin/python -m benchmarks.bench_lookout``. The lists and the
flight are synthetic (`screening_service.lookout.synthetic`). The flight holds
planted travelers who are listed people (as listed, with a typo, with surname
and given names swapped, with day and month swapped, within a year of a
year-only date, by document only); the report says how many of them were
found. Times are the best of ``--repeat`` runs, after rigour's one-off
warm-up (`lookout.equivalents.warm`), which is timed on its own.
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

from screening_service.lookout import (
    LookoutEntry,
    LookoutHit,
    LookoutIndex,
    LookoutQuery,
    equivalents,
)
from screening_service.lookout.synthetic import synthetic_entries, synthetic_travelers

FLIGHT_SIZE = 1_000
LIST_SIZES = (1_000, 100_000)
PLANTS_PER_KIND = 4
T = TypeVar("T")


@dataclass(frozen=True)
class Plant:
    """A traveler planted in the flight, and the entry they should hit."""

    traveler: LookoutQuery
    entry_id: str
    kind: str

    def found(self, hits: tuple[LookoutHit, ...]) -> bool:
        return any(h.entry_id == self.entry_id for h in hits)


def passport(text: str) -> str:
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
    """Travelers who are listed people, ``PLANTS_PER_KIND`` of each kind."""
    full = [
        (e, e.date_of_birth.exact) for e in entries if e.date_of_birth and e.date_of_birth.exact
    ]
    swappable = [(e, d) for e, d in full if d.day <= 12 and d.day != d.month]
    year_only = [
        (e, e.date_of_birth.year)
        for e in entries
        if e.date_of_birth and e.date_of_birth.exact is None
    ]
    documented = [e for e in entries if e.document_numbers]
    plants: list[Plant] = []
    for _ in range(PLANTS_PER_KIND):
        e, born = rng.choice(full)
        traveler = LookoutQuery(passport(e.surname), passport(e.given_names), born)
        plants.append(Plant(traveler, e.entry_id, "as listed"))

        e, born = rng.choice(full)
        surname = with_typo(rng, passport(e.surname))
        traveler = LookoutQuery(surname, passport(e.given_names), born)
        plants.append(Plant(traveler, e.entry_id, "typo"))

        e, born = rng.choice(full)
        traveler = LookoutQuery(passport(e.given_names), passport(e.surname), born)
        plants.append(Plant(traveler, e.entry_id, "names swapped"))

        e, born = rng.choice(swappable)
        swapped = date(born.year, born.day, born.month)
        traveler = LookoutQuery(passport(e.surname), passport(e.given_names), swapped)
        plants.append(Plant(traveler, e.entry_id, "day/month swapped"))

        e, year = rng.choice(year_only)
        born = date(year + rng.choice((-1, 1)), rng.randint(1, 12), rng.randint(1, 28))
        traveler = LookoutQuery(passport(e.surname), passport(e.given_names), born)
        plants.append(Plant(traveler, e.entry_id, "year-only date +-1"))

        e = rng.choice(documented)
        traveler = LookoutQuery("UNRELATED", "NAME", date(1970, 1, 1), e.document_numbers[0])
        plants.append(Plant(traveler, e.entry_id, "document only"))
    return plants


def best_of(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    """The shortest of ``repeat`` timings of ``work``, and its (last) result."""
    timings: list[float] = []
    while True:
        start = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - start)
        if len(timings) >= repeat:
            return min(timings), result


def run(size: int, repeat: int) -> None:
    rng = random.Random(size)
    entries = synthetic_entries(size, seed=2024)
    plants = plant(rng, entries)
    flight = synthetic_travelers(FLIGHT_SIZE - len(plants), seed=7)
    flight += [p.traveler for p in plants]
    rng.shuffle(flight)

    build_time, index = best_of(repeat, lambda: LookoutIndex.build(entries))
    match_time, results = best_of(repeat, lambda: index.match_many(flight))

    hits_of = dict(zip(map(id, flight), results, strict=True))
    missed = [p.kind for p in plants if not p.found(hits_of[id(p.traveler)])]
    print(
        f"{size:>7,} entries: build {build_time:6.3f} s | "
        f"match {len(flight):,} travelers {match_time:6.3f} s "
        f"({match_time / len(flight) * 1e6:4.0f} us each) | "
        f"{sum(map(len, results))} hits on {sum(1 for r in results if r)} travelers | "
        f"planted found {len(plants) - len(missed)}/{len(plants)}"
    )
    if missed:
        print(f"  missed: {', '.join(missed)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Lookout matching benchmark.")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is shown")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    equivalents.warm()
    print(f"rigour tagger warm-up (once per process) {time.perf_counter() - start:.2f} s")
    for size in LIST_SIZES:
        run(size, max(1, args.repeat))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
