"""The decision log keeps whole lines only, and says when it cannot be written."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from screening_service.observability import metrics
from screening_service.pipeline.decide import Decision
from screening_service.pipeline.screen import Context, FlightResult, screen
from screening_service.proto import pb
from screening_service.runtime.decision_log import DecisionLog, DecisionLogConfig, DecisionLogError
from screening_service.runtime.packs import build_snapshot
from tests.conftest import BUNDLED_RULES
from tests.factories import manifest, ordinary_adult


@pytest.fixture(scope="module")
def decisions() -> list[Decision]:
    snapshot = build_snapshot(BUNDLED_RULES, prove_examples=False)
    try:
        travelers = [ordinary_adult(f"T-{n:03d}") for n in range(3)]
        request = pb.ScreenManifestRequest(manifest=manifest(travelers))
        result = screen(Context(snapshot), request, live=False)
        assert isinstance(result, FlightResult)
        return result.decisions
    finally:
        snapshot.engine.close()


def lines(path: Path) -> list[dict[str, object]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_a_torn_last_line_is_cut_before_the_next_write(
    tmp_path: Path, decisions: list[Decision]
) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_text('{"decision_id":"whole"}\n{"decision_id":"tor', encoding="utf-8")
    log = DecisionLog(DecisionLogConfig(path))
    log.write(decisions[:1], "req-1")
    log.close()
    ids = [entry["decision_id"] for entry in lines(path)]
    assert ids == ["whole", decisions[0].decision_id]


def test_a_new_empty_log_is_not_reported_as_torn(tmp_path: Path, decisions: list[Decision]) -> None:
    """Regression: opening an empty file logged "ended in a torn line" at every fresh start."""
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(DecisionLogConfig(path))
    with capture_logs() as logs:
        log.write(decisions[:1], "req-1")
    log.close()
    assert [] == [e for e in logs if "torn" in str(e.get("event"))]
    assert [decisions[0].decision_id] == [entry["decision_id"] for entry in lines(path)]


def test_a_directory_at_the_path_is_reported(tmp_path: Path, decisions: list[Decision]) -> None:
    path = tmp_path / "decisions.jsonl"
    path.mkdir()
    log = DecisionLog(DecisionLogConfig(path))
    before = metrics.decision_log_failures.labels("unusable")._value.get()
    assert log.check() == "Is a directory"
    assert metrics.decision_log_writable._value.get() == 0
    assert metrics.decision_log_failures.labels("unusable")._value.get() == before + 1
    with pytest.raises(DecisionLogError):
        log.write(decisions[:1], "req-1")
    path.rmdir()
    assert log.check() is None
    assert metrics.decision_log_writable._value.get() == 1


def test_a_deleted_log_is_reopened_at_its_path(tmp_path: Path, decisions: list[Decision]) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(DecisionLogConfig(path))
    log.write(decisions[:1], "req-1")
    path.unlink()
    before = metrics.decision_log_failures.labels("deleted")._value.get()
    log.write(decisions[1:2], "req-2")
    log.close()
    assert [entry["decision_id"] for entry in lines(path)] == [decisions[1].decision_id]
    assert metrics.decision_log_failures.labels("deleted")._value.get() == before + 1


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, mounted for the test (root only; CI must be able to)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the torn-log test needs root to mount a tmpfs in CI")
        pytest.skip("needs root to mount a small tmpfs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a tmpfs: {done.stderr!r}")
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_never_tears_a_line(small_tmpfs: Path, decisions: list[Decision]) -> None:
    path = small_tmpfs / "decisions.jsonl"
    filler = small_tmpfs / "filler"
    log = DecisionLog(DecisionLogConfig(path))
    failed = 0
    with filler.open("wb") as handle:
        handle.write(b"\0" * (48 * 1024))
    written: list[str] = []
    for n in range(200):
        try:
            log.write(decisions, f"req-{n}")
        except DecisionLogError:
            failed += 1
            continue
        written += [d.decision_id for d in decisions]
    assert failed > 0, "the tmpfs never filled"
    assert [entry["decision_id"] for entry in lines(path)] == written

    filler.unlink()
    log.write(decisions[:1], "after")
    log.close()
    entries = lines(path)
    assert [entry["decision_id"] for entry in entries] == [
        *written,
        decisions[0].decision_id,
    ]
    assert entries[-1]["request_id"] == "after"
