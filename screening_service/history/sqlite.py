"""The embedded default: one SQLite file in the service's data directory.

WAL mode lets readers run while one writer commits, and several processes on
one host (``--workers N``) share the file; a writer takes the lock at the
start of its transaction (``BEGIN IMMEDIATE``) and waits up to the busy
timeout for another. ``secure_delete`` overwrites erased rows, so a
``forget`` or a purge leaves no copy in free pages, and incremental
auto-vacuum gives the freed pages back to the file system. The file is
created readable by its owner only.

Counts come from an index each process keeps in memory (`mirror`), not from
SQL: per-key indexes on pseudonyms put every traveler's row on random pages
and made the commit the history's largest cost. The database keeps every
row, indexed by flight (idempotence) and by change number (a purge asks the
mirror which events are old):
each write transaction stamps its rows with the next number of
``history_state.change``, and at the start of the next write a process
applies every row stamped after the last number it has seen, so processes
sharing the file (``--workers N``) count alike. A forget makes every process
reload; a purge makes each drop the events it removed.

``synchronous = NORMAL`` in WAL mode: a commit survives a crash of the
process; after a power loss or an operating-system crash the last
transactions before the most recent checkpoint can be lost (SQLite's
documented trade-off). A lost flight counts again when it is screened again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar

from screening_service.history import migrations
from screening_service.history.mirror import Mirror, apply
from screening_service.history.model import (
    DEFAULT_RETENTION_DAYS,
    FlightEvents,
    HistoryCounts,
    HistoryStats,
    epoch_seconds,
    from_epoch_seconds,
)
from screening_service.history.retention import cutoff, validate_retention_days
from screening_service.history.store import HistoryUnavailable

BACKEND: Final = "sqlite"
FILE_NAME: Final = "history.sqlite3"
T = TypeVar("T")

UPSERT_EVENT: Final = """
INSERT INTO travel_event (flight_key, traveler, event_time, document, purchaser,
                          purchaser_travels, contact, minor, change)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (flight_key, traveler) DO UPDATE SET
    event_time = excluded.event_time, document = excluded.document,
    purchaser = excluded.purchaser, purchaser_travels = excluded.purchaser_travels,
    contact = excluded.contact, minor = excluded.minor, change = excluded.change
"""
DELETE_COMPANIONS: Final = """
DELETE FROM minor_companion
 WHERE flight_key = ? AND traveler IN (SELECT value FROM json_each(?))
