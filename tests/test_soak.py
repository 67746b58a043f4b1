"""CI's 60-second soak: mixed traffic with rule reloads, zero unexpected failures."""

from __future__ import annotations

import pytest

from benchmarks.soak import soak
from tests.conftest import SUMMARY


@pytest.mark.slow
def test_sixty_second_soak_has_no_unexpected_failure() -> None:
    report = soak(seconds=60, reloads=6)
    worst = max(w["p99_ms"] for w in report["windows"])
    SUMMARY.append(
        f"soak 60 s: {report['calls']} calls, statuses {report['codes']}, "
        f"worst window p99 {worst} ms, RSS drift {report['rss_drift_percent']}%, "
        f"reloads {report['reloads_applied']}/{report['reloads_requested']}"
    )
    assert report["unexpected_failures"] == 0
    assert report["server_exit_code"] == 0
    assert report["calls"] > 1000
    assert report["reloads_applied"] == report["reloads_requested"]
    assert report["version_ok"] is True
