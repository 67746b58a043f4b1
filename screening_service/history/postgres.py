"""History shared by several service replicas: PostgreSQL through psycopg 3.

Each replica holds one connection, used by one call at a time. A flight's
writes and its read are one transaction (READ COMMITTED): the read sees
this flight's rows and every flight other replicas have committed. Two
replicas screening the same flight write the same primary keys in the same
(sorted) order: the second waits for the first and updates its rows, so
nothing is counted twice or lost. A deadlock or serialisation failure is
retried; a lost connection is reopened on the next call.

Migrations run under a transaction-level advisory lock, so replicas starting
together apply each migration once. The DSN (it may hold a password) never
appears in a log line, an error or a metric.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any, Final, TypeVar

import psycopg
from psycopg import errors

from screening_service.history import migrations
from screening_service.history.counting import CountQuery, FlightRows, assemble, rows
from screening_service.history.model import (
    DEFAULT_RETENTION_DAYS,
    FlightEvents,
    HistoryCounts,
    HistoryStats,
    from_epoch_seconds,
)
from screening_service.history.retention import cutoff, validate_retention_days
from screening_service.history.store import HistoryUnavailable

BACKEND: Final = "postgresql"
MIGRATION_LOCK: Final = 0x5C12_0018  # advisory lock key: "screening history migrations"
RETRIES: Final = 3
T = TypeVar("T")

UPSERT_EVENT: Final = """
INSERT INTO travel_event (flight_key, traveler, event_time, document, purchaser,
                          purchaser_travels, contact, minor)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (flight_key, traveler) DO UPDATE SET
    event_time = excluded.event_time, document = excluded.document,
    purchaser = excluded.purchaser, purchaser_travels = excluded.purchaser_travels,
    contact = excluded.contact, minor = excluded.minor
"""
DELETE_COMPANIONS: Final = """
DELETE FROM minor_companion WHERE flight_key = %s AND traveler = ANY(%s)
"""
INSERT_COMPANION: Final = """
INSERT INTO minor_companion (flight_key, traveler, companion, event_time)
VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING
"""
COUNT: Final = """
SELECT 0, purchaser, COUNT(DISTINCT traveler), COUNT(DISTINCT traveler) FILTER (WHERE minor)
  FROM travel_event
 WHERE purchaser = ANY(%(purchasers)s)
   AND event_time BETWEEN %(purchaser_since)s AND %(until)s
 GROUP BY purchaser
UNION ALL
SELECT 1, contact, COUNT(DISTINCT traveler), NULL
  FROM travel_event
 WHERE contact = ANY(%(contacts)s)
   AND event_time BETWEEN %(contact_since)s AND %(until)s
 GROUP BY contact
UNION ALL
SELECT 2, traveler, COUNT(*), NULL
  FROM travel_event
 WHERE traveler = ANY(%(travelers)s)
   AND event_time BETWEEN %(traveler_since)s AND %(until)s
 GROUP BY traveler
UNION ALL
SELECT 3, traveler, COUNT(DISTINCT companion), NULL
  FROM minor_companion
 WHERE traveler = ANY(%(minors)s)
   AND event_time BETWEEN %(companion_since)s AND %(until)s
 GROUP BY traveler
