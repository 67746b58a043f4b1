"""Replay's history in PostgreSQL: for workers that do not share the client's disk.

The same three steps as `bulk.BulkHistory` (record every flight, index
once, then only read counts), in a schema of its own (``replay_<hex>``) of a
database every worker reaches: the client creates the schema and its
unlogged tables (a crash ends the replay, so nothing needs the write-ahead
log), workers write and read through their own connections, and the client
drops the schema at the end. The SQL is the PostgreSQL store's, so counts
are those of the live service on PostgreSQL.

The DSN may hold a password: it never appears in a log line, an error or a
metric (errors name the failure's class and SQLSTATE only).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Final

import psycopg
from psycopg import sql

from screening_service.history.bulk import ReplayHistory
from screening_service.history.counting import CountQuery, rows
from screening_service.history.model import FlightEvents
from screening_service.history.postgres import (
    BACKEND,
    COUNT,
    DELETE_COMPANIONS,
    INSERT_COMPANION,
    UPSERT_EVENT,
    describe,
)
from screening_service.history.store import HistoryUnavailable

SCHEMA_PREFIX: Final = "replay_"
TABLES: Final = (
    """CREATE UNLOGGED TABLE travel_event (
        flight_key TEXT NOT NULL, traveler TEXT NOT NULL, event_time BIGINT NOT NULL,
        document TEXT, purchaser TEXT, purchaser_travels BOOLEAN NOT NULL, contact TEXT,
        minor BOOLEAN NOT NULL, PRIMARY KEY (flight_key, traveler))""",
    """CREATE UNLOGGED TABLE minor_companion (
        flight_key TEXT NOT NULL, traveler TEXT NOT NULL, companion TEXT NOT NULL,
        event_time BIGINT NOT NULL, PRIMARY KEY (flight_key, traveler, companion))""",
)
INDEXES: Final = (
    """CREATE INDEX ON travel_event (purchaser, event_time, traveler, minor)
        WHERE purchaser IS NOT NULL""",
    "CREATE INDEX ON travel_event (contact, event_time, traveler) WHERE contact IS NOT NULL",
    "CREATE INDEX ON travel_event (traveler, event_time)",
    "CREATE INDEX ON minor_companion (traveler, event_time, companion)",
)


def _unavailable(operation: str, error: psycopg.Error) -> HistoryUnavailable:
    return HistoryUnavailable(operation, BACKEND, describe(error))


def new_schema_name() -> str:
    return SCHEMA_PREFIX + secrets.token_hex(6)


class BulkPostgres(ReplayHistory):
    """One replay's history in its own schema; see the module docstring."""

    def __init__(self, dsn: str, schema: str, *, create: bool = False) -> None:
        if not schema.startswith(SCHEMA_PREFIX) or not schema[len(SCHEMA_PREFIX) :].isalnum():
            raise ValueError(f"a replay's schema is named {SCHEMA_PREFIX}<hex>")
        self.schema = schema
        try:
            self._db = psycopg.connect(
                dsn,
                autocommit=True,
                connect_timeout=10,
                application_name="screening-replay",
            )
        except psycopg.Error as error:
            raise _unavailable("open", error) from error
        try:
            if create:
                with self._db.transaction():
                    self._db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
                    self._use_schema()
                    for statement in TABLES:
                        self._db.execute(statement)
            else:
                self._use_schema()
        except psycopg.Error as error:
            self._db.close()
            raise _unavailable("open", error) from error

    def _use_schema(self) -> None:
        self._db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))

    def record_many(self, flights: Sequence[FlightEvents]) -> None:
        """Every flight of a partition in one transaction, as the live store would write it."""
        try:
            with self._db.transaction(), self._db.cursor() as cursor:
                for flight in flights:
                    if not flight.events:
                        continue
                    written = rows(flight)
                    cursor.execute(DELETE_COMPANIONS, (written.flight_key, written.travelers))
                    cursor.executemany(UPSERT_EVENT, written.events)
                    if written.companions:
                        cursor.executemany(INSERT_COMPANION, written.companions)
        except psycopg.Error as error:
            raise _unavailable("record", error) from error

    def index(self) -> None:
        """Once every flight is recorded: the indexes the counts read."""
        try:
            with self._db.transaction():
                for statement in INDEXES:
                    self._db.execute(statement)
            self._db.execute("ANALYZE travel_event")
            self._db.execute("ANALYZE minor_companion")
        except psycopg.Error as error:
            raise _unavailable("index", error) from error

    def drop(self) -> None:
        """The schema and everything in it: the replay's pseudonyms end with it."""
        try:
            self._db.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )
        except psycopg.Error as error:
            raise _unavailable("drop", error) from error

    @property
    def backend(self) -> str:
        return BACKEND

    def _count(self, query: CountQuery) -> Sequence[tuple[int, str, int, int | None]]:
        try:
            result: list[Any] = self._db.execute(COUNT, asdict(query)).fetchall()
        except psycopg.Error as error:
            raise _unavailable("count", error) from error
        return result

    def close(self) -> None:
        self._db.close()
