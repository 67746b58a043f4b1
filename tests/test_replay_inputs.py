"""Replay's input: every format yields the same records, and the fast decoder the same
verdicts as protobuf's JSON parser, whatever the line."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from screening_service.cli import main
from screening_service.pipeline import json_requests as js
from screening_service.pipeline.screen import Request, validate
from screening_service.pipeline.validate import Invalid, Validated
from screening_service.proto import pb
from screening_service.replay.inputs import (
    InputError,
    Span,
    parse_line,
    partitions,
    records,
    sources,
)


def _protobuf(line: bytes) -> Request | str:
    """The reference: protobuf's own JSON parser, as replay used it before."""
    try:
        data = json.loads(line)
        if isinstance(data, dict) and "manifest" in data:
            return pb.ScreenManifestRequest(
                manifest=json_format.ParseDict(data["manifest"], pb.Manifest())
            )
        body = data.get("traveler", data) if isinstance(data, dict) else data
        return pb.ScreenRequest(traveler=json_format.ParseDict(body, pb.Traveler()))
    except (ValueError, TypeError, AttributeError, json_format.ParseError) as error:
        return f"not a record: {type(error).__name__}"


def _verdict(parsed: Request | str) -> Validated | str:
    if isinstance(parsed, str):
        return "not a record"
    return validate(parsed, live=False)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    out = tmp_path_factory.mktemp("inputs") / "population.jsonl"
    argv = ["synth", "--population", "evaluation", "--travelers", "3000", "--seed", "3"]
    assert main([*argv, str(out)]) == 0
    lone = tmp_path_factory.mktemp("inputs") / "lone.jsonl"
    assert main(["synth", "--travelers", "300", "--travelers-only", str(lone)]) == 0
    return out.read_bytes().splitlines() + lone.read_bytes().splitlines()


def test_canonical_lines_decode_fast_into_what_protobuf_gives(population: list[bytes]) -> None:
    for line in population:
        fast = js.decode_line(line)
        reference = _protobuf(line)
        assert not isinstance(reference, str)
        assert validate(fast, live=False) == validate(reference, live=False)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _mutations() -> st.SearchStrategy[tuple[str, int, Any]]:
    kinds = st.sampled_from(
        [
            "drop",
            "camel",
            "enum_number",
            "enum_unknown",
            "naive_time",
            "unknown_field",
            "wrong_type",
            "null",
            "string_number",
        ]
    )
    return st.tuples(kinds, st.integers(0, 10_000), st.integers(0, 10_000))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*prefix, i))
    return found


def _mutate(data: dict[str, Any], kind: str, pick: int, value: int) -> None:
    paths = [p for p in _paths(data) if isinstance(p[-1], str)]
    if not paths:
        return
    path = paths[pick % len(paths)]
    parent: Any = data
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    current = parent[key]
    if kind == "drop":
        del parent[key]
    elif kind == "camel":
        parent[_camel(key)] = parent.pop(key)
    elif kind == "enum_number" and isinstance(current, str) and current.isupper():
        parent[key] = value % 12
    elif kind == "enum_unknown" and isinstance(current, str) and current.isupper():
        parent[key] = current + "_NOT_A_VALUE"
    elif kind == "naive_time" and isinstance(current, str) and current.endswith("Z"):
        parent[key] = current[:-1]
    elif kind == "unknown_field":
        parent["not_a_field"] = value
    elif kind == "wrong_type":
        parent[key] = [value] if not isinstance(current, list) else value
    elif kind == "null":
        parent[key] = None
    elif kind == "string_number" and isinstance(current, int) and not isinstance(current, bool):
        parent[key] = str(current)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 304), st.lists(_mutations(), min_size=1, max_size=3))