"""
SIZE: Final = (
    "SELECT pg_total_relation_size('travel_event') + pg_total_relation_size('minor_companion')"
)


def describe(error: psycopg.Error) -> str:
    """The kind of failure (class and SQLSTATE), never a value, a host or a DSN."""
    state = error.sqlstate
    return f"{type(error).__name__} {state}" if state else type(error).__name__


def one(db: psycopg.Connection[Any], query: str) -> tuple[Any, ...]:
    """The single row of an aggregate query."""
    row: tuple[Any, ...] | None = db.execute(query).fetchone()
    if row is None:
        raise psycopg.DataError("an aggregate query returned no row")
    return row


class PostgresStore:
    """History in a PostgreSQL database; see the module docstring."""

    def __init__(
        self,
        dsn: str,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        connect_timeout_seconds: int = 5,
        statement_timeout_seconds: float = 10.0,
    ) -> None:
        validate_retention_days(retention_days)
        self._dsn = dsn
        self._retention_days = retention_days
        self._connect_options: dict[str, Any] = {
            "connect_timeout": connect_timeout_seconds,
            "options": f"-c statement_timeout={int(statement_timeout_seconds * 1000)}",
            "application_name": "screening-history",
        }
        self._lock = threading.Lock()
        self._db: psycopg.Connection[Any] | None = None
        try:
            self._run("open", self._migrate)
        except HistoryUnavailable:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore(retention_days={self._retention_days})"

    @property
    def backend(self) -> str:
        return BACKEND

    @property
    def retention_days(self) -> int:
        return self._retention_days

    def _connection(self) -> psycopg.Connection[Any]:
        if self._db is None or self._db.closed or self._db.broken:
            if self._db is not None:
                self._db.close()
            self._db = psycopg.connect(self._dsn, autocommit=True, **self._connect_options)
        return self._db

    def _run(self, operation: str, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``work`` in one transaction, retried on deadlock; failures as `HistoryUnavailable`."""
        with self._lock:
            for attempt in range(RETRIES):
                try:
                    db = self._connection()
                    with db.transaction():
                        return work(db)
                except (errors.DeadlockDetected, errors.SerializationFailure) as error:
                    if attempt + 1 == RETRIES:
                        raise HistoryUnavailable(operation, BACKEND, describe(error)) from error
                except psycopg.Error as error:
                    if self._db is not None and self._db.broken:
                        self._db.close()
                        self._db = None
                    raise HistoryUnavailable(operation, BACKEND, describe(error)) from error
                except migrations.SchemaTooNew as error:
                    raise HistoryUnavailable(operation, BACKEND, str(error)) from error
        raise AssertionError("unreachable: the last retry raises")

    def _migrate(self, db: psycopg.Connection[Any]) -> None:
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute(migrations.CREATE_VERSION_TABLE)
        applied = {v for (v,) in db.execute(f"SELECT version FROM {migrations.VERSION_TABLE}")}
        for migration in migrations.pending(applied, BACKEND):
            for statement in migration.statements:
                db.execute(statement)
            db.execute(
                f"INSERT INTO {migrations.VERSION_TABLE} (version, name, applied_at) "
                "VALUES (%s, %s, EXTRACT(EPOCH FROM now())::BIGINT)",
                (migration.version, migration.name),
            )

    def record_and_count(self, flight: FlightEvents) -> list[HistoryCounts]:
        if not flight.events:
            return []
        written = rows(flight)
        query = CountQuery.of(flight)

        def work(db: psycopg.Connection[Any]) -> list[HistoryCounts]:
            self._write(db, written)
            result = db.execute(COUNT, asdict(query)).fetchall()
            return assemble(flight, result)

        return self._run("record", work)

    @staticmethod
    def _write(db: psycopg.Connection[Any], written: FlightRows) -> None:
        with db.cursor() as cursor:
            cursor.execute(DELETE_COMPANIONS, (written.flight_key, written.travelers))
            cursor.executemany(UPSERT_EVENT, written.events)
            if written.companions:
                cursor.executemany(INSERT_COMPANION, written.companions)

    def purge(self, now: datetime) -> int:
        before = cutoff(now, self._retention_days)

        def work(db: psycopg.Connection[Any]) -> int:
            deleted = db.execute("DELETE FROM travel_event WHERE event_time < %s", (before,))
            db.execute("DELETE FROM minor_companion WHERE event_time < %s", (before,))
            return deleted.rowcount

        return self._run("purge", work)

    def forget(self, pseudonym: str) -> int:
        def work(db: psycopg.Connection[Any]) -> int:
            deleted = db.execute(
                "DELETE FROM travel_event WHERE traveler = %s OR document = %s",
                (pseudonym, pseudonym),
            )
            db.execute(
                "DELETE FROM minor_companion WHERE traveler = %s OR companion = %s",
                (pseudonym, pseudonym),
            )
            return deleted.rowcount

        return self._run("forget", work)

    def stats(self) -> HistoryStats:
        def work(db: psycopg.Connection[Any]) -> HistoryStats:
            (version,) = one(
                db, f"SELECT COALESCE(MAX(version), 0) FROM {migrations.VERSION_TABLE}"
            )
            events, flights, travelers, oldest, newest = one(
                db,
                "SELECT COUNT(*), COUNT(DISTINCT flight_key), COUNT(DISTINCT traveler),"
                " MIN(event_time), MAX(event_time) FROM travel_event",
            )
            (links,) = one(db, "SELECT COUNT(*) FROM minor_companion")
            (size,) = one(db, SIZE)
            return HistoryStats(
                backend=BACKEND,
                schema_version=version,
                events=events,
                flights=flights,
                travelers=travelers,
                companion_links=links,
                oldest_event=None if oldest is None else from_epoch_seconds(oldest),
                newest_event=None if newest is None else from_epoch_seconds(newest),
                size_bytes=size,
                retention_days=self._retention_days,
            )

        return self._run("stats", work)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
