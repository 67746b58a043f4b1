"""`screening serve` as an operator runs it: a real process, real ports, SIGTERM."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
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
    assert events[:3] == ["rule pack loaded", "metrics port bound", "serving"]
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


def serve(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "screening_service", "serve", "--rules", str(BUNDLED_RULES)]
    with tempfile.TemporaryDirectory() as data:
        return subprocess.run(
            [*command, "--no-watch", "--data-dir", data, *arguments],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )


@pytest.fixture
def taken() -> Iterator[str]:
    """A loopback address another process is listening on (no SO_REUSEPORT)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def test_a_taken_grpc_address_exits_2_with_one_line(taken: str) -> None:
    result = serve("--address", taken, "--metrics-address", "127.0.0.1:0")
    assert 2 == result.returncode
    assert "Traceback" not in result.stdout + result.stderr
    errors = [json.loads(line) for line in result.stdout.splitlines() if '"error"' in line]
    assert 1 == len(errors)
    assert "not starting" == errors[0]["event"]
    assert errors[0]["reason"].startswith(f"cannot bind gRPC address {taken}")


def test_workers_that_cannot_bind_stop_the_supervisor_with_2(taken: str) -> None:
    result = serve("--workers", "2", "--address", taken, "--metrics-address", "127.0.0.1:0")
    assert 2 == result.returncode
    assert "Traceback" not in result.stdout + result.stderr
    assert "server worker exited, restarting" not in result.stdout


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_public_metrics_address_is_refused_without_the_flag(workers: str) -> None:
    result = serve("--workers", workers, "--metrics-address", "0.0.0.0:0")
    assert 2 == result.returncode
    assert "refusing to serve metrics on 0.0.0.0:0" in result.stdout + result.stderr
    assert "--allow-public-metrics" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_public_metrics_address_is_served_with_the_flag() -> None:
    served = ServeProcess(BUNDLED_RULES, "--metrics-address", "0.0.0.0:0", "--allow-public-metrics")
    try:
        with urllib.request.urlopen(f"http://{served.metrics}/metrics", timeout=10) as response:
            assert b"screening_ruleset_info" in response.read()
    finally:
        served.kill()
