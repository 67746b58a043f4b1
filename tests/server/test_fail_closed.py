"""Through the server: an engine that misbehaves gives every RPC an error, never a decision."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from screening_service.engine.isolated import IsolatedEngine
from screening_service.proto import pb, pb_grpc
from screening_service.rules.build import compile_directory
from screening_service.rules.compile import CompiledPack
from tests.conftest import BUNDLED_RULES, RunningServer
from tests.factories import assert_lone_minor_referred, lone_minor_cash_last_minute, manifest
from tests.fakes import (
    FailingEngine,
    FakeEngine,
    Tamper,
    drop_last,
    index_as_text,
    snapshot_with,
    unknown_rule,
)

RETRY = "rule evaluation failed and the engine was replaced; retry the call"


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    server = RunningServer(BUNDLED_RULES)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def compiled() -> CompiledPack:
    return compile_directory(BUNDLED_RULES)


@pytest.fixture
def stub(running: RunningServer) -> Iterator[pb_grpc.ScreeningServiceStub]:
    original = running.service.active.snapshot
    assert original is not None
    with grpc.insecure_channel(running.address) as channel:
        yield pb_grpc.ScreeningServiceStub(channel)
    current = running.service.active.swap(original)
    if current is not None and current is not original:
        current.engine.close()


def assert_unavailable(error: grpc.RpcError) -> None:
    assert grpc.StatusCode.UNAVAILABLE == error.code()
    assert RETRY == error.details()


def every_rpc_fails(stub: pb_grpc.ScreeningServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as unary:
        stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10)
    assert_unavailable(unary.value)
    flight = manifest([lone_minor_cash_last_minute(), lone_minor_cash_last_minute("T-MINOR-2")])
    with pytest.raises(grpc.RpcError) as batch:
        stub.ScreenManifest(pb.ScreenManifestRequest(manifest=flight), timeout=10)
    assert_unavailable(batch.value)
    replies = list(
        stub.ScreenStream(
            iter([pb.ScreenRequest(traveler=lone_minor_cash_last_minute())]), timeout=10
        )
    )
    assert 1 == len(replies)
    assert "error" == replies[0].WhichOneof("result")
    assert (grpc.StatusCode.UNAVAILABLE.value[0], RETRY) == (
        replies[0].error.code,
        replies[0].error.message,
    )


TAMPERED: dict[str, Tamper] = {
    "dropped fact": drop_last,
    "unknown rule": unknown_rule(10_000),
    "malformed index": index_as_text,
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_wrong_answer_is_unavailable_on_every_rpc(
    running: RunningServer, compiled: CompiledPack, stub: pb_grpc.ScreeningServiceStub, case: str
) -> None:
    engine = FakeEngine(compiled, TAMPERED[case])
    running.service.active.swap(snapshot_with(compiled, engine))
    every_rpc_fails(stub)
    assert 3 == engine.calls


def test_an_unhealthy_engine_is_never_asked_and_is_replaced(
    running: RunningServer, compiled: CompiledPack, stub: pb_grpc.ScreeningServiceStub
) -> None:
    engine = FakeEngine(compiled, healthy=False)
    running.service.active.swap(snapshot_with(compiled, engine))
    with pytest.raises(grpc.RpcError) as caught:
        stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10)
    assert_unavailable(caught.value)
    assert 0 == engine.calls
    recovered = running.service.active.snapshot
    assert recovered is not None
    assert isinstance(recovered.engine, IsolatedEngine)
    assert engine.closed
    decision = stub.Screen(
        pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10
    ).decision
    assert_lone_minor_referred(decision)


def test_an_engine_that_fails_then_reports_unhealthy_is_replaced(
    running: RunningServer, compiled: CompiledPack, stub: pb_grpc.ScreeningServiceStub
) -> None:
    engine = FailingEngine(compiled)
    running.service.active.swap(snapshot_with(compiled, engine))
    with pytest.raises(grpc.RpcError) as caught:
        stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10)
    assert_unavailable(caught.value)
    assert 1 == engine.calls
    assert engine.closed
    decision = stub.Screen(
        pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10
    ).decision
    assert_lone_minor_referred(decision)
