"""The isolated engine: a crash or hang costs one call, never the next one."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from screening_service.engine import isolated, lifeline
from screening_service.engine.facts import to_fact
from screening_service.engine.isolated import IsolatedEngine
from screening_service.engine.native import Engine, EngineError
from screening_service.rules.build import compile_directory
from tests.conftest import BUNDLED_RULES, ROOT

MINOR = {"traveler.age_years": 15, "traveler.is_minor": True}


@pytest.fixture
def engine() -> Iterator[IsolatedEngine]:
    restarts: list[str] = []
    isolated = IsolatedEngine(compile_directory(BUNDLED_RULES).engine_spec, 0.5, restarts.append)
    isolated.restarts = restarts  # type: ignore[attr-defined]
    yield isolated
    isolated.close()


def fired_ids(engine: IsolatedEngine) -> set[int]:
    return engine.evaluate([to_fact(MINOR, 0)])[0]


def test_answers_like_the_in_process_engine(engine: IsolatedEngine) -> None:
    compiled = compile_directory(BUNDLED_RULES)
    local = Engine(compiled.engine_spec)
    assert fired_ids(engine) == local.evaluate([to_fact(MINOR, 0)])[0]
    local.close()


def test_sigkill_of_the_worker_fails_that_call_and_the_next_succeeds(
    engine: IsolatedEngine,
) -> None:
    expected = fired_ids(engine)
    os.kill(engine.worker_pid, signal.SIGKILL)
    with pytest.raises(EngineError):
        fired_ids(engine)
    assert fired_ids(engine) == expected
    assert len(engine.restarts) == 1  # type: ignore[attr-defined]


def test_a_real_engine_crash_shape_is_contained(engine: IsolatedEngine) -> None:
    """A float in exponent notation segfaults durable-rules (found by the differential test)."""
    expected = fired_ids(engine)
    pid = engine.worker_pid
    crash = b's0 1\n[{"id":0,"kind":"traveler","sid":"s0","itinerary.total_hours":1e-05}]'
    with pytest.raises(EngineError):
        engine.evaluate_payload(crash, 1)
    deadline = time.monotonic() + 10
    while pid in engine.worker_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid not in engine.worker_pids()
    assert fired_ids(engine) == expected


def test_a_hung_worker_is_replaced_after_the_budget(engine: IsolatedEngine) -> None:
    expected = fired_ids(engine)
    os.kill(engine.worker_pid, signal.SIGSTOP)
    started = time.monotonic()
    with pytest.raises(EngineError, match="budget"):
        fired_ids(engine)
    assert time.monotonic() - started < 5
    assert fired_ids(engine) == expected


def test_both_workers_dead_still_recovers(engine: IsolatedEngine) -> None:
    expected = fired_ids(engine)
    deadline = time.monotonic() + 30
    while len(engine.worker_pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in engine.worker_pids():
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(EngineError):
        fired_ids(engine)
    assert fired_ids(engine) == expected


def test_close_stops_every_worker() -> None:
    isolated = IsolatedEngine(compile_directory(BUNDLED_RULES).engine_spec)
    deadline = time.monotonic() + 30
    while len(isolated.worker_pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = isolated.worker_pids()
    isolated.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_concurrent_calls_are_batched_and_each_gets_its_own_results(
    engine: IsolatedEngine,
) -> None:
    adult = {"traveler.age_years": 40, "traveler.is_minor": False}
    local = Engine(compile_directory(BUNDLED_RULES).engine_spec)
    expected_minor = local.evaluate([to_fact(MINOR, 0)])[0]
    expected_adult = local.evaluate([to_fact(adult, 0)])[0]
    local.close()

    async def run() -> list[list[set[int]]]:
        calls = [
            engine.evaluate_async(
                [to_fact(MINOR if (n + k) % 2 else adult, k) for k in range(n % 3 + 1)]
            )
            for n in range(60)
        ]
        return list(await asyncio.gather(*calls))

    results = asyncio.run(run())
    for n, fired in enumerate(results):
        assert fired == [
            expected_minor if (n + k) % 2 else expected_adult for k in range(n % 3 + 1)
        ]


@pytest.fixture
def fake_workers(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """IsolatedEngine starts tests/engine/fake_worker.py instead of the real worker."""
    real_spawn = lifeline.spawn

    def spawn(command: Sequence[str], pass_fds: Sequence[int] = ()) -> Any:
        replaced = [
            "tests.engine.fake_worker" if part == "screening_service.engine.worker" else part
            for part in command
        ]
        return real_spawn(replaced, pass_fds)

    monkeypatch.setattr(lifeline, "spawn", spawn)
    monkeypatch.chdir(ROOT)
    return monkeypatch


WRONG_REPLIES = {
    "short": "answered 0 of 1 facts",
    "long": "answered 2 of 1 facts",
    "not-json": "not JSON",
    "not-indices": "not lists of rule indices",
    "unexpected-frame": "unexpected frame",
    "engine-error": "engine error: fake failure",
}


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("reply", sorted(WRONG_REPLIES))
def test_a_wrong_reply_from_the_worker_fails_the_call_and_replaces_the_worker(
    fake_workers: pytest.MonkeyPatch, reply: str, asynchronous: bool
) -> None:
    fake_workers.setenv("FAKE_WORKER_REPLY", reply)
    restarts: list[str] = []
    engine = IsolatedEngine(compile_directory(BUNDLED_RULES).engine_spec, 2.0, restarts.append)
    try:
        first = engine.worker_pid
        facts = [to_fact(MINOR, 0)]

        def call() -> list[set[int]]:
            if asynchronous:
                return asyncio.run(engine.evaluate_async(facts))
            return engine.evaluate(facts)

        with pytest.raises(EngineError, match=WRONG_REPLIES[reply]):
            call()
        deadline = time.monotonic() + 30
        while not restarts and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ["EngineError"] == restarts
        assert first != engine.worker_pid
        assert engine.healthy
    finally:
        engine.close()


def test_healthy_follows_the_worker(engine: IsolatedEngine) -> None:
    assert engine.healthy
    os.kill(engine.worker_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while engine.healthy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not engine.healthy, "a dead worker with no replacement under way is not healthy"
    with pytest.raises(EngineError):
        fired_ids(engine)
    assert engine.healthy, "the next call replaced the worker"
    engine.close()
    assert not engine.healthy


def test_a_worker_that_cannot_be_replaced_leaves_the_engine_unhealthy(
    engine: IsolatedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine._standby_ready.wait(timeout=60)

    def refuse(_spec: bytes) -> isolated._Worker:
        raise EngineError("engine worker did not start: refused by the test")

    monkeypatch.setattr(isolated, "_Worker", refuse)
    for pid in engine.worker_pids():
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(EngineError, match="refused by the test"):
        fired_ids(engine)
    assert not engine.healthy
