"""The evaluation population on disk: the same travelers and labels as before the rewrite.

The expected hashes and counts were taken from the files written by the
protobuf-based generator this package used before records were built as
dicts (commit 4e1ce16, `screening synth --population evaluation`): the
rewrite changed how records are built and written, not one traveler, label
or draw, and another evaluation already runs on that population.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from screening_service.evaluation.labels import Label, label_bytes, label_line
from screening_service.evaluation.output import write_evaluation_population


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifests_and_labels_are_byte_for_byte_the_earlier_population(tmp_path: Path) -> None:
    out = tmp_path / "eval.jsonl"
    written = write_evaluation_population(out, 20_000, 1)
    assert (94, 20_000, 20_000) == (written.records, written.travelers, written.labelled)
    assert "404a24abff9d174161592baab09280e92e993e36083d38ba8b985d0ca82347cb" == _sha256(out)
    assert "d688fd9e70d0b4e641f723c1225e683e0c04e92aad3ad6ef8dc82a3c72c23744" == _sha256(
        tmp_path / "eval.labels.jsonl"
    )


def test_travelers_only_is_byte_for_byte_the_earlier_population(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    written = write_evaluation_population(out, 5_000, 3, as_manifests=False, processes=2)
    assert (5_000, 5_000) == (written.records, written.travelers)
    assert "e70da9c792ee119505d4888847dcaecafa0ccb7d43f25f90f9c39fe319a4d4e0" == _sha256(out)
    assert "d02aaaac6f70ef87ad7244e7198d7aa30e8629d65ddae990976f3af92e6d6bb4" == _sha256(
        tmp_path / "t.labels.jsonl"
    )


def test_label_counts_by_part_and_typology_are_the_earlier_ones(tmp_path: Path) -> None:
    out = tmp_path / "eval.parquet"
    write_evaluation_population(out, 20_000, 1)
    lines = (tmp_path / "eval.labels.jsonl").read_text(encoding="utf-8").splitlines()
    counts = Counter(
        (label["label"], label.get("typology") or label["kind"]) for label in map(json.loads, lines)
    )
    expected = {
        ("background", "background"): 19_036,
        ("lookalike", "lawful"): 849,
        ("victim", "labour"): 36,
        ("victim", "sex"): 22,
        ("victim", "child"): 22,
        ("victim", "domestic_servitude"): 13,
        ("escort", "labour"): 2,
        ("escort", "sex"): 4,
        ("escort", "child"): 4,
        ("escort", "domestic_servitude"): 12,
    }
    assert expected == dict(counts)


def test_label_bytes_are_the_label_line() -> None:
    victim = Label("E000001-0001", "victim", "trafficking", "child", "child_online_recruit")
    expected = (
        b'{"traveler_id":"E000001-0001","label":"victim","kind":"trafficking",'
        b'"typology":"child","pattern":"child_online_recruit"}\n'
    )
    assert expected == label_bytes(victim.traveler_id, victim.truth)
    for label in (
        victim,
        Label("E000002-0010", "background", "background", None, "solo_leisure"),
        Label("E000003-0100", "lookalike", "lawful", None, None),
    ):
        assert label_line(label).encode() == label_bytes(label.traveler_id, label.truth)
