"""A chunk's encoded records handed from a drawing process to the writer through a file.

Returned through the process pool, ten megabytes of JSON lines were pickled,
pushed through a 64 KiB pipe in a few hundred wake-ups, read and unpickled:
the writing process spent about 2 microseconds of system time per traveler
on it, on a machine where drawing and writing share two cores. Instead the
drawing process writes the records to a file of the run's spill directory
(a page-cache copy), and the writer moves them into the output with
``copy_file_range`` (a copy inside the kernel), or memory-maps an Arrow table
(no copy at all) for the Parquet writer. The file is removed once taken.
"""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pyarrow as pa

# copy_file_range refuses these where the kernel or the file systems cannot do it.
_NOT_SUPPORTED: Final = frozenset({errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP})
_BLOCK: Final = 1 << 20


@dataclass(frozen=True)
class Spilled:
    """Encoded records in a file: raw bytes (JSON lines, a gzip member) or an Arrow IPC file."""

    path: str
    size: int
    arrow: bool


def spill(records: list[bytes] | bytes | pa.Table, directory: str) -> Spilled:
    """``records`` (JSON lines, a gzip member or a table) in a new file of ``directory``
    (in the drawing process)."""
    descriptor, path = tempfile.mkstemp(dir=directory, suffix=".chunk")
    if isinstance(records, list | bytes):
        lines = records if isinstance(records, list) else [records]
        with os.fdopen(descriptor, "wb") as out:
            out.writelines(lines)
        return Spilled(path, sum(map(len, lines)), arrow=False)
    os.close(descriptor)
    import pyarrow as pa  # noqa: PLC0415  # only a Parquet run spills a table

    with pa.ipc.new_file(path, records.schema) as writer:
        writer.write_table(records)
    return Spilled(path, os.stat(path).st_size, arrow=True)


def append_to(spilled: Spilled, descriptor: int) -> None:
    """Append the spilled bytes to the file open at ``descriptor``, then remove them."""
    try:
        with open(spilled.path, "rb") as source:
            _copy(source.fileno(), descriptor, spilled.size)
    finally:
        os.unlink(spilled.path)


def _copy(source: int, target: int, size: int) -> None:
    left = size
    try:
        while left > 0:
            copied = os.copy_file_range(source, target, left)
            if copied == 0:
                raise OSError(errno.EIO, "a spilled chunk was shorter than written")
            left -= copied
    except OSError as error:
        if error.errno not in _NOT_SUPPORTED or left != size:
            raise
        while left > 0:  # another file system, or an old kernel: through this process
            block = os.read(source, min(left, _BLOCK))
            if not block:
                raise OSError(errno.EIO, "a spilled chunk was shorter than written") from error
            view = memoryview(block)
            while view:
                view = view[os.write(target, view) :]
            left -= len(block)


def table_of(spilled: Spilled) -> pa.Table:
    """The spilled Arrow table, memory-mapped (its file is removed; the mapping stays)."""
    import pyarrow as pa  # noqa: PLC0415

    try:
        # Not closed here: the table's buffers are the mapping, released with them.
        return pa.ipc.open_file(pa.memory_map(spilled.path)).read_all()
    finally:
        os.unlink(spilled.path)
