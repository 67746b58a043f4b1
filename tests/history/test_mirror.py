"""The SQLite store's in-memory counting index stays equal to the database.

Two stores on one file stand for two worker processes: each keeps its own
index and must see what the other wrote, purged and erased. The random test
checks every count against SQL run on the file itself (the count query the
store used before it counted in memory).
"""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from screening_service.history.bulk import COUNT
from screening_service.history.counting import CountQuery, assemble
from screening_service.history.model import FlightEvents, HistoryCounts, TravelEvent
from screening_service.history.sqlite import SqliteStore
from tests.history.flights import at, bought_by, flight

SQL_COUNT = COUNT  # the replay's SQL count, the same as the PostgreSQL store's


def counted_in_sql(path: Path, flight_events: FlightEvents) -> list[HistoryCounts]:
    import json  # noqa: PLC0415

    query = CountQuery.of(flight_events)
    parameters = {
        name: json.dumps(value) if isinstance(value, list) else value
        for name, value in vars(query).items()
    }
    with closing(sqlite3.connect(path)) as db:
        return assemble(flight_events, db.execute(SQL_COUNT, parameters).fetchall())


def test_a_second_process_counts_what_the_first_wrote(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first, second = SqliteStore(path), SqliteStore(path, preload=True)
    first.record_and_count(flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2")))
    second.record_and_count(flight("202", at(1), *bought_by("p-1", "t-b1")))

    (counts,) = first.record_and_count(flight("303", at(2), *bought_by("p-1", "t-c1")))

    assert 4 == counts.purchaser_travelers_30d
    first.close()
    second.close()


def test_a_rescreen_elsewhere_replaces_the_event_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first, second = SqliteStore(path, preload=True), SqliteStore(path, preload=True)
    first.record_and_count(flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2")))
    # The same flight again, elsewhere: t-a2's ticket is now someone else's purchase.
    second.record_and_count(
        flight("101", at(0), TravelEvent("t-a1", purchaser="p-1"), TravelEvent("t-a2"))
    )

    (counts,) = first.record_and_count(flight("202", at(1), *bought_by("p-1", "t-b1")))

    assert 2 == counts.purchaser_travelers_30d
    first.close()
    second.close()


def test_a_forget_and_a_purge_elsewhere_reach_every_process(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first, second = SqliteStore(path, preload=True), SqliteStore(path, preload=True)
    first.record_and_count(flight("101", at(0), *bought_by("p-1", "t-old")))
    first.record_and_count(flight("202", at(100), *bought_by("p-1", "t-gone", "t-kept")))
    assert 1 == second.forget("t-gone")
    assert 1 == second.purge(at(100) + timedelta(days=second.retention_days - 1))

    (counts,) = first.record_and_count(flight("303", at(101), *bought_by("p-1", "t-new")))

    assert 2 == counts.purchaser_travelers_30d
    assert [(2,)] == first._db.execute("SELECT COUNT(*) FROM travel_event").fetchall()
    first.close()
    second.close()


def test_two_processes_count_as_sql_does_through_rescreens_purges_and_forgets(
    tmp_path: Path,
) -> None:
    rng = random.Random(1808)
    path = tmp_path / "history.sqlite3"
    stores = [SqliteStore(path, preload=True), SqliteStore(path)]
    travelers = [f"t-{n:03d}" for n in range(60)]
    purchasers = [f"p-{n:02d}" for n in range(8)]
    contacts = [f"c-{n:02d}" for n in range(6)]
    recorded: list[FlightEvents] = []
    for number in range(80):
        store = rng.choice(stores)
        if recorded and rng.random() < 0.2:
            earlier = rng.choice(recorded)
            changed = tuple(
                replace(e, purchaser=rng.choice([None, *purchasers]), minor=not e.minor)
                for e in earlier.events
                if rng.random() < 0.8
            )
            chosen = replace(earlier, events=changed)
        else:
            party = rng.sample(travelers, rng.randint(1, 6))
            events = []
            for traveler in party:
                minor = rng.random() < 0.3
                companions = frozenset(rng.sample(travelers, 2)) if minor else frozenset()
                events.append(
                    TravelEvent(
                        traveler,
                        purchaser=rng.choice([None, *purchasers]),
                        contact=rng.choice([None, *contacts]),
                        minor=minor,
                        companions=companions,
                    )
                )
            chosen = flight(str(number), at(rng.uniform(0, 150)), *events)
            recorded.append(chosen)
        if not chosen.events:
            continue
        counts = store.record_and_count(chosen)
        assert counted_in_sql(path, chosen) == counts, number
        if number % 25 == 24:
            rng.choice(stores).purge(at(rng.uniform(180, 240)))
        if number % 30 == 29:
            rng.choice(stores).forget(rng.choice(travelers))
    for store in stores:
        store.close()


def test_a_schema_1_database_keeps_its_events_through_the_migration(tmp_path: Path) -> None:
    from screening_service.history import migrations  # noqa: PLC0415

    path = tmp_path / "history.sqlite3"
    (initial, *_) = migrations.all_migrations("sqlite")
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute(migrations.CREATE_VERSION_TABLE)
        for statement in initial.statements:
            db.execute(statement)
        db.execute(f"INSERT INTO {migrations.VERSION_TABLE} VALUES (1, 'initial', 0)")
        db.execute(
            "INSERT INTO travel_event VALUES ('ZZ 101/2026-11-02', 't-old', ?, NULL, 'p-1', 0,"
            " NULL, 1)",
            (int(at(0).timestamp()),),
        )
    store = SqliteStore(path)

    (counts,) = store.record_and_count(flight("202", at(1), *bought_by("p-1", "t-new")))

    assert (2, 1) == (counts.purchaser_travelers_30d, counts.purchaser_minors_30d)
    assert 2 == store.stats().schema_version
    assert 1 == store.purge(at(180.5))  # the horizon falls between the two flights
    store.close()