"""
INSERT_COMPANION: Final = """
INSERT INTO minor_companion (flight_key, traveler, companion, event_time, change)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
"""
DELETE_EVENT: Final = "DELETE FROM travel_event WHERE flight_key = ? AND traveler = ?"
DELETE_BEFORE: Final = "DELETE FROM travel_event WHERE event_time < ?"
STATE: Final = "SELECT change, erased, purged_before FROM history_state"
EVENTS: Final = (
    "SELECT flight_key, traveler, event_time, purchaser, contact, minor FROM travel_event"
)
COMPANIONS: Final = "SELECT flight_key, traveler, companion, event_time FROM minor_companion"


def describe(error: sqlite3.Error) -> str:
    """The kind of failure (``SQLITE_BUSY``...), never a value or a path."""
    name = getattr(error, "sqlite_errorname", None)
    return f"{type(error).__name__} {name}" if name else type(error).__name__


# Another connection holds the lock: worth waiting for.
BUSY_CODES: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class SqliteStore:
    """History in one SQLite file; see the module docstring."""

    def __init__(
        self,
        path: Path,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        busy_timeout_seconds: float = 10.0,
        preload: bool = False,
    ) -> None:
        """Open (and migrate) the file; ``preload`` reads the counting index now, not at
        the first `record_and_count` (a service starting, not an operator's command)."""
        validate_retention_days(retention_days)
        self.path = path
        self._retention_days = retention_days
        self._lock = threading.Lock()
        self._mirror = Mirror()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(
                path,
                timeout=busy_timeout_seconds,
                isolation_level=None,
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as error:
            cause = describe(error) if isinstance(error, sqlite3.Error) else type(error).__name__
            raise HistoryUnavailable("open", BACKEND, cause) from error
        try:
            self._run("open", lambda: self._prepare_when_free(busy_timeout_seconds))
            if preload:
                self._run("open", self._load)
        except HistoryUnavailable:
            self._db.close()
            raise

    @property
    def backend(self) -> str:
        return BACKEND

    @property
    def retention_days(self) -> int:
        return self._retention_days

    def _prepare_when_free(self, patience_seconds: float) -> None:
        """`_prepare`, retried while another process prepares the same file.

        Server workers of one `--workers N` start together: switching a new
        file to WAL and creating its tables take locks the busy handler does
        not always wait for, so the one that loses the race waits its turn.
        """
        deadline = time.monotonic() + patience_seconds
        pause = 0.01
        while True:
            try:
                self._prepare()
                return
            except sqlite3.OperationalError as error:
                code = getattr(error, "sqlite_errorcode", None)
                # Extended codes (SQLITE_BUSY_RECOVERY, ...) keep the primary code in the low byte.
                busy = isinstance(code, int) and code & 0xFF in BUSY_CODES
                if not busy or time.monotonic() + pause > deadline:
                    raise
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes effect on a new file only
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA secure_delete = ON")
        db.execute("PRAGMA cache_size = -65536")  # KiB: the hot index pages of 180 days
        db.execute(migrations.CREATE_VERSION_TABLE)
        with transaction(self._db):
            applied = {v for (v,) in db.execute(f"SELECT version FROM {migrations.VERSION_TABLE}")}
            for migration in migrations.pending(applied, BACKEND):
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(
                    f"INSERT INTO {migrations.VERSION_TABLE} (version, name, applied_at) "
                    "VALUES (?, ?, CAST(strftime('%s', 'now') AS INTEGER))",
                    (migration.version, migration.name),
                )

    def _run(self, operation: str, work: Callable[[], T]) -> T:
        with self._lock:
            try:
                return work()
            except sqlite3.Error as error:
                raise HistoryUnavailable(operation, BACKEND, describe(error)) from error
            except migrations.SchemaTooNew as error:
                raise HistoryUnavailable(operation, BACKEND, str(error)) from error

    def record_and_count(self, flight: FlightEvents) -> list[HistoryCounts]:
        if not flight.events:
            return []
        flight_key = str(flight.flight)
        at = epoch_seconds(flight.event_time)

        def work() -> list[HistoryCounts]:
            mirror = self._mirror
            try:
                if not mirror.loaded:
                    self._load()
                with transaction(self._db):
                    change = self._catch_up() + 1
                    self._write(flight, flight_key, at, change)
                    counts = mirror.record(flight_key, at, flight.events)
                    mirror.change = change
            except BaseException:
                mirror.clear()  # it may hold rows that were rolled back: reload next time
                raise
            return counts

        return self._run("record", work)

    def _load(self) -> None:
        with transaction(self._db, read_only=True):
            self._reload()

    def _reload(self) -> None:
        """Load the mirror from the database (inside a transaction)."""
        mirror = self._mirror
        mirror.clear()
        mirror.change, mirror.erased, mirror.purged_before = self._db.execute(STATE).fetchone()
        apply(mirror, self._db.execute(EVENTS), self._db.execute(COMPANIONS))
        mirror.loaded = True

    def _catch_up(self) -> int:
        """Bring the mirror up to the database's latest change (inside the write lock); it."""
        mirror = self._mirror
        change, erased, purged_before = self._db.execute(STATE).fetchone()
        if erased != mirror.erased:
            self._reload()
            return int(change)
        if purged_before > mirror.purged_before:
            mirror.drop_before(purged_before)
            mirror.purged_before = purged_before
        if change != mirror.change:
            apply(
                mirror,
                self._db.execute(f"{EVENTS} WHERE change > ?", (mirror.change,)),
                self._db.execute(f"{COMPANIONS} WHERE change > ?", (mirror.change,)),
            )
            mirror.change = change
        return int(change)

    def _write(self, flight: FlightEvents, flight_key: str, at: int, change: int) -> None:
        """The flight's rows, as `counting.rows` has them, stamped with ``change``.

        Not sorted: SQLite has one writer at a time, so no two writers can
        take row locks in different orders.
        """
        db = self._db
        events = flight.events
        db.execute("UPDATE history_state SET change = ?", (change,))
        travelers = [e.traveler for e in events]
        # The mirror equals the database here: without links to replace, no statement.
        if self._mirror.has_companions(flight_key, travelers):
            db.execute(DELETE_COMPANIONS, (flight_key, json.dumps(travelers)))
        db.executemany(
            UPSERT_EVENT,
            [
                (
                    flight_key,
                    e.traveler,
                    at,
                    e.document,
                    e.purchaser,
                    e.purchaser_travels,
                    e.contact,
                    e.minor,
                    change,
                )
                for e in events
            ],
        )
        companions = [
            (flight_key, e.traveler, companion, at, change)
            for e in events
            if e.minor
            for companion in e.companions
            if companion != e.traveler
        ]
        if companions:
            db.executemany(INSERT_COMPANION, companions)

    def purge(self, now: datetime) -> int:
        before = cutoff(now, self._retention_days)

        def work() -> int:
            with transaction(self._db):
                deleted = self._delete_before(before)
                self._db.execute("DELETE FROM minor_companion WHERE event_time < ?", (before,))
                self._db.execute(
                    "UPDATE history_state SET change = change + 1,"
                    " purged_before = MAX(purged_before, ?)",
                    (before,),
                )
            self._db.execute("PRAGMA incremental_vacuum")
            return deleted

        return self._run("purge", work)

    def _delete_before(self, before: int) -> int:
        """Delete the events older than ``before``; their number (inside the write lock).

        Events have no index by time (each would cost every flight a write):
        a loaded mirror names the old events, deleted by key; otherwise (an
        operator's command) the table is scanned.
        """
        mirror = self._mirror
        if not mirror.loaded:
            return int(self._db.execute(DELETE_BEFORE, (before,)).rowcount)
        try:
            self._catch_up()
            return int(self._db.executemany(DELETE_EVENT, mirror.older_than(before)).rowcount)
        except BaseException:
            mirror.clear()
            raise

    def forget(self, pseudonym: str) -> int:
        def work() -> int:
            with transaction(self._db):
                deleted = self._db.execute(
                    "DELETE FROM travel_event WHERE traveler = ? OR document = ?",
                    (pseudonym, pseudonym),
                ).rowcount
                self._db.execute(
                    "DELETE FROM minor_companion WHERE traveler = ? OR companion = ?",
                    (pseudonym, pseudonym),
                )
                self._db.execute(
                    "UPDATE history_state SET change = change + 1, erased = change + 1"
                )
            self._db.execute("PRAGMA incremental_vacuum")
            return deleted

        return self._run("forget", work)

    def stats(self) -> HistoryStats:
        def work() -> HistoryStats:
            db = self._db
            with transaction(db, read_only=True):
                (version,) = db.execute(
                    f"SELECT COALESCE(MAX(version), 0) FROM {migrations.VERSION_TABLE}"
                ).fetchone()
                events, flights, travelers, oldest, newest = db.execute(
                    "SELECT COUNT(*), COUNT(DISTINCT flight_key), COUNT(DISTINCT traveler),"
                    " MIN(event_time), MAX(event_time) FROM travel_event"
                ).fetchone()
                (links,) = db.execute("SELECT COUNT(*) FROM minor_companion").fetchone()
            (pages,) = db.execute("PRAGMA page_count").fetchone()
            (page_size,) = db.execute("PRAGMA page_size").fetchone()
            wal = Path(f"{self.path}-wal")
            return HistoryStats(
                backend=BACKEND,
                schema_version=version,
                events=events,
                flights=flights,
                travelers=travelers,
                companion_links=links,
                oldest_event=None if oldest is None else from_epoch_seconds(oldest),
                newest_event=None if newest is None else from_epoch_seconds(newest),
                size_bytes=pages * page_size + (wal.stat().st_size if wal.exists() else 0),
                retention_days=self._retention_days,
            )

        return self._run("stats", work)

    def close(self) -> None:
        with self._lock:
            self._db.close()


@contextmanager
def transaction(db: sqlite3.Connection, *, read_only: bool = False) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` (a read snapshot: ``BEGIN``) ... ``COMMIT``; ``ROLLBACK`` on error."""
    db.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
