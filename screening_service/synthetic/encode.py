"""Records encoded for a file: JSON lines, a gzip member of them, or an Arrow table.

`encode_records` encodes a chunk's records at once; `FlightEncoder` flight
by flight as they are drawn, for the same result at less cost (its
docstring says why). The chunk writer (output.py) writes what they give.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import orjson

from screening_service.synthetic.layout import Format

if TYPE_CHECKING:  # pyarrow is imported for Parquet only: JSON lines runs skip its 50 MB
    import pyarrow as pa

# zlib level 1 compresses these records to about a fifth at several times
# the speed of the default 6, which would take more time than drawing them.
GZIP_LEVEL: Final = 1
# JSON lines stay a list of lines: joined, ten megabytes a chunk were copied once
# more into fresh pages (about 1 microsecond a traveler, mostly the kernel's).
Encoded: TypeAlias = "list[bytes] | bytes | pa.Table"


def json_line(record: dict[str, Any]) -> bytes:
    """One record as protobuf JSON, UTF-8, compact: what `json.dumps(ensure_ascii=False,
    separators=(",", ":"))` writes, with the newline."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def encode_records(records: Sequence[dict[str, Any]], fmt: Format) -> Encoded:
    if fmt == "parquet":
        from screening_service.synthetic.arrow import records_table  # noqa: PLC0415  # pyarrow when used

        return records_table(records)
    lines = list(map(json_line, records))
    return gzip.compress(b"".join(lines), GZIP_LEVEL, mtime=0) if fmt == "jsonl.gz" else lines


class FlightEncoder:
    """A chunk's records encoded while they are still in the processor's caches.

    `add` takes one flight's records as soon as it is drawn. JSON lines are
    encoded there and then (and the records dropped): rather than all of a
    chunk's ten thousand travelers once drawn, that took drawing and encoding
    an evaluation chunk from 18-20 to 14.5-15 microseconds a traveler.
    Parquet records become an Arrow table every `FLIGHTS_PER_TABLE` flights
    (3 or 10 did less well; one a flight no better than one a chunk): the
    drawing process spent 15.5 microseconds a traveler, spill included, not
    17.7 as with one table a chunk; the tables are
    joined into one record batch, as the writer's Parquet encoder took 1
    microsecond a traveler more for small batches. `encoded` gives what
    `encode_records` gives for all the records.
    """

    FLIGHTS_PER_TABLE: Final = 5

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.records = 0
        self._lines: list[bytes] = []
        self._kept: list[dict[str, Any]] = []
        self._flights = 0
        self._tables: list[pa.Table] = []

    def add(self, records: list[dict[str, Any]]) -> None:
        """One flight's records."""
        self.records += len(records)
        if self.fmt != "parquet":
            self._lines += map(json_line, records)
            return
        self._kept += records
        self._flights += 1
        if self._flights % self.FLIGHTS_PER_TABLE == 0:
            self._table()

    def _table(self) -> None:
        from screening_service.synthetic.arrow import records_table  # noqa: PLC0415

        self._tables.append(records_table(self._kept))
        self._kept = []

    def encoded(self) -> Encoded:
        if self.fmt == "parquet":
            if self._kept or not self._tables:
                self._table()
            if len(self._tables) == 1:
                return self._tables[0]
            import pyarrow as pa  # noqa: PLC0415  # pyarrow when used

            return pa.concat_tables(self._tables).combine_chunks()
        if self.fmt == "jsonl.gz":
            return gzip.compress(b"".join(self._lines), GZIP_LEVEL, mtime=0)
        return self._lines
