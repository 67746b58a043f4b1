"""Replay's history: a SQLite file loaded in bulk, indexed once, then only read.

A replay records every flight of its input first (workers write side by
side, one transaction per partition, no index to maintain), then indexes the
file once, then each flight's counts are read by SQL, by any number of
workers at once, without writing. The live store (`sqlite`) counts from an
in-memory mirror instead, which suits a service but not a replay of ten
million travelers: the mirror would hold every event in every worker. The
counts are the same (the SQL is the PostgreSQL store's, in SQLite's
dialect, and the replay parity test compares replay with the live service).

The file holds pseudonyms under a key that lives only as long as the
replay, in the replay's temporary directory.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from screening_service.history.counting import CountQuery, assemble, rows
from screening_service.history.model import FlightEvents, HistoryCounts, HistoryStats
from screening_service.history.sqlite import BACKEND, DELETE_COMPANIONS, describe
from screening_service.history.store import HistoryUnavailable

SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS travel_event (
        flight_key TEXT NOT NULL, traveler TEXT NOT NULL, event_time INTEGER NOT NULL,
        document TEXT, purchaser TEXT, purchaser_travels INTEGER NOT NULL, contact TEXT,
        minor INTEGER NOT NULL, PRIMARY KEY (flight_key, traveler))""",
    """CREATE TABLE IF NOT EXISTS minor_companion (
        flight_key TEXT NOT NULL, traveler TEXT NOT NULL, companion TEXT NOT NULL,
        event_time INTEGER NOT NULL, PRIMARY KEY (flight_key, traveler, companion))""",
)
MMAP_BYTES: Final = 1 << 40  # SQLite caps it at its build's limit (2 GiB by default)
INDEXES: Final = (
    """CREATE INDEX IF NOT EXISTS event_by_purchaser
        ON travel_event (purchaser, event_time, traveler, minor) WHERE purchaser IS NOT NULL""",
    """CREATE INDEX IF NOT EXISTS event_by_contact
        ON travel_event (contact, event_time, traveler) WHERE contact IS NOT NULL""",
    "CREATE INDEX IF NOT EXISTS event_by_traveler ON travel_event (traveler, event_time)",
    """CREATE INDEX IF NOT EXISTS companion_by_traveler
        ON minor_companion (traveler, event_time, companion)""",
)
UPSERT_EVENT: Final = """
INSERT INTO travel_event (flight_key, traveler, event_time, document, purchaser,
                          purchaser_travels, contact, minor)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (flight_key, traveler) DO UPDATE SET
    event_time = excluded.event_time, document = excluded.document,
    purchaser = excluded.purchaser, purchaser_travels = excluded.purchaser_travels,
    contact = excluded.contact, minor = excluded.minor
"""
INSERT_COMPANION: Final = """
INSERT INTO minor_companion (flight_key, traveler, companion, event_time)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
"""
COUNT: Final = """
SELECT 0, purchaser, COUNT(DISTINCT traveler), COUNT(DISTINCT CASE WHEN minor THEN traveler END)
  FROM travel_event
 WHERE purchaser IN (SELECT value FROM json_each(:purchasers))
   AND event_time BETWEEN :purchaser_since AND :until
 GROUP BY purchaser
UNION ALL
SELECT 1, contact, COUNT(DISTINCT traveler), NULL
  FROM travel_event
 WHERE contact IN (SELECT value FROM json_each(:contacts))
   AND event_time BETWEEN :contact_since AND :until
 GROUP BY contact
UNION ALL
SELECT 2, traveler, COUNT(*), NULL
  FROM travel_event
 WHERE traveler IN (SELECT value FROM json_each(:travelers))
   AND event_time BETWEEN :traveler_since AND :until
 GROUP BY traveler
UNION ALL
SELECT 3, traveler, COUNT(DISTINCT companion), NULL
  FROM minor_companion
 WHERE traveler IN (SELECT value FROM json_each(:minors))
   AND event_time BETWEEN :companion_since AND :until
 GROUP BY traveler
"""


def _unavailable(operation: str, error: sqlite3.Error) -> HistoryUnavailable:
    return HistoryUnavailable(operation, BACKEND, describe(error))


class ReplayHistory:
    """What a replay's history store is not: it keeps its whole input, and it is thrown
    away at the end, so nothing is purged, forgotten or summarised."""

    @property
    def backend(self) -> str:
        raise NotImplementedError

    @property
    def retention_days(self) -> int:
        """Replay keeps its whole input: no horizon within a run."""
        return 0

    def purge(self, now: datetime) -> int:
        return 0

    def forget(self, pseudonym: str) -> int:
        return 0

    def stats(self) -> HistoryStats:
        raise HistoryUnavailable("stats", self.backend, "a replay's history keeps no statistics")

    def record_and_count(self, flight: FlightEvents) -> list[HistoryCounts]:
        """The counts of a flight the first pass recorded: a read, nothing written."""
        if not flight.events:
            return []
        return assemble(flight, self._count(CountQuery.of(flight)))

    def _count(self, query: CountQuery) -> Sequence[tuple[int, str, int, int | None]]:
        """The count query's result rows (`counting`), or HistoryUnavailable."""
        raise NotImplementedError


class BulkHistory(ReplayHistory):
    """One replay's history file; see the module docstring. Not shared with the service."""

    def __init__(self, path: Path, *, busy_timeout_seconds: float = 60.0) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=busy_timeout_seconds, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = OFF")  # a scratch file: a crash ends the replay
            # The second pass reads the file at random: mapped, a page read is a memory read
            # instead of a system call and a copy (about 15% of a flight's count query).
            self._db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            for statement in SCHEMA:
                self._db.execute(statement)
        except sqlite3.Error as error:
            raise _unavailable("open", error) from error

    def record_many(self, flights: Sequence[FlightEvents]) -> None:
        """Every flight of a partition in one transaction, as the live store would write it."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for flight in flights:
                if not flight.events:
                    continue
                written = rows(flight)
                self._db.execute(
                    DELETE_COMPANIONS, (written.flight_key, json.dumps(written.travelers))
                )
                self._db.executemany(UPSERT_EVENT, written.events)
                self._db.executemany(INSERT_COMPANION, written.companions)
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _unavailable("record", error) from error

    def index(self) -> None:
        """Once every flight is recorded: the indexes the counts read."""
        try:
            for statement in INDEXES:
                self._db.execute(statement)
            self._db.execute("ANALYZE")
            # Into the file itself: readers then find no page in the write-ahead log.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:
            raise _unavailable("index", error) from error

    @property
    def backend(self) -> str:
        return BACKEND

    def _count(self, query: CountQuery) -> Sequence[tuple[int, str, int, int | None]]:
        # SQLite takes the key lists as JSON arrays (json_each in the query).
        parameters = {
            name: json.dumps(value) if isinstance(value, list) else value
            for name, value in vars(query).items()
        }
        try:
            result: list[tuple[int, str, int, int | None]] = self._db.execute(
                COUNT, parameters
            ).fetchall()
        except sqlite3.Error as error:
            raise _unavailable("count", error) from error
        return result

    def close(self) -> None:
        self._db.close()
