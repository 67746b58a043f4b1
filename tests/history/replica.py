"""One "replica" for the concurrency test: its own process, its own store connection.

Flight ``k`` departs ``k`` hours after DAY0 and carries 10 travelers, all
bought by one purchaser: 8 seen on that flight only, one regular adult and
one minor on every flight (the minor with a new unrelated adult each time).
So over flights S the purchaser has 8·|S| + 2 distinct travelers.
"""

from __future__ import annotations

import time
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Final

from screening_service.history.model import FlightEvents, TravelEvent
from screening_service.history.postgres import PostgresStore
from screening_service.history.sqlite import SqliteStore
from screening_service.history.store import HistoryStore
from tests.history.flights import DAY0, flight

PURCHASER: Final = "p-shared"
ONE_OFF_PER_FLIGHT: Final = 8
Report = tuple[int, int, float, float, int | None]
"""Replica, flight, call start and end (monotonic), the purchaser count."""


def replica_flight(k: int) -> FlightEvents:
    one_off = tuple(
        TravelEvent(f"t-{k}-{j}", purchaser=PURCHASER) for j in range(ONE_OFF_PER_FLIGHT)
    )
    regular = TravelEvent("t-regular", purchaser=PURCHASER)
    minor = TravelEvent(
        "t-minor", purchaser=PURCHASER, minor=True, companions=frozenset({f"a-{k}"})
    )
    return flight(f"{k + 1}", DAY0 + timedelta(hours=k), *one_off, regular, minor)


def open_store(spec: str) -> HistoryStore:
    if spec.startswith("postgresql://"):
        return PostgresStore(spec)
    return SqliteStore(Path(spec))


def run_replica(
    replica: int,
    spec: str,
    flights: list[int],
    barrier: Barrier,
    results: Queue[Report],
) -> None:
    """Screen ``flights`` in order once every replica is ready; report each purchaser count."""
    store = open_store(spec)
    try:
        barrier.wait(timeout=60)
        for k in flights:
            started = time.monotonic()
            counts = store.record_and_count(replica_flight(k))
            results.put((replica, k, started, time.monotonic(), counts[0].purchaser_travelers_30d))
    finally:
        store.close()
