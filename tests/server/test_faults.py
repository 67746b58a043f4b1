"""Faults under load: the caller sees a standard error or a correct decision, never a
NONE for an unscreened traveler, and the service recovers by itself."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, ordinary_adult
from tests.server.test_engine_isolation import engine_workers
from tests.server.test_reload import set_version, wait_version
from tests.serving import ServeProcess, free_port

EXPECTED = {"T-MINOR": pb.REFERRAL_PRIORITY_INTERVIEW, "T-ADULT": pb.REFERRAL_NONE}


def metric(address: str, name: str) -> float | None:
    try:
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
    except (urllib.error.URLError, OSError):
        return None
    return 0.0


def test_engine_workers_killed_every_second_under_load() -> None:
    served = ServeProcess(BUNDLED_RULES, "--engine-timeout", "1")
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            while not stop.is_set():
                traveler = rng.choice([lone_minor_cash_last_minute(), ordinary_adult()])
                try:
                    decision = stub.Screen(pb.ScreenRequest(traveler=traveler), timeout=10).decision
                    outcome = "OK"
                    if decision.referral != EXPECTED[traveler.traveler_id]:
                        wrong.append(f"{traveler.traveler_id}: {decision.referral}")
                except grpc.RpcError as error:
                    outcome = error.code().name
                with lock:
                    outcomes[outcome] += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(3)]
    kills = 0
    try:
        for thread in clients:
            thread.start()
        for _ in range(6):
            time.sleep(1.0)
            workers = engine_workers(served.process.pid, count=1)
            if workers:
                os.kill(random.choice(workers), signal.SIGKILL)
                kills += 1
        time.sleep(2.0)
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            for _ in range(20):
                assert (
                    stub.Screen(
                        pb.ScreenRequest(traveler=ordinary_adult()), timeout=10
                    ).decision.referral
                    == pb.REFERRAL_NONE
                )
    finally:
        stop.set()
        served.kill()
    assert wrong == []
    assert set(outcomes) <= {"OK", "UNAVAILABLE"}
    assert outcomes["OK"] > 100
    assert outcomes["UNAVAILABLE"] <= 2 * kills
    assert kills == 6


def test_unreadable_rules_keep_the_running_pack_and_recover(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, rules)
    served = ServeProcess(rules)
    try:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            # Root reads any file, so "unreadable" is a rule file that cannot be opened.
            (rules / "zz-unreadable.yaml").symlink_to(tmp_path / "nowhere.yaml")
            set_version(rules, "never-live")
            deadline = time.monotonic() + 20
            while (
                metric(served.metrics, 'screening_ruleset_reloads_total{result="failure"}') or 0
            ) < 1:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            decision = stub.Screen(
                pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10
            ).decision
            assert (decision.referral, decision.ruleset_version) == (
                pb.REFERRAL_PRIORITY_INTERVIEW,
                "2026.12.1",
            )

            moved = tmp_path / "rules-moved"
            rules.rename(moved)
            os.kill(served.process.pid, signal.SIGHUP)
            time.sleep(0.5)
            assert (
                stub.Screen(
                    pb.ScreenRequest(traveler=ordinary_adult()), timeout=10
                ).decision.ruleset_version
                == "2026.12.1"
            )
            moved.rename(rules)
            (rules / "zz-unreadable.yaml").unlink()
            set_version(rules, "recovered")
            os.kill(served.process.pid, signal.SIGHUP)
            wait_version(stub, "recovered")
    finally:
        served.kill()


def test_decision_log_on_a_device_withholds_decisions_then_recovers(tmp_path: Path) -> None:
    log_path = tmp_path / "decisions.jsonl"
    served = ServeProcess(BUNDLED_RULES, "--decision-log", str(log_path))
    try:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10)
            log_path.unlink()
            log_path.symlink_to("/dev/full")
            for _ in range(3):
                with pytest.raises(grpc.RpcError) as caught:
                    stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10)
                assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
                assert "could not be recorded" in (caught.value.details() or "")
            wait_health(health, health_pb2.HealthCheckResponse.NOT_SERVING)
            log_path.unlink()
            decision = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10).decision
            assert decision.referral == pb.REFERRAL_NONE
            wait_health(health, health_pb2.HealthCheckResponse.SERVING)
        assert decision.decision_id in log_path.read_text()
    finally:
        served.kill()


def wait_health(health: health_pb2_grpc.HealthStub, status: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while health.Check(health_pb2.HealthCheckRequest(), timeout=5).status != status:
        assert time.monotonic() < deadline, f"health did not become {status}"
        time.sleep(0.1)


def test_busy_metrics_port_does_not_stop_screening_and_binds_when_free() -> None:
    metrics_address = f"127.0.0.1:{free_port()}"
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", int(metrics_address.rsplit(":", 1)[1])))
    blocker.listen()
    served = ServeProcess(BUNDLED_RULES, "--metrics-address", metrics_address)
    try:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            for _ in range(5):
                stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10)
        assert metric(metrics_address, "screening_travelers_screened_total") is None
        blocker.close()
        deadline = time.monotonic() + 20
        while metric(metrics_address, "screening_travelers_screened_total") != 5.0:
            assert time.monotonic() < deadline, "metrics did not bind after the port was freed"
            time.sleep(0.5)
        assert any(
            line.get("event") == "metrics port unavailable, retrying" for line in served.logs()
        )
    finally:
        blocker.close()
        served.kill()
