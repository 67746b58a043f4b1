"""Fixtures: every behaviour test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server (tests/history/postgres_server.py) is started once per
session on a free loopback port, each test gets its own new database, and the
server is stopped and its directory removed at the end. Without PostgreSQL
binaries the PostgreSQL cases are skipped on a developer machine, and fail
when ``CI=true`` (install them with deploy/postgresql/install.sh).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from screening_service.history.model import DEFAULT_RETENTION_DAYS
from screening_service.history.postgres import PostgresStore
from screening_service.history.sqlite import SqliteStore
from screening_service.history.store import HistoryStore
from tests.history.postgres_server import PostgresServer, find_bindir, running_postgres

TABLES = ("travel_event", "minor_companion", "history_schema_version")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found: run deploy/postgresql/install.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with running_postgres(bindir) as server:
        yield server


@dataclass
class Backend:
    """One test's database on one backend; `open` may be called again (a restart)."""

    name: str
    opener: Callable[[int], HistoryStore]
    dumper: Callable[[], bytes]
    querier: Callable[[str], list[tuple[object, ...]]]
    location: str
    """The SQLite file's path or the PostgreSQL DSN."""
    opened: list[HistoryStore] = field(default_factory=list)

    def open(self, retention_days: int = DEFAULT_RETENTION_DAYS) -> HistoryStore:
        store = self.opener(retention_days)
        self.opened.append(store)
        return store

    def query(self, text: str) -> list[tuple[object, ...]]:
        """Run one statement on the database directly (committed), its rows."""
        return self.querier(text)

    def dump(self) -> bytes:
        """Everything the database holds, as stored (file bytes or table rows as text)."""
        return self.dumper()


def sqlite_backend(path: Path) -> Backend:
    def dump() -> bytes:
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())

    def query(text: str) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(path)) as db, db:
            return db.execute(text).fetchall()

    return Backend(
        "sqlite", lambda days: SqliteStore(path, retention_days=days), dump, query, str(path)
    )


def postgres_backend(dsn: str) -> Backend:
    def dump() -> bytes:
        with psycopg.connect(dsn) as db:
            lines = [
                str(row).encode()
                for table in TABLES
                for row in db.execute(f"SELECT t::text FROM {table} AS t")
            ]
        return b"\n".join(lines)

    def query(text: str) -> list[tuple[object, ...]]:
        with psycopg.connect(dsn) as db:
            cursor = db.execute(text)
            return cursor.fetchall() if cursor.description else []

    return Backend(
        "postgresql", lambda days: PostgresStore(dsn, retention_days=days), dump, query, dsn
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        chosen = sqlite_backend(tmp_path / "history.sqlite3")
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        chosen = postgres_backend(server.create_database())
    yield chosen
    for store in chosen.opened:
        store.close()


@pytest.fixture
def store(backend: Backend) -> HistoryStore:
    return backend.open()
