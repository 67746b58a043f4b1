"""Which store ``--history`` names: the embedded SQLite default, PostgreSQL, or none.

sqlite                 SQLite file ``history.sqlite3`` in the data directory (default)
sqlite:PATH            SQLite file at PATH
postgresql://...       PostgreSQL (also ``postgres://``), a libpq URI
none                   no history: every history field is unknown
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from screening_service.history.model import DEFAULT_RETENTION_DAYS
from screening_service.history.sqlite import FILE_NAME, SqliteStore
from screening_service.history.store import HistoryStore

DEFAULT: Final = "sqlite"
NONE: Final = "none"
POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")


def describe_spec(spec: str) -> str:
    """The spec for a log line: a PostgreSQL URI loses everything but its scheme."""
    return "postgresql" if spec.startswith(POSTGRES_SCHEMES) else spec


def open_history(
    spec: str,
    *,
    data_dir: Path,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    instrumented: bool = True,
    preload: bool = True,
) -> HistoryStore | None:
    """The store ``spec`` names, opened and migrated; None for ``none``.

    ``preload``: the SQLite store reads its counting index now (a service
    starting) rather than at the first flight; operator commands pass False.

    Raises `HistoryUnavailable` when the database cannot be opened, and
    ValueError for a spec this function does not know.
    """
    store: HistoryStore
    if spec == NONE:
        return None
    if spec.startswith(POSTGRES_SCHEMES):
        from screening_service.history.postgres import PostgresStore  # noqa: PLC0415  # psycopg only when used

        store = PostgresStore(spec, retention_days=retention_days)
    elif spec == DEFAULT:
        store = SqliteStore(data_dir / FILE_NAME, retention_days=retention_days, preload=preload)
    elif spec.startswith("sqlite:"):
        store = SqliteStore(
            Path(spec.removeprefix("sqlite:")), retention_days=retention_days, preload=preload
        )
    else:
        raise ValueError("--history must be 'sqlite', 'sqlite:PATH', 'postgresql://...' or 'none'")
    if not instrumented:
        return store
    # Imported here: prometheus_client must not load before `serve --workers` sets up its
    # multiprocess directory, and the command line builds its parser first.
    from screening_service.history.instrumented import InstrumentedStore  # noqa: PLC0415

    return InstrumentedStore(store)
