"""The scenario population on several processes: the files one process writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening_service.synthetic import generate_population, write_records
from screening_service.synthetic.layout import Format
from screening_service.synthetic.parallel import write_population


def _files(root: Path) -> dict[str, bytes]:
    if root.is_dir():
        return {p.name: p.read_bytes() for p in sorted(root.iterdir())}
    labels = root.with_name(root.name.split(".")[0] + ".labels.jsonl")
    return {root.name: root.read_bytes(), labels.name: labels.read_bytes()}


@pytest.mark.parametrize(
    ("name", "fmt", "partitions", "as_manifests"),
    [
        ("one.jsonl", None, None, True),
        ("parts", "jsonl.gz", 3, True),
        ("parts", "parquet", 2, False),
    ],
)
def test_the_files_are_write_records_files(
    tmp_path: Path, name: str, fmt: Format | None, partitions: int | None, as_manifests: bool
) -> None:
    expected, actual = tmp_path / "expected", tmp_path / "actual"
    expected.mkdir()
    actual.mkdir()
    flights = generate_population(4_000, 11, 0.01)
    old = write_records(
        expected / name, flights, 4_000, fmt, as_manifests=as_manifests, partitions=partitions
    )
    new = write_population(
        actual / name,
        4_000,
        11,
        0.01,
        fmt,
        as_manifests=as_manifests,
        partitions=partitions,
        processes=2,
    )
    assert old == new
    assert 4_000 == new.travelers
    assert _files(expected / name) == _files(actual / name)


def test_bad_arguments_are_refused_before_any_file_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scenario_rate"):
        write_population(tmp_path / "x.jsonl", 100, 1, 1.5)
    assert [] == list(tmp_path.iterdir())
