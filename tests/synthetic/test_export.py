"""JSON lines: one request body per line, labels beside, and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screening_service.proto import pb
from screening_service.synthetic import (
    generate_population,
    labels_path,
    read_jsonl,
    read_labels,
    write_jsonl,
)


def flights() -> list[pb.Manifest]:
    return [f.manifest for f in generate_population(600, seed=41, scenario_rate=0.03)]


def test_manifests_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "flights.jsonl"
    population = list(generate_population(600, seed=41, scenario_rate=0.03))
    written = write_jsonl(path, population, as_manifests=True)

    assert [f.manifest for f in population] == list(read_jsonl(path))
    assert (len(population), 600) == (written.records, written.travelers)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert {("manifest",)} == {tuple(json.loads(line)) for line in lines}
    labels = read_labels(labels_path(path))
    assert {k: v for f in population for k, v in f.labels.items()} == labels.scenarios
    assert frozenset().union(*(f.subjects for f in population)) == labels.subjects
    assert (len(labels.scenarios), True) == (written.labelled, len(labels.subjects) > 0)


def test_travelers_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "travelers.jsonl"
    population = list(generate_population(300, seed=42, scenario_rate=0.03))
    written = write_jsonl(path, population, as_manifests=False, labels=tmp_path / "truth.jsonl")

    expected = [t for f in population for t in f.manifest.travelers]
    assert expected == list(read_jsonl(path))
    assert (300, 300) == (written.records, written.travelers)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert ["traveler"] == list(first)
    assert "traveler_id" in first["traveler"]  # proto field names, not lowerCamelCase
    assert isinstance(first["traveler"]["booking"]["booking_time"], str)  # RFC 3339
    assert (tmp_path / "truth.jsonl").exists()


def test_protobuf_json_keeps_known_false_and_zero(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    population = list(generate_population(200, seed=43, scenario_rate=0.0))
    write_jsonl(path, population, as_manifests=False)
    bodies = [json.loads(line)["traveler"] for line in path.read_text().splitlines()]
    assert any(b["booking"].get("purchaser_is_traveler") is False for b in bodies)
    assert any(b["booking"].get("checked_bags") == 0 for b in bodies)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not a JSON object"),
        ('{"traveler": {}, "manifest": {}}', "expected .*traveler.* or .*manifest"),
        ('{"passenger": {}}', "unknown record kind"),
        ('{"traveler": {"surname": ["SECRETNAME"]}}', "not a valid traveler record"),
    ],
)
def test_a_bad_line_is_named_without_its_content(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"traveler": {"traveler_id": "T-1"}}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=problem) as caught:
        list(read_jsonl(path))
    assert f"{path}:3:" in str(caught.value)
    assert "SECRETNAME" not in str(caught.value)
