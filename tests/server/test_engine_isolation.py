"""A dead or hung engine worker fails one call visibly; the server keeps serving."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute
from tests.serving import ServeProcess


def engine_workers(pid: int, count: int = 2, timeout: float = 30) -> list[int]:
    """The server's engine worker processes (its children), once ``count`` are up."""
    deadline = time.monotonic() + timeout
    while True:
        children: list[int] = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
        if len(children) >= count or time.monotonic() > deadline:
            return children
        time.sleep(0.05)


def restarts(served: ServeProcess) -> float:
    with urllib.request.urlopen(f"http://{served.metrics}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("screening_engine_restarts_total "):
                return float(line.split()[1])
    return 0.0


@pytest.fixture
def served() -> Iterator[ServeProcess]:
    process = ServeProcess(BUNDLED_RULES, "--engine-timeout", "0.5")
    yield process
    process.kill()


def screen(stub: pb_grpc.ScreeningServiceStub) -> pb.Decision:
    return stub.Screen(
        pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=20
    ).decision


def test_workers_killed_during_a_call_fail_it_as_unavailable_then_serving_resumes(
    served: ServeProcess,
) -> None:
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        assert screen(stub).referral == pb.REFERRAL_PRIORITY_INTERVIEW
        workers = engine_workers(served.process.pid)
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        outcome: list[grpc.StatusCode] = []

        def call() -> None:
            try:
                screen(stub)
                outcome.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                outcome.append(error.code())

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.2)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        caller.join(timeout=30)
        assert outcome == [grpc.StatusCode.UNAVAILABLE]
        assert screen(stub).referral == pb.REFERRAL_PRIORITY_INTERVIEW
        health = stub.GetRuleset(pb.GetRulesetRequest()).ruleset.version
        assert health == "2026.12.1"
    assert restarts(served) >= 1


def test_a_hung_worker_costs_one_call_within_the_budget(served: ServeProcess) -> None:
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        screen(stub)
        for pid in engine_workers(served.process.pid):
            os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as caught:
            screen(stub)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert time.monotonic() - started < 10
        assert screen(stub).referral == pb.REFERRAL_PRIORITY_INTERVIEW
