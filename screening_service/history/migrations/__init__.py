"""The history schema as numbered SQL files, applied in order on open.

``NNNN_name.sql`` files in this package are the only definition of the
schema; both backends run the same files, statement by statement, inside one
transaction per migration, and record each in ``history_schema_version``.
Where the backends need different steps, a version has one file per backend
instead (``NNNN_name.sqlite.sql`` and ``NNNN_name.postgresql.sql``, the same
name), so both always reach the same version number. A database whose
recorded version is newer than the newest file here belongs to a newer
release: the store refuses it rather than guess.

A migration is never edited once released; a change is a new file.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from importlib import resources
from typing import Final

VERSION_TABLE: Final = "history_schema_version"
CREATE_VERSION_TABLE: Final = (
    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
)
FILE_NAME: Final = re.compile(
    r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)(?:\.(?P<backend>sqlite|postgresql))?\.sql"
)
BACKENDS: Final = ("sqlite", "postgresql")


class SchemaTooNew(Exception):
    """The database was migrated by a newer release than this one."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found} is newer than this release knows ({known})")
        self.found = found
        self.known = known


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(script: str) -> tuple[str, ...]:
    """The script's statements, each complete, comments and blank lines dropped."""
    statements: list[str] = []
    pending: list[str] = []
    for line in script.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending.append(line)
        text = "\n".join(pending)
        if sqlite3.complete_statement(text):
            statements.append(text.strip().removesuffix(";"))
            pending = []
    if "".join(pending).strip():
        raise ValueError("migration ends inside a statement (missing ';')")
    return tuple(statements)


def all_migrations(backend: str) -> tuple[Migration, ...]:
    """``backend``'s migrations in order: each version's shared file or the backend's own."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown history backend {backend!r}")
    by_version: dict[int, dict[str | None, tuple[str, str]]] = {}
    for entry in resources.files(__package__).iterdir():
        match = FILE_NAME.fullmatch(entry.name)
        if match is None:
            continue
        files = by_version.setdefault(int(match["version"]), {})
        files[match["backend"]] = (match["name"], entry.read_text(encoding="utf-8"))
    versions = sorted(by_version)
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"history migrations must be numbered 1, 2, ... without gaps: {versions}")
    found: list[Migration] = []
    for version in versions:
        files = by_version[version]
        if set(files) not in ({None}, set(BACKENDS)):
            raise ValueError(
                f"history migration {version} needs one shared file or one per backend"
            )
        name, script = files[None] if None in files else files[backend]
        found.append(Migration(version, name, split_statements(script)))
    return tuple(found)


LATEST: Final = len(all_migrations(BACKENDS[0]))


def pending(applied: Collection[int], backend: str) -> tuple[Migration, ...]:
    """``backend``'s migrations still to apply, in order; `SchemaTooNew` for a newer database."""
    newest = max(applied, default=0)
    if newest > LATEST:
        raise SchemaTooNew(newest, LATEST)
    return tuple(m for m in all_migrations(backend) if m.version not in applied)
