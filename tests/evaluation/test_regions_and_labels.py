"""UN M49 regions cover every country once; labels files round-trip and reject bad lines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pycountry
import pytest

from screening_service.evaluation.labels import Label, read_labels, write_labels
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
