"""The HTML report: self-contained, escaped, and it renders in a real headless Chromium."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from screening_service.cli import main
from screening_service.evaluation.html import render_html
from screening_service.evaluation.labels import Label
from screening_service.evaluation.metrics import (
    EvaluationReport,
    Groups,
    PackOutcome,
    PackSpec,
    RuleSpec,
    TravelerOutcome,
    evaluate,
)
from screening_service.evaluation.output import write_evaluation_population
from tests.conftest import BUNDLED_RULES
from tests.evaluation.test_merge_and_disparity import BASE, PACK, POPULATION, random_outcomes

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = (
    "summary",
    "typologies",
    "precision-recall",
    "rules",
    "histogram",
    "workload",
    "disparity",
    "changed",
)
TIMEOUT = 90


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    outcomes = [*random_outcomes(300, seed=4), *POPULATION]
    report = evaluate(outcomes, PACK, BASE, min_group_size=50)
    assert report.flagged, "the disparity section has a flagged group"
    assert report.changed, "the changed section has travelers"
    return report


def test_page_is_self_contained(report: EvaluationReport) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert [] == re.findall(
        r"<script|<link(?![^>]*href=\"data:)|@import|url\(|src=|https?://", page
    )
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert page.count("<svg") >= 5


def test_text_is_escaped() -> None:
    pack = PackSpec("<b>v</b>", (RuleSpec("<script>x</script>", "t", 60),), 50, 100)
    label = Label("x", "background", "background", None, "<i>p</i>")
    outcome = TravelerOutcome(
        "<t>", "<f>", label, Groups("<n>"), PackOutcome("interview", 60, ("<script>x</script>",))
    )
    page = render_html(evaluate([outcome], pack))
    for raw in ("<script>", "<b>v</b>", "<i>p</i>"):
        assert raw not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def _chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: run deploy/chromium/install.sh")
    pytest.skip(f"{CHROMIUM} is missing (deploy/chromium/install.sh installs it)")


def _run(chromium: Path, home: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Chromium in its own process group, killed as a group on every path.

    Its crash handler starts in a session of its own (out of the group's
    reach) with its database under $HOME, so HOME is a directory of this test:
    every process of the run names it and `_reap` can find and kill them.
    """
    home.mkdir()
    profile = home / "profile"
    command = [
        str(chromium), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--disable-crash-reporter", "--disable-breakpad",
        "--enable-logging=stderr", "--v=0", *args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")},
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _reap(home)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def survivors(home: Path) -> list[int]:
    """Live processes whose command line names this test's directory (zombies have none)."""
    marker = str(home).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _reap(home: Path) -> None:
    """Kill, by pid, anything of ours that left the process group, and wait for it to go."""
    deadline = time.monotonic() + 10
    while (left := survivors(home)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def _console_errors(log: str) -> list[str]:
    bad = ("Uncaught", "ERROR:CONSOLE", "CONSOLE(", "Failed to load resource", "net::ERR_")
    return [line for line in log.splitlines() if any(b in line for b in bad)]


def test_chromium_renders_the_report_without_console_errors(
    report: EvaluationReport, tmp_path: Path
) -> None:
    chromium = _chromium()
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    shot = tmp_path / "report.png"

    painted = _run(
        chromium,
        tmp_path / "shot",
        [f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
    )
    assert 0 == painted.returncode, painted.stderr[-2000:]
    assert shot.exists()
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (1280, 2000) == (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    # A blank page compresses to a few kilobytes; tables and charts do not.
    assert len(png) > 40_000
    assert [] == _console_errors(painted.stderr)

    dumped = _run(chromium, tmp_path / "dom", ["--dump-dom", page.as_uri()])
    assert 0 == dumped.returncode, dumped.stderr[-2000:]
    for section in SECTIONS:
        assert f'<section id="{section}">' in dumped.stdout
    assert "OVER LIMIT" in dumped.stdout
    assert [] == _console_errors(dumped.stderr)
    assert [] == survivors(tmp_path / "shot") + survivors(tmp_path / "dom")


def test_chromium_renders_the_page_screening_replay_writes(tmp_path: Path) -> None:
    """The page `screening replay --html` writes, from a labelled population, in Chromium."""
    chromium = _chromium()
    records = tmp_path / "evaluation.jsonl"
    write_evaluation_population(records, 2000, 9)
    page = tmp_path / "replay.html"
    code = main(["replay", "--rules", str(BUNDLED_RULES), "--processes", "1",
                 "--html", str(page), str(records)])  # fmt: skip
    assert code in (0, 1)  # 1: a group over the disparity limit, still reported
    shot = tmp_path / "replay.png"
    painted = _run(
        chromium,
        tmp_path / "shot",
        [f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
    )
    assert 0 == painted.returncode, painted.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert [] == _console_errors(painted.stderr)
    dumped = _run(chromium, tmp_path / "dom", ["--dump-dom", page.as_uri()])
    for section in SECTIONS:
        assert f'<section id="{section}">' in dumped.stdout
    assert [] == _console_errors(dumped.stderr)
    assert [] == survivors(tmp_path / "shot") + survivors(tmp_path / "dom")
