"""`screening serve` as an operator runs it: a real process, real ports, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, ordinary_adult


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_serving(address: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            assert process.poll() is None, "server exited during start-up"
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise AssertionError("server did not report SERVING in time")


class ServeProcess:
    def __init__(self, rules: Path) -> None:
        self.address = f"127.0.0.1:{free_port()}"
        self.metrics = f"127.0.0.1:{free_port()}"
        env = {**os.environ, "SCREENING_METRICS_ADDRESS": self.metrics}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "screening_service",
                "serve",
                "--rules",
                str(rules),
                "--address",
                self.address,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        wait_serving(self.address, self.process)

    def stop(self) -> tuple[int, list[dict[str, object]]]:
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        return self.process.returncode, [
            json.loads(line) for line in output.splitlines() if line.startswith("{")
        ]


@pytest.fixture
def served() -> Iterator[ServeProcess]:
    running = ServeProcess(BUNDLED_RULES)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


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
    assert events[0] == "serving"
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
