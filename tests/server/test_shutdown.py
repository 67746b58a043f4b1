"""SIGTERM under load: NOT_SERVING first, every call in flight finishes, exit 0."""

from __future__ import annotations

import signal
import threading
import time
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import manifest, ordinary_adult
from tests.serving import ServeProcess


def in_flight(served: ServeProcess) -> float:
    with urllib.request.urlopen(f"http://{served.metrics}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith('screening_rpc_in_flight{method="ScreenManifest"}'):
                return float(line.split()[1])
    return 0.0


def test_sigterm_under_load_fails_no_call_in_flight() -> None:
    served = ServeProcess(BUNDLED_RULES, "--shutdown-delay", "1.5")
    request = pb.ScreenManifestRequest(
        manifest=manifest([ordinary_adult(f"T-{i}") for i in range(1000)])
    )
    results: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            try:
                response = stub.ScreenManifest(request, timeout=60)
                outcome = f"OK {len(response.decisions)}"
            except grpc.RpcError as error:
                outcome = error.code().name
        with lock:
            results.append(outcome)

    try:
        with grpc.insecure_channel(served.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            callers = [threading.Thread(target=call) for _ in range(6)]
            for caller in callers:
                caller.start()
            deadline = time.monotonic() + 30
            while in_flight(served) < 2:
                assert time.monotonic() < deadline, "calls never got in flight"
                time.sleep(0.01)
            served.process.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
            assert status == health_pb2.HealthCheckResponse.NOT_SERVING
            for caller in callers:
                caller.join(timeout=60)
        code = served.process.wait(timeout=60)
    finally:
        served.kill()
    assert results == ["OK 1000"] * 6
    assert code == 0
