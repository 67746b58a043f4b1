"""Read lookout lists from CSV files, reporting every bad row at once.

File format: UTF-8 CSV (a byte-order mark is accepted) with a header row.
Column names are case-insensitive; the order is free; blank lines are skipped.

=================  ========  =====================================================
column             required  value
=================  ========  =====================================================
list_kind          yes       ``missing_person``, ``known_trafficker`` or ``other``
entry_id           yes       unique across everything loaded together
surname            yes       any script; must contain at least one letter
given_names        yes       any script; may be empty (a single-name person)
date_of_birth      yes       ``YYYY-MM-DD``; ``YYYY`` when only the year is
                             trusted; empty when unknown (document match only)
aliases            no        ``|``-separated ``SURNAME, GIVEN`` alternates (text
                             without a comma is taken as a surname)
document_numbers   no        ``|``-separated; compared without case, spaces,
                             dashes or other punctuation
=================  ========  =====================================================

`load_lookout` takes one file, or a directory whose ``*.csv`` files are read
in name order as one list. Problems are collected over all files and raised
together as a `LookoutLoadError`, sorted by file and line and capped.

The list is hot-reloaded from a watched place, so reading is bounded: only
regular files inside the directory (a FIFO, a device or a link leading out
is refused unread), each under `MAX_FILE_BYTES`, all under
`MAX_TOTAL_BYTES`, at most `MAX_FILES` files and `MAX_ENTRIES` entries (the
index takes about 2 KB per entry; reading stops at the first row past the
cap).

Lookout rows are personal data: a problem names the file, the line, the
column and the entry id, never a name, date of birth or document number, and
never echoes a cell value (a misaligned row can put a name in any column).
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Final

from screening_service.lookout.model import Alias, BirthDate, ListKind, LookoutEntry
from screening_service.lookout.normalize import normalize_document, normalize_text
from screening_service.safe_files import Limits, Refused, list_files, read_file

MAX_REPORTED: Final = 200
REQUIRED_COLUMNS: Final = ("list_kind", "entry_id", "surname", "given_names", "date_of_birth")
OPTIONAL_COLUMNS: Final = ("aliases", "document_numbers")
_ALL_COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_KINDS: Final = tuple(sorted(k.value for k in ListKind))
_FULL_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR: Final = re.compile(r"\d{4}")
MAX_FILE_BYTES: Final = 32 << 20
MAX_TOTAL_BYTES: Final = 64 << 20
MAX_FILES: Final = 100
MAX_ENTRIES: Final = 100_000
LIMITS: Final = Limits(
    max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_TOTAL_BYTES, max_files=MAX_FILES
)


@dataclass(frozen=True, order=True)
class LookoutProblem:
    """One thing wrong with a list file; ``line`` is 1-based (0: the file as a whole)."""

    file: str
    line: int
    code: str
    message: str
    entry_id: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        entry = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}: {self.code}{entry}: {self.message}"


class LookoutLoadError(Exception):
    """Raised when any list file has problems; holds them all, sorted and capped."""

    def __init__(self, problems: Iterable[LookoutProblem]) -> None:
        ordered = sorted(problems)
        self.total = len(ordered)
        self.problems: tuple[LookoutProblem, ...] = tuple(ordered[:MAX_REPORTED])
        lines = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more")
        super().__init__(f"{self.total} problem(s) in lookout list:\n" + "\n".join(lines))


def load_lookout(
    path: str | os.PathLike[str], *, max_entries: int = MAX_ENTRIES
) -> list[LookoutEntry]:
    """Entries of a list file, or of every ``*.csv`` in a directory, in file order."""
    given = Path(path)
    problems: list[LookoutProblem] = []
    root, names = _list(given, problems)
    entries: list[LookoutEntry] = []
    first_seen: dict[str, str] = {}  # entry_id -> "file:line"
    budget = _Budget(LIMITS.max_total_bytes)
    rows = 0
    for name in names:
        file = root / name
        for line, entry_id, entry in _read_file(root, name, budget, problems):
            rows += 1
            if rows > max_entries:
                message = f"the list has more than {max_entries} entries; not loaded"
                problems.append(LookoutProblem(str(file), line, "too_many_entries", message))
                raise LookoutLoadError(problems)
            if entry_id in first_seen:
                message = f"entry_id already used at {first_seen[entry_id]}"
                problems.append(
                    LookoutProblem(str(file), line, "duplicate_entry_id", message, entry_id)
                )
                continue
            if entry_id:
                first_seen[entry_id] = f"{file}:{line}"
            if entry is not None:
                entries.append(entry)
    if problems:
        raise LookoutLoadError(problems)
    return entries


def _list(given: Path, problems: list[LookoutProblem]) -> tuple[Path, list[PurePosixPath]]:
    """The directory files are read from, and the list files in it."""
    if not given.is_dir():
        return given.parent, [PurePosixPath(given.name)]
    try:
        names = list_files(given, _is_list_file, LIMITS)
    except Refused as refused:
        problems.append(LookoutProblem(str(given), 0, "too_many_files", refused.reason))
        return given, []
    except OSError as exc:
        problems.append(LookoutProblem(str(given), 0, "unreadable", exc.strerror or "error"))
        return given, []
    if not names:
        problems.append(LookoutProblem(str(given), 0, "no_files", "no .csv files in directory"))
    return given, names


def _is_list_file(relative: PurePosixPath) -> bool:
    return len(relative.parts) == 1 and relative.suffix == ".csv"


@dataclass
class _Budget:
    """Bytes the remaining files may still take together."""

    remaining: int


def _read_file(
    root: Path, relative: PurePosixPath, budget: _Budget, problems: list[LookoutProblem]
) -> Iterator[tuple[int, str, LookoutEntry | None]]:
    """Each data row's line, entry id and entry (None when the row has problems)."""
    name = str(root / relative)
    try:
        data = read_file(root, relative, min(MAX_FILE_BYTES, budget.remaining))
    except Refused as refused:
        problems.append(LookoutProblem(name, 0, "unreadable", refused.reason))
        return
    budget.remaining -= len(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(LookoutProblem(name, line, "encoding", "not valid UTF-8"))
        return
    del data
    # Lines end at \n, \r\n or \r only (not at the other breaks str.splitlines
    # knows), so that line numbers are the ones an editor shows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: dict[str, int] | None = None
    end_of_previous = 0
    try:
        for row in reader:
            line = end_of_previous + 1  # where the record starts (a quoted cell may span lines)
            end_of_previous = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _read_header(name, line, row, problems)
                if header is None:
                    return  # rows cannot be read without their columns
                continue
            entry_id = row[header["entry_id"]].strip() if len(row) == len(header) else ""
            yield line, entry_id, _read_row(name, line, header, row, problems)
    except csv.Error as exc:
        problems.append(LookoutProblem(name, reader.line_num, "csv", str(exc)))
        return
    if header is None:
        problems.append(LookoutProblem(name, 0, "header", "file is empty: no header row"))


def _read_header(
    file: str, line: int, row: list[str], problems: list[LookoutProblem]
) -> dict[str, int] | None:
    # Column names are not echoed either: a file without a header has a data
    # row here. A column is named by its position, with the nearest known name.
    columns = [cell.strip().lower() for cell in row]
    if not set(columns) & set(REQUIRED_COLUMNS):
        expected = ", ".join(REQUIRED_COLUMNS)
        message = f"first row is not a header; expected columns {expected}"
        problems.append(LookoutProblem(file, line, "header", message))
        return None
    found: list[LookoutProblem] = []
    for position, column in enumerate(columns, start=1):
        if column not in _ALL_COLUMNS:
            hint = difflib.get_close_matches(column, _ALL_COLUMNS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            message = f"column {position} is not a known column{suggestion}"
            found.append(LookoutProblem(file, line, "header", message))
        elif columns.index(column) != position - 1:
            message = f"column {position} repeats {column!r}"
            found.append(LookoutProblem(file, line, "header", message))
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            found.append(LookoutProblem(file, line, "header", f"missing column {column!r}"))
    if found:
        problems.extend(found)
        return None
    return {column: i for i, column in enumerate(columns)}


def _read_row(
    file: str,
    line: int,
    header: dict[str, int],
    row: list[str],
    problems: list[LookoutProblem],
) -> LookoutEntry | None:
    if len(row) != len(header):
        problems.append(
            LookoutProblem(
                file, line, "field_count", f"expected {len(header)} fields, found {len(row)}"
            )
        )
        return None

    def cell(column: str) -> str:
        return row[header[column]].strip() if column in header else ""

    entry_id = cell("entry_id")
    count_before = len(problems)

    def problem(code: str, message: str) -> None:
        problems.append(LookoutProblem(file, line, code, message, entry_id))

    if not entry_id:
        problem("missing_entry_id", "entry_id is empty")
    kind = cell("list_kind").lower()
    if kind not in _KINDS:
        hint = difflib.get_close_matches(kind, _KINDS, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        problem("unknown_list_kind", f"list_kind must be one of {', '.join(_KINDS)}{suggestion}")
    surname, given_names = cell("surname"), cell("given_names")
    if not normalize_text(surname):
        problem("missing_name", "surname is empty or has no letters")
    elif given_names and not normalize_text(given_names):
        problem("missing_name", "given_names has no letters")
    birth = _parse_birth_date(cell("date_of_birth"))
    if birth is None and cell("date_of_birth"):
        problem("bad_date", "date_of_birth is not a valid YYYY-MM-DD or YYYY")
    aliases: list[Alias] = []
    for position, text in enumerate(_split(cell("aliases")), start=1):
        alias_surname, _, alias_given = text.partition(",")
        if not normalize_text(alias_surname + " " + alias_given):
            problem("bad_alias", f"alias {position} has no letters")
        aliases.append(Alias(alias_surname.strip(), alias_given.strip()))
    documents = _split(cell("document_numbers"))
    for position, number in enumerate(documents, start=1):
        if not normalize_document(number):
            problem("bad_document_number", f"document number {position} has no letters or digits")
    if len(problems) > count_before:
        return None
    return LookoutEntry(
        list_kind=ListKind(kind),
        entry_id=entry_id,
        surname=surname,
        given_names=given_names,
        date_of_birth=birth,
        aliases=tuple(aliases),
        document_numbers=tuple(documents),
    )


def _parse_birth_date(text: str) -> BirthDate | None:
    try:
        if _FULL_DATE.fullmatch(text):
            return BirthDate.full(date.fromisoformat(text))
        if _YEAR.fullmatch(text) and int(text) >= 1:
            return BirthDate.year_only(int(text))
    except ValueError:
        return None
    return None


def _split(text: str) -> list[str]:
    """``|``-separated values, trimmed; empty pieces (``a||b``, a trailing ``|``) dropped."""
    return [piece.strip() for piece in text.split("|") if piece.strip()]
