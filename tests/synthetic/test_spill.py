"""Chunks handed over through spill files arrive whole, and the files are removed."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest

from screening_service.evaluation.output import write_evaluation_population
from screening_service.synthetic.spill import append_to, spill, table_of


def _append(tmp_path: Path, chunks: list[bytes]) -> bytes:
    out = tmp_path / "out.jsonl"
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, b"first\n")
        for chunk in chunks:
            append_to(spill(chunk, str(tmp_path)), descriptor)
        os.write(descriptor, b"last\n")
    finally:
        os.close(descriptor)
    return out.read_bytes()


def test_spilled_bytes_are_appended_in_order_and_removed(tmp_path: Path) -> None:
    chunks = [b'{"a":1}\n' * 3, b"", b'{"b":"\xc3\xa9"}\n' * 200_000]
    assert b"first\n" + b"".join(chunks) + b"last\n" == _append(tmp_path, chunks)
    assert ["out.jsonl"] == [p.name for p in tmp_path.iterdir()]


def test_where_the_kernel_cannot_copy_the_bytes_go_through_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> int:
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", refuse)
    chunks = [b"x" * 3_000_000, b"yz\n"]
    assert b"first\n" + b"".join(chunks) + b"last\n" == _append(tmp_path, chunks)


def test_a_spilled_table_comes_back_equal_and_its_file_is_removed(tmp_path: Path) -> None:
    table = pa.table({"id": ["E1-0001", None], "bags": pa.array([1, None], pa.int32())})
    spilled = spill(table, str(tmp_path))
    assert spilled.arrow
    back = table_of(spilled)
    assert [] == list(tmp_path.iterdir())
    assert table.equals(back)
    assert [{"id": "E1-0001", "bags": 1}, {"id": None, "bags": None}] == back.to_pylist()


def test_a_run_on_several_processes_leaves_no_spill_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    written = write_evaluation_population(tmp_path / "out.jsonl", 3_000, 2, processes=2)
    assert 3_000 == written.travelers
    assert [] == list(scratch.iterdir())
