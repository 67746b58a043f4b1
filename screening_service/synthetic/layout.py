"""Where `screening synth` puts records and labels, chosen by the output path.

* ``NAME.jsonl``, ``NAME.jsonl.gz``, ``NAME.parquet``: one file; the labels
  go to ``NAME.labels.jsonl`` beside it.
* A directory (a path ending in ``/``, an existing directory, or any path
  with ``partitions``): ``DIR/part-00000.jsonl`` (or ``.jsonl.gz``,
  ``.parquet``) up to ``part-{partitions - 1}``, every one written even when
  it holds no record, and the labels in ``DIR/labels.jsonl``. The format
  comes from the directory's own suffix (``flights.parquet/``), else from
  ``fmt``, else Parquet.

Labels are always plain JSON lines, one per traveler, in record order.
A directory that already holds partitions is refused rather than mixed
with, or emptied of, files this run did not write.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, get_args

Format = Literal["jsonl", "jsonl.gz", "parquet"]
FORMATS: Final[tuple[Format, ...]] = get_args(Format)
# Longest first, so "x.jsonl.gz" is gzip, not a file named "x.jsonl" + ".gz".
_SUFFIXES: Final[tuple[Format, ...]] = ("jsonl.gz", "parquet", "jsonl")
DIRECTORY_FORMAT: Final[Format] = "parquet"
TRAVELERS_PER_PARTITION: Final = 1_000_000
MAX_PARTITIONS: Final = 100_000
LABELS_NAME: Final = "labels.jsonl"


class OutputError(Exception):
    """The output path cannot be used as asked; the message says why and what to do."""


def format_of(name: str) -> Format | None:
    for fmt in _SUFFIXES:
        if name.endswith(f".{fmt}"):
            return fmt
    return None


def _stem(name: str) -> str:
    fmt = format_of(name)
    return name.removesuffix(f".{fmt}") if fmt else name


@dataclass(frozen=True)
class Layout:
    """The records file, or the directory of partitions, of one population."""

    root: Path
    fmt: Format
    partitions: int | None = None  # None: one file at ``root``

    @property
    def is_directory(self) -> bool:
        return self.partitions is not None

    @property
    def labels(self) -> Path:
        if self.is_directory:
            return self.root / LABELS_NAME
        return self.root.with_name(f"{_stem(self.root.name)}.labels.jsonl")

    def part(self, index: int) -> Path:
        """Partition ``index`` (the file itself when there is no directory)."""
        if not self.is_directory:
            return self.root
        return self.root / f"part-{index:05d}.{self.fmt}"

    def files(self) -> list[Path]:
        return [self.part(i) for i in range(self.partitions or 1)]


def layout_for(
    out: Path | str, travelers: int, *, fmt: Format | None = None, partitions: int | None = None
) -> Layout:
    """The layout ``out`` asks for; OutputError when it is contradictory or taken."""
    text = os.fspath(out)
    path = Path(text)
    if fmt is not None and fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if partitions is not None and not 1 <= partitions <= MAX_PARTITIONS:
        raise OutputError(f"partitions must be between 1 and {MAX_PARTITIONS}")
    named = format_of(path.name)
    if text.endswith(("/", os.sep)) or path.is_dir() or partitions is not None:
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path} is a file; partitions need a directory")
        if fmt is not None and named is not None and fmt != named:
            raise OutputError(f"{path} names format {named} but {fmt} was asked for")
        count = partitions or max(1, math.ceil(travelers / TRAVELERS_PER_PARTITION))
        layout = Layout(path, fmt or named or DIRECTORY_FORMAT, count)
        _refuse_old_partitions(layout)
        return layout
    if named is None and fmt is None:
        raise OutputError(
            f"cannot tell the format of {path}: name it *.jsonl, *.jsonl.gz or *.parquet, "
            "end it with / for a directory of partitions, or give a format"
        )
    if fmt is not None and named is not None and fmt != named:
        raise OutputError(f"{path} names format {named} but {fmt} was asked for")
    chosen = fmt or named
    assert chosen is not None  # one of the two is set (checked above)
    return Layout(path, chosen)


def _refuse_old_partitions(layout: Layout) -> None:
    if not layout.root.is_dir():
        return
    old = sorted(p.name for p in layout.root.glob("part-*"))
    if old:
        raise OutputError(
            f"{layout.root} already holds partitions ({old[0]}, ...); "
            "remove them or choose another directory"
        )
