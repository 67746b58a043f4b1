"""Limits: bounded concurrency, oversized requests, deadlines, stream back-pressure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES, RunningServer
from tests.factories import manifest, ordinary_adult
from tests.serving import ServeProcess


@pytest.fixture(scope="module")
def tight_server() -> Iterator[RunningServer]:
    running = RunningServer(BUNDLED_RULES, max_concurrent_rpcs=2)
    yield running
    running.stop()


def big_flight(size: int = 1000) -> pb.ScreenManifestRequest:
    return pb.ScreenManifestRequest(
        manifest=manifest([ordinary_adult(f"T-{i}") for i in range(size)])
    )


def test_saturation_gets_resource_exhausted_and_nothing_else(tight_server: RunningServer) -> None:
    request = big_flight()
    codes: list[grpc.StatusCode] = []
    lock = threading.Lock()

    def call() -> None:
        with grpc.insecure_channel(tight_server.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            try:
                stub.ScreenManifest(request, timeout=60)
                code = grpc.StatusCode.OK
            except grpc.RpcError as error:
                code = error.code()
        with lock:
            codes.append(code)

    callers = [threading.Thread(target=call) for _ in range(12)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=120)
    assert set(codes) == {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert len(codes) == 12


def test_more_than_1000_travelers_is_resource_exhausted(stub: pb_grpc.ScreeningServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScreenManifest(big_flight(1001), timeout=30)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "manifest.travelers has more than 1000 travelers" in (caught.value.details() or "")


def test_an_expired_deadline_gets_deadline_exceeded(stub: pb_grpc.ScreeningServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScreenManifest(big_flight(), timeout=0.001)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_a_slow_stream_reader_stops_the_server_reading_and_cancel_is_safe() -> None:
    """Flow control: with the client's window fixed (no BDP auto-tuning), the server stops
    reading requests once it cannot write results; then the client cancels mid-stream.

    Runs on a separate server process: cancelling this stream once made grpcio
    segfault on context.peer() in the interceptor (regression).
    """
    produced = 0
    total = 5000

    def requests() -> Iterator[pb.ScreenRequest]:
        nonlocal produced
        traveler = ordinary_adult()
        for _ in range(40):
            traveler.observations.add(code=pb.OBSERVATION_CODE_OTHER, note="x" * 500)
        for n in range(total):
            traveler.traveler_id = f"T-{n}"
            produced += 1
            yield pb.ScreenRequest(traveler=traveler)

    served = ServeProcess(BUNDLED_RULES)
    try:
        options = [("grpc.http2.bdp_probe", 0)]
        with grpc.insecure_channel(served.address, options=options) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            # Any: grpc-stubs types the call as a bare iterator without cancel().
            results: Any = stub.ScreenStream(requests(), timeout=120)
            first = next(results)
            time.sleep(2.0)
            plateau = produced
            time.sleep(1.0)
            assert produced == plateau
            received = 1 + sum(1 for _ in zip(range(99), results, strict=False))
            results.cancel()
        assert first.traveler_id == "T-0"
        assert received == 100
        assert plateau < total / 4
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            decision = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10).decision
            assert decision.referral == pb.REFERRAL_NONE
        code, _ = served.stop()
        assert code == 0
    finally:
        served.kill()
