"""`--workers 2`: one port, one metrics endpoint, exact counts, restart of a dead worker."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from collections.abc import Iterator

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, manifest, ordinary_adult
from tests.processes import descendants, wait_gone
from tests.server.test_engine_isolation import engine_workers
from tests.serving import ServeProcess


def metric(served: ServeProcess, name: str) -> float:
    with urllib.request.urlopen(f"http://{served.metrics}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"{name} not exported")


@pytest.fixture
def served() -> Iterator[ServeProcess]:
    process = ServeProcess(BUNDLED_RULES, "--workers", "2")
    yield process
    process.kill()


def test_counters_on_metrics_equal_the_calls_made_across_both_workers(served: ServeProcess) -> None:
    screens = 40
    for n in range(screens):
        with grpc.insecure_channel(served.address) as channel:  # new connection each time
            stub = pb_grpc.ScreeningServiceStub(channel)
            traveler = lone_minor_cash_last_minute() if n % 4 == 0 else ordinary_adult()
            stub.Screen(pb.ScreenRequest(traveler=traveler), timeout=10)
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        flight = manifest([ordinary_adult(f"T-{i}") for i in range(25)])
        stub.ScreenManifest(pb.ScreenManifestRequest(manifest=flight), timeout=10)

    assert metric(served, "screening_travelers_screened_total") == screens + 25
    assert metric(served, 'screening_decisions_total{referral="priority_interview"}') == 10
    assert metric(served, 'screening_decisions_total{referral="none"}') == 30 + 25
    code, logs = served.stop()
    assert code == 0
    served_by = {line.get("worker") for line in logs if line.get("event") == "rpc"}
    assert served_by == {0, 1}


def test_a_dead_server_worker_is_restarted(served: ServeProcess) -> None:
    workers = engine_workers(served.process.pid, count=2)
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(line.get("event") == "server worker exited, restarting" for line in served.logs()):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the supervisor did not restart the worker")
    deadline = time.monotonic() + 30
    while len(engine_workers(served.process.pid, count=2, timeout=1)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    for _ in range(10):
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            decision = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10).decision
            assert decision.referral == pb.REFERRAL_NONE


def test_sigkill_of_the_supervisor_takes_every_worker_with_it(served: ServeProcess) -> None:
    """Server workers and their engine workers die with the supervisor, within 5 s."""
    deadline = time.monotonic() + 30
    family = descendants(served.process.pid)
    while len(family) < 6 and time.monotonic() < deadline:  # 2 server workers, 2 engines each
        time.sleep(0.1)
        family = descendants(served.process.pid)
    assert 6 == len([p for p in family if p.alive])
    os.kill(served.process.pid, signal.SIGKILL)
    left = wait_gone([p.pid for p in family], 5)
    assert [] == [p.command() for p in left]
    with grpc.insecure_channel(served.address) as channel, pytest.raises(grpc.RpcError) as caught:
        pb_grpc.ScreeningServiceStub(channel).Screen(
            pb.ScreenRequest(traveler=ordinary_adult()), timeout=2
        )
    assert grpc.StatusCode.UNAVAILABLE == caught.value.code()
