"""UN M49 regions cover every country once; labels files round-trip and reject bad lines."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pycountry
import pytest

from screening_service.evaluation.labels import Label, LabelIndex, read_labels, write_labels
from screening_service.evaluation.outcomes import Groups
from screening_service.evaluation.regions import (
    _REGIONS,
    groups_for,
    origin_region,
    region_of,
)


def test_every_iso_country_is_in_exactly_one_region() -> None:
    listed = Counter(code for codes in _REGIONS.values() for code in codes.split())
    assert [] == [code for code, n in listed.items() if n > 1]
    assert {c.alpha_3 for c in pycountry.countries} == set(listed)


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("USA", "Northern America"),
        ("MEX", "Latin America and the Caribbean"),
        ("NGA", "Sub-Saharan Africa"),
        ("EGY", "Northern Africa"),
        ("PHL", "South-eastern Asia"),
        ("IND", "Southern Asia"),
        ("ARE", "Western Asia"),
        ("UKR", "Eastern Europe"),
        ("GBR", "Northern Europe"),
        ("DEU", "Western Europe"),
        ("ITA", "Southern Europe"),
        ("KAZ", "Central Asia"),
        ("JPN", "Eastern Asia"),
        ("NZL", "Australia and New Zealand"),
        ("FJI", "Pacific Islands"),
        ("XXA", ""),
    ],
)
def test_region_of(country: str, region: str) -> None:
    assert region == region_of(country)


def test_origin_region_and_groups() -> None:
    assert "Northern Europe" == origin_region("LHR")
    assert "" == origin_region("QQQ")
    assert Groups("PHL", "f", "12-17", "South-eastern Asia") == groups_for("PHL", "f", 15, "MNL")


def test_labels_round_trip(tmp_path: Path) -> None:
    labels = [
        Label("a", "victim", "trafficking", "child", "child_online_recruit"),
        Label("b", "lookalike", "lawful", None, "students"),
        Label("c", "background", "background", None, "couple"),
    ]
    path = tmp_path / "x.labels.jsonl"
    assert 3 == write_labels(path, labels)
    assert {label.traveler_id: label for label in labels} == read_labels(path)
    assert (
        '{"traveler_id":"b","label":"lookalike","kind":"lawful","pattern":"students"}'
        == (path.read_text().splitlines()[1])
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "x.jsonl:2: Expecting value"),
        ('{"traveler_id": "", "label": "victim", "kind": "trafficking"}', "traveler_id"),
        ('{"traveler_id": "a", "label": "boss", "kind": "trafficking"}', "label: expected"),
        ('{"traveler_id": "a", "label": "victim", "kind": "bad"}', "kind: expected"),
        ('["a"]', "expected a JSON object"),
    ],
)
def test_bad_label_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"traveler_id":"ok","label":"background","kind":"background"}\n' + line)
    with pytest.raises(ValueError, match=message):
        read_labels(path)
    with pytest.raises(ValueError, match=message.replace("Expecting value", "")):
        LabelIndex.read(path)


def test_the_label_index_finds_what_the_labels_file_holds(tmp_path: Path) -> None:
    truths: list[tuple[str, str, str | None, str | None]] = [
        ("victim", "trafficking", "labour", "guest_workers"),
        ("escort", "trafficking", "sex", None),
        ("lookalike", "lawful", None, "students"),
        ("background", "background", None, None),
    ]
    labels = [
        Label(f"T{n:06d}-{n % 7}", *truths[n % len(truths)])  # type: ignore[arg-type]
        for n in range(20_000)
    ]
    # Listed twice: the later label counts, as in read_labels.
    labels.append(Label("T000001-1", "background", "background"))
    path = tmp_path / "x.labels.jsonl"
    write_labels(path, labels)
    expected = read_labels(path)
    index = LabelIndex.read(path)
    assert len(index) == len(expected) == 20_000
    assert all(index.get(traveler_id) == label for traveler_id, label in expected.items())
    assert index.get("T000001-1") == Label("T000001-1", "background", "background")
    assert [index.get(f"T{n:06d}-{n % 7 + 1}") for n in range(2_000)] == [None] * 2_000
    assert index.get("") is None
    copy = pickle.loads(pickle.dumps(index))  # how a replay sends it to each worker
    assert copy.get("T019999-0") == expected["T019999-0"]
    assert len(pickle.dumps(index)) < 12 * len(index) + 2**17  # about nine bytes a label


def test_an_empty_label_index_knows_nobody() -> None:
    index = LabelIndex.of([])
    assert len(index) == 0
    assert index.get("T1") is None
