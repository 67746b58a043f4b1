"""Rule files -> (read) -> parse: which files make a pack, and their bytes.

The pack directory is watched and reloaded while the service runs, so what
is in it is not trusted: only regular files inside the directory are read,
each under `MAX_FILE_BYTES`, all together under `MAX_PACK_BYTES`, at most
`MAX_PACK_FILES` of them (`safe_files` does the reading). A file that is
refused is an error of the pack, never silently left out, and its contents
are never quoted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Final

from screening_service.rules import errors
from screening_service.rules.errors import ErrorSink, Location
from screening_service.safe_files import Limits, Refused, list_files, read_files

RULE_FILE_SUFFIXES: Final = (".yaml", ".yml")
MAX_FILE_BYTES: Final = 1 << 20
MAX_PACK_BYTES: Final = 16 << 20
MAX_PACK_FILES: Final = 1000
LIMITS: Final = Limits(
    max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_PACK_BYTES, max_files=MAX_PACK_FILES
)


def _is_rule_file(relative: PurePosixPath) -> bool:
    return relative.suffix in RULE_FILE_SUFFIXES


def pack_files(directory: Path) -> list[Path]:
    """Every rule and pack file of a pack directory, in a stable order.

    Anything named like a rule file that is not a directory counts, including a
    link that leads nowhere or outside: a file the pack cannot read is an
    error when it is read, never silently left out. Hidden files and
    directories are skipped. Raises `Refused` past `MAX_PACK_FILES`.
    """
    return [directory / p for p in list_files(directory, _is_rule_file, LIMITS)]


def read_pack_files(directory: Path, sink: ErrorSink) -> dict[str, bytes]:
    """Every pack file's bytes, read once: the hash and the parse see the same bytes."""
    contents: dict[str, bytes] = {}
    try:
        names = list_files(directory, _is_rule_file, LIMITS)
    except Refused as refused:
        sink.add(errors.E_PACK, f"cannot load the pack: {refused.reason}", Location(str(directory)))
        return contents
    except OSError as error:
        sink.add(errors.E_PACK, f"cannot list the pack: {error.strerror}", Location(str(directory)))
        return contents
    for relative, data in read_files(directory, names, LIMITS):
        display = relative.as_posix()
        if isinstance(data, Refused):
            sink.add(errors.E_YAML, f"cannot read file: {data.reason}", Location(display))
        else:
            contents[display] = data
    return contents


def content_hash(contents: dict[str, bytes]) -> str:
    """SHA-256 over every file's relative path and bytes, in path order."""
    digest = hashlib.sha256()
    for name in sorted(contents):
        relative = name.encode()
        data = contents[name]
        digest.update(len(relative).to_bytes(4, "big") + relative)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()
