"""Records as JSON lines, gzip or Parquet, in one file or partitions: the same records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from screening_service.cli import main
from screening_service.evaluation.output import write_evaluation_population
from screening_service.synthetic import generate_population, write_jsonl, write_records
from screening_service.synthetic.arrow import RECORD_SCHEMA
from screening_service.synthetic.layout import Layout, OutputError, layout_for
from screening_service.synthetic.output import CHUNK_TRAVELERS

MAX_FLIGHT = 1000


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _read(path: Path) -> list[dict[str, Any]]:
    """Every record of a file, as a reader of each format would decode it."""
    if path.name.endswith(".parquet"):
        return [_drop_none(row) for row in pq.read_table(path).to_pylist()]
    data = path.read_bytes()
    text = gzip.decompress(data) if path.suffix == ".gz" else data
    return [json.loads(line) for line in text.splitlines()]


def _read_all(layout: Layout) -> list[dict[str, Any]]:
    return [record for part in layout.files() for record in _read(part)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("reference") / "eval.jsonl"
    write_evaluation_population(out, 3_000, 4)
    return _read(out)


@pytest.mark.parametrize(
    ("name", "partitions"),
    [
        ("eval.jsonl.gz", None),
        ("eval.parquet", None),
        ("eval.jsonl", 3),
        ("eval.jsonl.gz", 3),
        ("eval.parquet", 3),
    ],
)
def test_every_format_and_layout_holds_the_same_records(
    tmp_path: Path, reference: list[dict[str, Any]], name: str, partitions: int | None
) -> None:
    out = tmp_path / name
    written = write_evaluation_population(out, 3_000, 4, partitions=partitions)
    layout = layout_for(out, 3_000, partitions=partitions) if not partitions else None
    files = sorted(out.glob("part-*")) if partitions else [out]
    assert partitions or 1 == len(files)
    records = [record for part in files for record in _read(part)]
    assert reference == records
    assert (len(reference), 3_000) == (written.records, written.travelers)
    assert layout is None or [out] == layout.files()


def test_a_parquet_row_is_the_json_line_with_nones_dropped(tmp_path: Path) -> None:
    """Optional fields (purchaser_is_traveler, checked_bags, visa_category, observations)
    are absent from some lines: Parquet gives None there, and nothing else differs."""
    write_evaluation_population(tmp_path / "t.jsonl", 4_000, 12, as_manifests=False)
    write_evaluation_population(tmp_path / "t.parquet", 4_000, 12, as_manifests=False)
    lines = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    rows = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert 4_000 == len(rows) == len(lines)
    assert lines == [_drop_none(row) for row in rows]
    booking_keys = {key for line in lines for key in line["traveler"]["booking"]}
    assert {"purchaser_is_traveler", "checked_bags", "travel_agency_id"} <= booking_keys
    assert any("checked_bags" not in line["traveler"]["booking"] for line in lines)
    assert any("observations" in line["traveler"] for line in lines)
    assert all(row["manifest"] is None for row in rows)


def test_partitions_share_one_schema_and_have_bounded_row_groups(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    write_evaluation_population(out, 30_000, 2, "parquet", as_manifests=False, partitions=2)
    for part in sorted(out.glob("part-*.parquet")):
        meta = pq.ParquetFile(part).metadata
        assert RECORD_SCHEMA.remove_metadata() == pq.read_schema(part).remove_metadata()
        rows = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert meta.num_row_groups >= 2
        assert max(rows) < CHUNK_TRAVELERS + MAX_FLIGHT


def test_partitions_hold_whole_flights_in_order(tmp_path: Path) -> None:
    single, split = tmp_path / "all.jsonl", tmp_path / "parts"
    write_evaluation_population(single, 6_000, 9, as_manifests=False)
    write_evaluation_population(split, 6_000, 9, "jsonl", as_manifests=False, partitions=4)
    parts = [_read(p) for p in sorted(split.glob("part-*.jsonl"))]
    assert 4 == len(parts)
    assert all(parts)
    flights = [{r["traveler"]["traveler_id"].split("-")[0] for r in part} for part in parts]
    for i, one in enumerate(flights):
        for other in flights[i + 1 :]:
            assert not one & other
    assert _read(single) == [record for part in parts for record in part]
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) < 2 * MAX_FLIGHT


def test_labels_sit_beside_a_file_and_inside_a_directory(tmp_path: Path) -> None:
    write_evaluation_population(tmp_path / "eval.jsonl.gz", 500, 1)
    write_evaluation_population(tmp_path / "d", 500, 1, "parquet", partitions=2)
    assert ["d", "eval.jsonl.gz", "eval.labels.jsonl"] == sorted(p.name for p in tmp_path.iterdir())
    assert ["labels.jsonl", "part-00000.parquet", "part-00001.parquet"] == sorted(
        p.name for p in (tmp_path / "d").iterdir()
    )
    lines = (tmp_path / "d/labels.jsonl").read_text(encoding="utf-8").splitlines()
    ids = {json.loads(line)["traveler_id"] for line in lines}
    assert 500 == len(ids)


def test_the_output_is_the_same_whatever_the_number_of_processes(tmp_path: Path) -> None:
    for processes in (1, 2):
        out = tmp_path / f"p{processes}"
        write_evaluation_population(out, 25_000, 6, "jsonl.gz", partitions=2, processes=processes)
        write_evaluation_population(
            tmp_path / f"p{processes}.parquet", 25_000, 6, processes=processes
        )
    for name in ("part-00000.jsonl.gz", "part-00001.jsonl.gz", "labels.jsonl"):
        assert (tmp_path / "p1" / name).read_bytes() == (tmp_path / "p2" / name).read_bytes()
    assert (tmp_path / "p1.parquet").read_bytes() == (tmp_path / "p2.parquet").read_bytes()


def test_empty_partitions_are_valid_files(tmp_path: Path) -> None:
    write_evaluation_population(tmp_path / "g", 100, 1, "jsonl.gz", partitions=3)
    write_evaluation_population(tmp_path / "q", 100, 1, "parquet", partitions=3)
    gz = [_read(p) for p in sorted((tmp_path / "g").glob("part-*"))]
    parquet = [_read(p) for p in sorted((tmp_path / "q").glob("part-*"))]
    assert [1, 0, 0] == [len(p) for p in gz] == [len(p) for p in parquet]


def test_layout_conventions() -> None:
    assert Layout(Path("a/eval.jsonl"), "jsonl") == layout_for("a/eval.jsonl", 10)
    assert Path("a/eval.labels.jsonl") == layout_for("a/eval.jsonl.gz", 10).labels
    assert Path("a/eval.labels.jsonl") == layout_for("a/eval.parquet", 10).labels
    assert Path("a/pop.labels.jsonl") == layout_for("a/pop", 10, fmt="parquet").labels
    directory = layout_for("a/out/", 2_500_000)
    assert ("parquet", 3) == (directory.fmt, directory.partitions)
    assert Path("a/out/labels.jsonl") == directory.labels
    assert Path("a/out/part-00002.parquet") == directory.part(2)
    named = layout_for("a/flights.jsonl.gz", 10, partitions=2)
    assert Path("a/flights.jsonl.gz/part-00001.jsonl.gz") == named.part(1)


def test_unusable_outputs_are_refused_before_writing(tmp_path: Path) -> None:
    (tmp_path / "file.jsonl").write_text("")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "part-00000.parquet").write_text("")
    with pytest.raises(OutputError, match="cannot tell the format"):
        layout_for(tmp_path / "eval.txt", 10)
    with pytest.raises(OutputError, match="names format jsonl but parquet"):
        layout_for(tmp_path / "eval.jsonl", 10, fmt="parquet")
    with pytest.raises(OutputError, match="is a file"):
        layout_for(tmp_path / "file.jsonl", 10, partitions=2)
    with pytest.raises(OutputError, match="already holds partitions"):
        layout_for(tmp_path / "taken", 10)


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("file.jsonl/eval.jsonl", "screening synth: cannot write: "),
        ("file.jsonl/sub/", "screening synth: cannot write: "),
        ("eval.csv", "screening synth: cannot tell the format of "),
        ("file.jsonl", "is a file; partitions need a directory"),
    ],
)
def test_synth_on_an_unusable_output_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str, message: str
) -> None:
    (tmp_path / "file.jsonl").write_text("")
    extra = ["--partitions", "2"] if out == "file.jsonl" else []
    argv = ["synth", "--population", "evaluation", "--travelers", "50", *extra]
    assert 2 == main([*argv, "--processes", "1", f"{tmp_path}/{out}"])
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error
    assert [] == sorted(p.name for p in tmp_path.iterdir() if p.name != "file.jsonl")


def test_the_scenarios_population_writes_the_same_records_to_parquet(tmp_path: Path) -> None:
    flights = list(generate_population(900, seed=41, scenario_rate=0.03))
    write_jsonl(tmp_path / "s.jsonl", flights)
    written = write_records(tmp_path / "s", flights, 900, "parquet", partitions=2)
    layout = layout_for(tmp_path / "other", 900, fmt="parquet", partitions=2)
    parts = Layout(tmp_path / "s", "parquet", 2)
    assert _read(tmp_path / "s.jsonl") == _read_all(parts)
    assert (tmp_path / "s.labels.jsonl").read_bytes() == (tmp_path / "s/labels.jsonl").read_bytes()
    assert (len(flights), 900) == (written.records, written.travelers)
    assert 2 == layout.partitions
