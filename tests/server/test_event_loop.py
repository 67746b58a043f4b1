"""Health keeps answering within 100 ms while the largest flight allowed is screened.

The server is a real `screening serve` process, as deployed (travel history
on): an in-process server would share this test's interpreter lock and heap
with the client and the whole test session, and measure those (late in a full
run, one probe once waited 345 ms).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES, SUMMARY
from tests.factories import manifest, traveler
from tests.serving import ServeProcess


@pytest.fixture
def served() -> Iterator[ServeProcess]:
    process = ServeProcess(BUNDLED_RULES)
    try:
        yield process
    finally:
        process.kill()


def test_health_answers_within_100_ms_while_1000_travelers_with_one_purchaser_are_screened(
    served: ServeProcess,
) -> None:
    travelers = [
        traveler(
            f"T-{n:04d}",
            purchaser_is_traveler=False,
            purchaser_id="purchaser-hash-shared",
            contact_id="contact-hash-shared",
            record_locator=f"ZZ{n:04d}",
        )
        for n in range(1000)
    ]
    request = pb.ScreenManifestRequest(manifest=manifest(travelers))
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        done = threading.Event()
        answer: list[pb.ScreenManifestResponse] = []

        def screen() -> None:
            try:
                answer.append(stub.ScreenManifest(request, timeout=60))
            finally:
                done.set()

        worker = threading.Thread(target=screen)
        started = time.perf_counter()
        worker.start()
        latencies: list[float] = []
        while not done.is_set():
            probe = time.perf_counter()
            status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
            latencies.append(time.perf_counter() - probe)
            assert status == health_pb2.HealthCheckResponse.SERVING
            time.sleep(0.01)
        worker.join()
        elapsed = time.perf_counter() - started
    assert len(answer) == 1
    assert len(answer[0].decisions) == 1000
    assert len(latencies) >= 3
    SUMMARY.append(
        f"1,000 travelers, one purchaser: screened in {elapsed:.2f} s; "
        f"{len(latencies)} health probes, slowest {max(latencies) * 1000:.1f} ms"
    )
    assert max(latencies) < 0.1
