"""Reading files from a watched directory without trusting what is in it.

Rule packs and lookout lists are hot-reloaded from directories an operator
(or a deployment tool, or an attacker with write access to a mount) fills.
What lands there may be a FIFO (a plain ``open`` blocks for good), a device
or a link to one (``/dev/zero`` never ends), a link to a file elsewhere on
the host, or simply too big. Everything here is bounded: only regular files
whose real path lies inside the directory are read, each file and the total
are read with a byte cap, and the number of files is capped.

Links that stay inside the directory are followed: a Kubernetes ConfigMap
mount is a tree of such links (``pack.yaml -> ..data/pack.yaml``). Hidden
entries are skipped, since the ConfigMap keeps a second copy of every file in
``..<timestamp>/``; directories are descended only when they are real
directories, so a link loop cannot make the walk endless.

A refusal (`Refused`) says which file and why, never a byte of its contents.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

# Directory entries looked at per listing, files or not: bounds the time a
# directory stuffed with millions of entries can take.
MAX_ENTRIES_SCANNED: Final = 100_000
_CHUNK: Final = 1 << 16


@dataclass(frozen=True)
class Limits:
    """How much a directory may hold before it is refused."""

    max_file_bytes: int
    max_total_bytes: int
    max_files: int


class Refused(Exception):
    """A file (or the directory) that is not read; ``reason`` never quotes contents."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def list_files(
    directory: Path, wanted: Callable[[PurePosixPath], bool], limits: Limits
) -> list[PurePosixPath]:
    """The wanted files under ``directory`` (relative paths, sorted).

    Raises `Refused` when there are more than ``limits.max_files`` of them or
    the directory holds too many entries to look through.
    """
    found: list[PurePosixPath] = []
    for scanned, relative in enumerate(_walk(directory, PurePosixPath()), start=1):
        if scanned > MAX_ENTRIES_SCANNED:
            raise Refused(str(directory), f"more than {MAX_ENTRIES_SCANNED} entries")
        if wanted(relative):
            found.append(relative)
            if len(found) > limits.max_files:
                raise Refused(str(directory), f"more than {limits.max_files} files to load")
    return sorted(found)


def _walk(directory: Path, prefix: PurePosixPath) -> Iterator[PurePosixPath]:
    with os.scandir(directory) as entries:
        children = sorted(entries, key=lambda e: e.name)
    for entry in children:
        if entry.name.startswith("."):
            continue
        relative = prefix / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), relative)
        else:
            yield relative


def read_file(root: Path, relative: PurePosixPath | str, limit: int) -> bytes:
    """The bytes of one regular file inside ``root``, at most ``limit`` of them.

    The file is opened without following a final link and without blocking
    (a FIFO opens at once and is then refused), checked with ``fstat`` on the
    open descriptor (so a swap after the check cannot matter), and read with
    a bounded read that stops one byte past the limit.
    """
    fd = open_regular(root, relative, limit)
    try:
        return _bounded_read(fd, str(relative), limit)
    finally:
        os.close(fd)


def _bounded_read(fd: int, name: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        except OSError as error:
            raise Refused(name, f"cannot read: {error.strerror}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            # The file grew after fstat: still refused, never read to its end.
            raise Refused(name, f"larger than {limit} bytes")


def read_files(
    root: Path, names: list[PurePosixPath], limits: Limits
) -> Iterator[tuple[PurePosixPath, bytes | Refused]]:
    """Each file's bytes (or why it was refused), with the total capped.

    A file that would take the total past ``limits.max_total_bytes`` is
    refused, and so is every file after it.
    """
    total = 0
    for relative in names:
        try:
            data = read_file(root, relative, limits.max_file_bytes)
        except Refused as refused:
            yield relative, refused
            continue
        total += len(data)
        if total > limits.max_total_bytes:
            reason = f"takes the files together past {limits.max_total_bytes} bytes"
            yield relative, Refused(str(relative), reason)
            continue
        yield relative, data


def open_regular(root: Path, relative: PurePosixPath | str, limit: int) -> int:
    """A descriptor on one regular file inside ``root`` of at most ``limit`` bytes.

    For callers that stream a large file instead of holding it whole; the same
    checks as `read_file`. The caller closes the descriptor.
    """
    name = str(relative)
    real_root = os.path.realpath(root)
    real = os.path.realpath(root / relative)
    if not _inside(real, real_root):
        raise Refused(name, "a link that leads outside the directory; not read")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        raise Refused(name, "no such file (or a link that leads nowhere)") from None
    except OSError as error:
        raise Refused(name, f"cannot open: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(name, f"not a regular file ({_kind(info.st_mode)}); not read")
        if info.st_size > limit:
            raise Refused(name, f"larger than {limit} bytes")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a file"
