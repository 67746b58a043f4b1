"""Rule files are read bounded: regular files inside the pack directory only."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from screening_service.rules import files
from screening_service.rules.errors import ErrorSink
from screening_service.rules.files import content_hash, pack_files, read_pack_files
from tests.conftest import BUNDLED_RULES


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, target)
    return target


def findings(directory: Path) -> tuple[dict[str, bytes], list[str]]:
    sink = ErrorSink()
    contents = read_pack_files(directory, sink)
    return contents, [str(e) for e in sink.errors]


def test_a_fifo_is_refused_without_blocking(pack: Path) -> None:
    os.mkfifo(pack / "queue.yaml")
    contents, errors = findings(pack)
    assert errors == ["queue.yaml: E100: cannot read file: not a regular file (a FIFO); not read"]
    assert "pack.yaml" in contents


def test_a_link_to_a_device_is_refused(pack: Path) -> None:
    (pack / "zero.yaml").symlink_to("/dev/zero")
    _contents, errors = findings(pack)
    assert errors == [
        "zero.yaml: E100: cannot read file: a link that leads outside the directory; not read"
    ]


def test_a_link_outside_the_directory_is_not_read(pack: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.yaml"
    secret.write_text("rules: [SECRET-VALUE-0001]\n")
    (pack / "borrowed.yaml").symlink_to(secret)
    contents, errors = findings(pack)
    assert "borrowed.yaml" not in contents
    assert errors == [
        "borrowed.yaml: E100: cannot read file: a link that leads outside the directory; not read"
    ]


def test_links_inside_the_directory_are_followed_like_a_configmap(tmp_path: Path) -> None:
    mount = tmp_path / "mount"
    data = mount / "..2026_01_01_00_00_00.000000001"
    shutil.copytree(BUNDLED_RULES, data)
    (mount / "..data").symlink_to(data.name)
    for name in sorted(os.listdir(data)):
        (mount / name).symlink_to(Path("..data") / name)
    contents, errors = findings(mount)
    expected, _ = findings(BUNDLED_RULES)
    assert errors == []
    assert content_hash(contents) == content_hash(expected)


def test_a_file_over_the_size_cap_is_refused_unread(pack: Path) -> None:
    with (pack / "huge.yaml").open("wb") as handle:
        handle.truncate(files.MAX_FILE_BYTES + 1)
    _contents, errors = findings(pack)
    assert errors == ["huge.yaml: E100: cannot read file: larger than 1048576 bytes"]


def test_the_total_size_is_capped(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = sum(len(data) for data in findings(BUNDLED_RULES)[0].values())
    cap = bundled + 2000
    monkeypatch.setattr(files, "LIMITS", type(files.LIMITS)(1 << 20, cap, 1000))
    (pack / "zz-a.yaml").write_bytes(b"#" * 1500)
    (pack / "zz-b.yaml").write_bytes(b"#" * 1500)
    contents, errors = findings(pack)
    assert "zz-a.yaml" in contents
    assert errors == [
        f"zz-b.yaml: E100: cannot read file: takes the files together past {cap} bytes"
    ]


def test_the_number_of_files_is_capped(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "LIMITS", type(files.LIMITS)(1 << 20, 1 << 24, 3))
    contents, errors = findings(pack)
    assert contents == {}
    assert errors == [f"{pack}: E102: cannot load the pack: more than 3 files to load"]


def test_hidden_entries_and_linked_directories_are_not_walked(pack: Path) -> None:
    (pack / ".hidden").mkdir()
    (pack / ".hidden" / "x.yaml").write_text("not: read\n")
    (pack / "loop").symlink_to(pack)
    names = [p.relative_to(pack).as_posix() for p in pack_files(pack)]
    assert names == sorted(p.name for p in BUNDLED_RULES.glob("*.yaml"))
