"""`screening serve` as an operator runs it: a real process, real ports, SIGTERM."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, ordinary_adult
from tests.serving import ServeProcess, free_port, wait_serving

# Re-exported for tests that started from this module.
__all__ = ["ServeProcess", "free_port", "wait_serving"]


@pytest.fixture
def served() -> Iterator[ServeProcess]:
    running = ServeProcess(BUNDLED_RULES)
    yield running
    running.kill()


def test_serve_screens_counts_and_stops_cleanly_on_sigterm(served: ServeProcess) -> None:
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        referred = stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute())).decision
        cleared = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult())).decision
    assert referred.referral == pb.REFERRAL_PRIORITY_INTERVIEW
    assert cleared.referral == pb.REFERRAL_NONE

    with urllib.request.urlopen(f"http://{served.metrics}/metrics", timeout=10) as response:
        text = response.read().decode()
    assert "screening_travelers_screened_total 2.0" in text
    assert 'screening_decisions_total{referral="none"} 1.0' in text
    assert 'screening_decisions_total{referral="priority_interview"} 1.0' in text
    assert 'screening_ruleset_info{hash="' in text

    code, logs = served.stop()
    assert code == 0
    events = [entry["event"] for entry in logs]
    assert events[:2] == ["rule pack loaded", "serving"]
    assert events[-2:] == ["stopping", "stopped"]
    rpc_logs = [entry for entry in logs if entry["event"] == "rpc"]
    assert {entry["method"] for entry in rpc_logs} == {"Screen"}
    assert {referred.decision_id, cleared.decision_id} == {
        entry["decision_ids"][0]  # type: ignore[index]
        for entry in rpc_logs
    }


def test_serve_refuses_to_start_on_a_broken_pack(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("pack: {name: x}\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "screening_service",
            "serve",
            "--rules",
            str(tmp_path),
            "--address",
            f"127.0.0.1:{free_port()}",
            "--metrics-address",
            f"127.0.0.1:{free_port()}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "rule pack rejected" in result.stdout
