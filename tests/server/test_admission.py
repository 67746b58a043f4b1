"""Admission: saturation is RESOURCE_EXHAUSTED, anonymous calls cannot starve screening."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from screening_service.observability import metrics
from screening_service.proto import pb, pb_grpc
from screening_service.server.security import Authenticator, Caller
from tests.conftest import BUNDLED_RULES, RunningServer
from tests.factories import ordinary_adult

TOKEN = "synthetic-test-token-0001"
AUTH = (("authorization", f"Bearer {TOKEN}"),)


def refused() -> dict[str, float]:
    return {b: metrics.rpc_refused.labels(b)._value.get() for b in ("screening", "open")}


class HeldStreams:
    """Streams that stay open (their request iterators block) until `release`."""

    def __init__(self) -> None:
        self.release_event = threading.Event()
        self.calls: list[Any] = []

    def requests(self, first: Any) -> Iterator[Any]:
        yield first
        self.release_event.wait(30)

    def release(self) -> None:
        self.release_event.set()
        for call in self.calls:
            call.cancel()


def settled(calls: list[Any], timeout: float = 5) -> tuple[list[Any], list[Any]]:
    """(calls that ended, calls still open) once the refusals have come back."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        done = [c for c in calls if c.done()]
        if done and all(c.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for c in done):
            break
    return [c for c in calls if c.done()], [c for c in calls if not c.done()]


@pytest.fixture(scope="module")
def guarded() -> Iterator[RunningServer]:
    """An authenticating server with small budgets: 4 screening calls, 3 open ones."""
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    authenticator = Authenticator({digest: Caller("gateway", frozenset({"screen"}))}, {})
    running = RunningServer(
        BUNDLED_RULES, max_concurrent_rpcs=4, max_open_rpcs=3, authenticator=authenticator
    )
    yield running
    running.stop()


def test_anonymous_streams_cannot_starve_screening_or_health(guarded: RunningServer) -> None:
    before = refused()
    held = HeldStreams()
    with grpc.insecure_channel(guarded.address) as channel:
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        try:
            for _ in range(40):
                held.calls.append(reflection.ServerReflectionInfo(held.requests(request)))
            ended, still_open = settled(held.calls)
            assert len(still_open) == 3
            assert {c.code() for c in ended} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
            assert len(ended) == 37

            stub = pb_grpc.ScreeningServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            for _ in range(10):
                started = time.perf_counter()
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                assert status == health_pb2.HealthCheckResponse.SERVING
                assert time.perf_counter() - started < 1
            with ThreadPoolExecutor(4) as pool:
                answers = list(
                    pool.map(
                        lambda n: stub.Screen(
                            pb.ScreenRequest(traveler=ordinary_adult(f"T-{n}")),
                            metadata=AUTH,
                            timeout=10,
                        ),
                        range(20),
                    )
                )
            assert [a.decision.referral for a in answers] == [pb.REFERRAL_NONE] * 20

            # Screening calls without credentials draw on the anonymous budget too.
            with pytest.raises(grpc.RpcError) as caught:
                stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=5)
            assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        finally:
            held.release()
    after = refused()
    assert after["open"] == before["open"] + 38
    assert after["screening"] == before["screening"]


def retry_delay(error: grpc.RpcError) -> float:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return float(info.retry_delay.seconds)
    raise AssertionError("no RetryInfo")


def test_saturation_is_resource_exhausted_with_retry_info_for_every_kind_of_call(
    guarded: RunningServer,
) -> None:
    before = refused()
    held = HeldStreams()
    with grpc.insecure_channel(guarded.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        first = pb.ScreenRequest(traveler=ordinary_adult())
        try:
            for _ in range(4):
                call = stub.ScreenStream(held.requests(first), metadata=AUTH)
                held.calls.append(call)
                assert next(iter(call)).decision.referral == pb.REFERRAL_NONE
            extra = stub.ScreenStream(iter([first]), metadata=AUTH)
            with pytest.raises(grpc.RpcError) as caught:
                next(iter(extra))
            assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert retry_delay(caught.value) == 1
            for _ in range(5):
                with pytest.raises(grpc.RpcError) as caught:
                    stub.Screen(first, metadata=AUTH, timeout=5)
                assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                assert "limit of 4 concurrent screening calls" in (caught.value.details() or "")
                assert retry_delay(caught.value) == 1
        finally:
            held.release()
    assert refused()["screening"] == before["screening"] + 6


def test_a_burst_far_above_the_limit_gets_only_ok_or_resource_exhausted(
    guarded: RunningServer,
) -> None:
    with grpc.insecure_channel(guarded.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)

        def call(n: int) -> grpc.StatusCode:
            request = pb.ScreenRequest(traveler=ordinary_adult(f"T-{n}"))
            future = stub.Screen.future(request, metadata=AUTH, timeout=20)
            try:
                future.result()
            except grpc.RpcError as error:
                return error.code()
            return grpc.StatusCode.OK

        with ThreadPoolExecutor(32) as pool:
            codes = list(pool.map(call, range(400)))
    assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert codes.count(grpc.StatusCode.OK) > 0


def test_health_watch_streams_the_status(server: RunningServer) -> None:
    with grpc.insecure_channel(server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        call = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
        first = next(call)
        assert first.status == health_pb2.HealthCheckResponse.SERVING
        call.cancel()
        service = health.Watch(
            health_pb2.HealthCheckRequest(service="screening.v1.ScreeningService"), timeout=5
        )
        assert next(service).status == health_pb2.HealthCheckResponse.SERVING
        service.cancel()
