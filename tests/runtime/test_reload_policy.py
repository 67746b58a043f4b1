"""A reload never fails open and never raises; a failed candidate never leaks an engine."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from screening_service import authoring
from screening_service.engine.native import EngineError
from screening_service.observability import metrics
from screening_service.runtime import packs, reload
from screening_service.runtime.packs import ActivePack, build_snapshot
from screening_service.runtime.reload import PackReloader
from tests.conftest import BUNDLED_RULES


def failures() -> float:
    return float(metrics.reloads.labels("failure")._value.get())


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, target)
    return target


@pytest.fixture
def reloader(rules: Path) -> PackReloader:
    active = ActivePack()
    active.swap(build_snapshot(rules))
    return PackReloader(rules, active)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_pack_of_zero_rules_is_never_loaded(rules: Path, reloader: PackReloader) -> None:
    before = failures()
    running = reloader.active.snapshot
    for path in rules.glob("*.yaml"):
        if path.name != "pack.yaml":
            path.unlink()
    edit(rules / "pack.yaml", 'version: "2026.12.1"', 'version: "2026.12.2"')
    outcome = reloader.reload("test")
    assert outcome.applied is False
    assert outcome.errors == (
        "the pack has no rules; an empty pack would refer nobody and is never loaded",
    )
    assert reloader.active.snapshot is running
    assert failures() == before + 1


def test_rules_check_reports_an_empty_pack(rules: Path) -> None:
    for path in rules.glob("*.yaml"):
        if path.name != "pack.yaml":
            path.unlink()
    out = io.StringIO()
    assert authoring.check(rules, out) == 1
    assert out.getvalue().endswith("1 error(s)\n")
    assert "the pack has no rules" in out.getvalue()


def test_dropping_a_rule_needs_a_new_version(rules: Path, reloader: PackReloader) -> None:
    running = reloader.active.snapshot
    assert running is not None
    (rules / "minors.yaml").unlink()
    outcome = reloader.reload("test")
    assert outcome.applied is False
    assert outcome.errors == (
        "4 enforced rule(s) removed or set to shadow without a new version (still 2026.12.1): "
        "minor-alone-one-way-no-bags-or-short-notice, minor-shares-contact-with-unrelated-adult, "
        "minor-third-party-cash-last-minute, minor-without-parent-or-guardian",
    )
    assert reloader.active.snapshot is running

    edit(rules / "pack.yaml", 'version: "2026.12.1"', 'version: "2026.11.2"')
    outcome = reloader.reload("test")
    assert outcome.applied is True
    assert outcome.snapshot is not None
    assert outcome.snapshot.version == "2026.11.2"


def test_raising_a_threshold_or_dropping_a_typology_needs_a_new_version(
    rules: Path, reloader: PackReloader
) -> None:
    edit(rules / "pack.yaml", "interview: 50\n", "interview: 60\n")
    outcome = reloader.reload("test")
    assert outcome.errors == (
        "threshold interview raised from 50 to 60 without a new version (still 2026.12.1)",
    )
    # Lowering a threshold refers more travelers, never fewer: allowed.
    edit(rules / "pack.yaml", "interview: 60\n", "interview: 40\n")
    assert reloader.reload("test").applied is True


def test_any_loader_exception_is_a_counted_rejection(
    reloader: PackReloader, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deep(_directory: Path) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(reload, "compile_directory", deep)
    running = reloader.active.snapshot
    before = failures()
    edit(rules / "pack.yaml", "Default", "Changed")
    with capture_logs() as logs:
        outcome = reloader.reload("test")
    assert outcome.errors == (
        "the pack could not be loaded: RecursionError: maximum recursion depth exceeded",
    )
    assert reloader.active.snapshot is running
    assert failures() == before + 1
    assert [e["event"] for e in logs] == ["rule pack rejected"]


def test_a_proof_that_fails_closes_the_candidate_engine(
    reloader: PackReloader, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[bool] = []
    real_build = packs.build_engine

    def tracking_build(*args: object, **kwargs: object) -> object:
        engine = real_build(*args, **kwargs)  # type: ignore[arg-type]
        real_close = engine.close

        def close() -> None:
            closed.append(True)
            real_close()

        engine.close = close  # type: ignore[method-assign]
        return engine

    def over_budget(*_args: object) -> None:
        raise EngineError("the proof exceeded its budget")

    monkeypatch.setattr(packs, "build_engine", tracking_build)
    monkeypatch.setattr(packs, "prove", over_budget)
    edit(rules / "pack.yaml", "Default", "Changed")
    outcome = reloader.reload("rpc")
    assert outcome.errors == (
        "the pack could not be loaded: EngineError: the proof exceeded its budget",
    )
    assert closed == [True]


def test_a_huge_error_message_is_cut(
    reloader: PackReloader, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def noisy(_directory: Path) -> None:
        raise ValueError("x" * 1_000_000)

    monkeypatch.setattr(reload, "compile_directory", noisy)
    edit(rules / "pack.yaml", "Default", "Changed")
    (error,) = reloader.reload("test").errors
    assert len(error) < 600
    assert error.endswith("... (999500 more characters)")