def test_any_line_gets_the_verdict_protobuf_gives_it(
    population: list[bytes], pick: int, mutations: list[tuple[str, int, Any]]
) -> None:
    line = (population[-300:] + population[:5])[pick]
    body = copy.deepcopy(json.loads(line))
    for kind, where, value in mutations:
        _mutate(body, kind, where, value)
    mutated = json.dumps(body).encode()
    fast, reference = _verdict(parse_line(mutated)), _verdict(_protobuf(mutated))
    if isinstance(reference, Invalid) and isinstance(fast, Invalid):
        assert {v.field for v in fast.violations} == {v.field for v in reference.violations}
    else:
        assert fast == reference


def _parquet(lines: list[bytes], path: Path, rows_per_group: int) -> None:
    rows = [json.loads(line) for line in lines]  # one schema inferred from every row
    pq.write_table(pa.Table.from_struct_array(pa.array(rows)), path, row_group_size=rows_per_group)


def _decoded(
    path: Path, size: int = 50_000, *, shared_disk: bool = False
) -> list[tuple[int, Validated | str]]:
    return [
        (number, _verdict(request))
        for partition in partitions(sources(path), None, size, shared_disk=shared_disk)
        for number, request in records(partition)
    ]


def test_every_format_yields_the_same_numbered_records(
    population: list[bytes], tmp_path: Path
) -> None:
    lines = population[:40]
    plain = tmp_path / "one.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    expected = _decoded(plain, size=1 << 30)
    assert [n for n, _ in expected] == list(range(1, 41))
    assert all(not isinstance(v, str | Invalid) for _, v in expected)

    assert _decoded(plain, size=1000) == expected  # partitions cut between lines only
    spans = list(partitions(sources(plain), None, 1000, shared_disk=True))
    assert all(isinstance(p, Span) for p in spans)
    assert len(spans) > 1
    assert _decoded(plain, size=1000, shared_disk=True) == expected
    packed = tmp_path / "one.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert _decoded(packed) == expected
    columns = tmp_path / "one.parquet"
    _parquet(lines, columns, rows_per_group=7)
    assert _decoded(columns) == expected

    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-0.jsonl").write_bytes(b"\n".join(lines[:15]) + b"\n")
    _parquet(lines[15:], parts / "part-1.parquet", rows_per_group=10)
    (parts / "labels.jsonl").write_text('{"traveler_id": "x"}\n')
    assert [s.path.name for s in sources(parts)] == ["part-0.jsonl", "part-1.parquet"]
    renumbered = [(n, v) for n, v in _decoded(parts)]
    assert [v for _, v in renumbered] == [v for _, v in expected]
    assert [n for n, _ in renumbered] == list(range(1, 16)) + list(range(1, 26))


def test_blank_and_broken_lines_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'\n{"traveler": {"traveler_id": "T-1"}}\nnot json\n\n{"manifest": 3}\n')
    found = [
        (n, r if isinstance(r, str) else type(r).__name__)
        for p in partitions(sources(path), None)
        for n, r in records(p)
    ]
    assert found == [
        (2, "ScreenRequest"),
        (3, "not a record: JSONDecodeError"),
        (5, "not a record: TypeError"),
    ]


def test_a_file_cut_short_after_partitioning_is_named(tmp_path: Path) -> None:
    path = tmp_path / "shrinking.jsonl"
    path.write_bytes(b'{"traveler": {"traveler_id": "T-1"}}\n' * 200)
    *_, last = partitions(sources(path), None, 1000, shared_disk=True)
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(InputError, match=r"^shrinking\.jsonl: shorter than when"):
        list(records(last))
    path.unlink()
    with pytest.raises(InputError, match=r"^shrinking\.jsonl: unreadable"):
        list(records(last))


def test_unreadable_inputs_are_named_not_quoted(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    whole = gzip.compress(
        b"".join(b'{"traveler": {"traveler_id": "T-%d"}}\n' % i for i in range(9999))
    )
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"broken\.jsonl\.gz: unreadable"):
        list(partitions(sources(broken), None))
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"fake\.parquet: not a readable Parquet file"):
        list(partitions(sources(fake), None))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no records files"):
        sources(empty)


def test_the_command_line_says_what_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    assert main(["replay", "--rules", "rules", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "no records files" in err
    assert "Traceback" not in err
