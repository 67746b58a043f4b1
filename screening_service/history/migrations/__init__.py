"""The history schema as numbered SQL files, applied in order on open.

``NNNN_name.sql`` files in this package are the only definition of the
schema; both backends run the same files, statement by statement, inside one
transaction per migration, and record each in ``history_schema_version``. A
database whose recorded version is newer than the newest file here belongs
to a newer release: the store refuses it rather than guess.

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
FILE_NAME: Final = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")


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


def all_migrations() -> tuple[Migration, ...]:
    found: list[Migration] = []
    for entry in resources.files(__package__).iterdir():
        match = FILE_NAME.fullmatch(entry.name)
        if match is None:
            continue
        found.append(
            Migration(
                int(match["version"]),
                match["name"],
                split_statements(entry.read_text(encoding="utf-8")),
            )
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"history migrations must be numbered 1, 2, ... without gaps: {versions}")
    return tuple(found)


LATEST: Final = len(all_migrations())


def pending(applied: Collection[int]) -> tuple[Migration, ...]:
    """The migrations still to apply, in order; `SchemaTooNew` for a newer database."""
    newest = max(applied, default=0)
    if newest > LATEST:
        raise SchemaTooNew(newest, LATEST)
    return tuple(m for m in all_migrations() if m.version not in applied)
