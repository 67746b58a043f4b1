"""LiveScreening: a failed call is an error, and an engine that cannot be used again is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from screening_service.engine import isolated
from screening_service.engine.isolated import IsolatedEngine
from screening_service.engine.native import Engine, EngineError
from screening_service.pipeline.decide import Referral
from screening_service.pipeline.screen import FlightResult, ScreeningFailed, screen_async
from screening_service.proto import pb
from screening_service.rules.build import compile_directory
from screening_service.rules.compile import CompiledPack
from screening_service.runtime.packs import ActivePack, EngineOptions
from screening_service.runtime.screening import LiveScreening, NotReady
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute
from tests.fakes import FailingEngine, FakeEngine, drop_last, snapshot_with


@pytest.fixture(scope="module")
def compiled() -> CompiledPack:
    return compile_directory(BUNDLED_RULES)


def minor() -> pb.ScreenRequest:
    return pb.ScreenRequest(traveler=lone_minor_cash_last_minute())


def referral(result: FlightResult | Any) -> Referral:
    assert isinstance(result, FlightResult)
    decision = result.decisions[0]
    assert "T-MINOR" == decision.traveler_id
    return decision.referral


def test_no_pack_is_not_ready() -> None:
    with pytest.raises(NotReady):
        LiveScreening(ActivePack()).screen(minor())


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_engine_that_broke_is_replaced_and_the_retry_decides(
    compiled: CompiledPack, asynchronous: bool
) -> None:
    active = ActivePack()
    broken = FailingEngine(compiled)
    active.swap(snapshot_with(compiled, broken))
    live = LiveScreening(active)

    def call() -> Any:
        if asynchronous:
            return asyncio.run(live.screen_async(minor()))
        return live.screen(minor())

    with pytest.raises(ScreeningFailed):
        call()
    replaced = active.snapshot
    assert replaced is not None
    assert isinstance(replaced.engine, Engine)
    assert broken.closed
    assert Referral.PRIORITY_INTERVIEW == referral(call())
    replaced.engine.close()


def test_a_healthy_engine_that_gave_a_bad_answer_is_kept(compiled: CompiledPack) -> None:
    active = ActivePack()
    engine = FakeEngine(compiled, drop_last)
    snapshot = snapshot_with(compiled, engine)
    active.swap(snapshot)
    with pytest.raises(ScreeningFailed):
        LiveScreening(active).screen(minor())
    assert active.snapshot is snapshot
    assert not engine.closed
    engine.close()


def test_a_reload_that_won_the_race_keeps_its_snapshot(compiled: CompiledPack) -> None:
    """The broken snapshot is replaced only if it is still live; the fresh engine is closed."""
    active = ActivePack()
    broken = FailingEngine(compiled)
    active.swap(snapshot_with(compiled, broken))
    reloaded = snapshot_with(compiled, FakeEngine(compiled))
    live = LiveScreening(active)
    context = live.context()
    active.swap(reloaded)
    with pytest.raises(ScreeningFailed):
        asyncio.run(screen_async(context, minor()))
    live._recover(context.snapshot)
    assert active.snapshot is reloaded
    reloaded.engine.close()


@pytest.fixture
def isolated_pack(compiled: CompiledPack) -> Iterator[tuple[ActivePack, IsolatedEngine]]:
    active = ActivePack()
    engine = IsolatedEngine(compiled.engine_spec, 2.0)
    active.swap(snapshot_with(compiled, engine))
    yield active, engine
    engine.close()
    snapshot = active.snapshot
    if snapshot is not None:
        snapshot.engine.close()


def test_an_isolated_engine_that_cannot_restart_its_worker_is_rebuilt(
    isolated_pack: tuple[ActivePack, IsolatedEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's path: the worker dies, no replacement starts, the pack gets a new engine.

    Deterministic: the standby is dead before the calls, the active worker's
    connection breaks while its process still runs (so the first call reaches
    it, rather than finding a dead process first), and the replacement
    refuses only after the first call has failed. The first call's recovery
    therefore always sees the replacement still starting, and the second call
    always meets the refusal and rebuilds the engine.
    """
    active, engine = isolated_pack
    live = LiveScreening(active, engine_options=EngineOptions(isolated=True))
    assert Referral.PRIORITY_INTERVIEW == referral(asyncio.run(live.screen_async(minor())))
    assert engine.healthy

    real_worker = isolated._Worker
    refused: list[int] = []
    first_failed = threading.Event()

    def refuse_once(spec: bytes) -> isolated._Worker:
        if not refused:
            refused.append(1)
            first_failed.wait(timeout=60)
            raise EngineError("engine worker did not start: refused by the test")
        return real_worker(spec)

    monkeypatch.setattr(isolated, "_Worker", refuse_once)
    engine._standby_ready.wait(timeout=60)
    for worker in list(engine._workers):
        if worker is not engine._active:
            os.kill(worker.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
    engine._active.sock.shutdown(socket.SHUT_RDWR)

    async def twice() -> list[BaseException | FlightResult | Any]:
        first = await asyncio.gather(live.screen_async(minor()), return_exceptions=True)
        first_failed.set()
        second = await asyncio.gather(live.screen_async(minor()), return_exceptions=True)
        return [*first, *second]

    outcomes = asyncio.run(twice())
    assert [ScreeningFailed, ScreeningFailed] == [type(o) for o in outcomes]
    assert not engine.healthy
    rebuilt = active.snapshot
    assert rebuilt is not None
    assert rebuilt.engine is not engine
    assert isinstance(rebuilt.engine, IsolatedEngine)
    assert rebuilt.engine.healthy
    assert Referral.PRIORITY_INTERVIEW == referral(asyncio.run(live.screen_async(minor())))
