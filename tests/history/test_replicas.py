"""Two replicas (two processes) screening overlapping flights into one store at once.

Both backends: PostgreSQL as several replicas share it, SQLite as several
worker processes on one host share its file. Flights 15..44 are screened by
both replicas at nearly the same moment; afterwards every event exists
exactly once and the counts are exact. While they run, each count lies
between what this replica has itself written so far and everything up to
this flight's departure.
"""

from __future__ import annotations

import multiprocessing
import queue
from typing import Final

import pytest

from tests.history.conftest import Backend
from tests.history.replica import (
    ONE_OFF_PER_FLIGHT,
    Report,
    replica_flight,
    run_replica,
)

PLANS: Final = (list(range(0, 45)), list(range(15, 60)))
FLIGHTS: Final = 60


def run_replicas(location: str) -> list[Report]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(PLANS))
    results: multiprocessing.Queue[Report] = context.Queue()
    replicas = [
        context.Process(target=run_replica, args=(i, location, plan, barrier, results))
        for i, plan in enumerate(PLANS)
    ]
    for replica in replicas:
        replica.start()
    try:
        return [results.get(timeout=120) for _ in range(sum(len(p) for p in PLANS))]
    except queue.Empty:
        pytest.fail("a replica stopped reporting (its traceback is above)")
    finally:
        for replica in replicas:
            replica.join(timeout=60)
            if replica.is_alive():
                replica.kill()
        assert [0] * len(PLANS) == [r.exitcode for r in replicas]


@pytest.mark.slow
def test_two_replicas_lose_no_update_and_count_exactly(backend: Backend) -> None:
    store = backend.open()

    reports = run_replicas(backend.location)
    final = {c.traveler: c for c in store.record_and_count(replica_flight(FLIGHTS - 1))}
    stats = store.stats()

    assert (600, 60) == (stats.events, stats.flights)
    assert 8 * 60 + 2 == final["t-regular"].purchaser_travelers_30d
    assert 60 == final["t-regular"].traveler_flights_30d
    assert 60 == final["t-minor"].minor_adult_companions_90d
    for replica, k, _, _, count in reports:
        written_by_itself = sum(1 for f in PLANS[replica] if f <= k)
        assert count is not None
        assert ONE_OFF_PER_FLIGHT * written_by_itself + 2 <= count, (replica, k)
        assert ONE_OFF_PER_FLIGHT * (k + 1) + 2 >= count, (replica, k)
    spans = [
        (min(r[2] for r in reports if r[0] == i), max(r[3] for r in reports if r[0] == i))
        for i in range(len(PLANS))
    ]
    assert max(start for start, _ in spans) < min(end for _, end in spans)  # they overlapped
