"""Travel-history cost per traveler: 1,000-traveler flights on 180 days of history.

Run with ``.venv/bin/python -m benchmarks.bench_history`` (SQLite in a
temporary directory) or add ``--dsn postgresql://...`` for a PostgreSQL
database (its tables are created there and left behind).

The history is filled flight by flight through `record_and_count` itself:
``--history-flights`` flights of ``--flight-size`` travelers spread evenly
over 180 days (the default retention), so about 120,000 events by default.
The synthetic population reuses keys as real traffic does: travelers fly
about twice in 180 days, a purchaser buys for one to four travelers, a
third of the travelers share a booking contact, one in twenty is a minor
with one or two unrelated adults. Then ``--repeat`` new flights departing
on the last day are recorded and counted, each timed alone; the report gives
the best and median time per flight and per traveler. Pseudonyms are random
hex, as the store sees them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from screening_service.history.model import FlightEvents, FlightKey, TravelEvent
from screening_service.history.postgres import PostgresStore
from screening_service.history.sqlite import SqliteStore
from screening_service.history.store import HistoryStore

START = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
SPAN_DAYS = 180


def pseudonym(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


class Population:
    """Keys shared across flights so that the counts have something to count."""

    def __init__(self, rng: random.Random, travelers: int) -> None:
        self.rng = rng
        self.travelers = [pseudonym(rng) for _ in range(travelers)]
        self.purchasers = [pseudonym(rng) for _ in range(travelers // 2)]
        self.contacts = [pseudonym(rng) for _ in range(travelers // 3)]

    def flight(self, number: int, departure: datetime, size: int) -> FlightEvents:
        rng = self.rng
        chosen = rng.sample(self.travelers, size)
        events: list[TravelEvent] = []
        at = 0
        while at < size:
            booking = chosen[at : at + rng.randint(1, 4)]
            at += len(booking)
            purchaser = rng.choice(self.purchasers)
            contact = rng.choice(self.contacts) if rng.random() < 1 / 3 else None
            for traveler in booking:
                minor = rng.random() < 0.05
                companions = (
                    frozenset(rng.sample(self.travelers, rng.randint(1, 2)))
                    if minor
                    else frozenset()
                )
                events.append(
                    TravelEvent(
                        traveler,
                        document=pseudonym(rng),
                        purchaser=purchaser,
                        contact=contact,
                        minor=minor,
                        companions=companions,
                    )
                )
        key = FlightKey("ZZ", str(number), departure.date())
        return FlightEvents(key, departure, tuple(events))


def run(store: HistoryStore, history_flights: int, flight_size: int, repeat: int) -> None:
    rng = random.Random(18)
    population = Population(rng, travelers=history_flights * flight_size // 2)
    step = timedelta(days=SPAN_DAYS) / history_flights
    started = time.perf_counter()
    for n in range(history_flights):
        store.record_and_count(population.flight(n + 1, START + step * n, flight_size))
    fill = time.perf_counter() - started
    stats = store.stats()
    print(
        f"history: {stats.events:,} events on {stats.flights} flights over {SPAN_DAYS} days, "
        f"{stats.size_bytes / 1e6:.1f} MB ({store.backend}); filled in {fill:.1f} s"
    )
    last_day = START + timedelta(days=SPAN_DAYS)
    times: list[float] = []
    for n in range(repeat):
        new = population.flight(10_000 + n, last_day + timedelta(minutes=n), flight_size)
        started = time.perf_counter()
        counts = store.record_and_count(new)
        times.append(time.perf_counter() - started)
        assert len(counts) == flight_size
    best, median = min(times), statistics.median(times)
    print(
        f"record_and_count, {flight_size:,}-traveler flight x{repeat}: "
        f"best {best * 1e3:.1f} ms ({best / flight_size * 1e6:.0f} us/traveler), "
        f"median {median * 1e3:.1f} ms ({median / flight_size * 1e6:.0f} us/traveler)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="PostgreSQL DSN (default: SQLite in a temporary dir)")
    parser.add_argument("--history-flights", type=int, default=120)
    parser.add_argument("--flight-size", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-history-") as directory:
        store: HistoryStore = (
            PostgresStore(args.dsn)
            if args.dsn
            else SqliteStore(Path(directory) / "history.sqlite3")
        )
        try:
            run(store, args.history_flights, args.flight_size, args.repeat)
        finally:
            store.close()


if __name__ == "__main__":
    main()
