"""Engines that misbehave on purpose: each implements `EvaluationEngine`.

Every fake answers through a real in-process engine and then breaks the
answer in one way, so a test shows that the breakage, and nothing else,
turns a decision into an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from screening_service.engine.native import Engine, EngineError
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.compile import CompiledPack

Tamper = Callable[[list[set[int]]], list[Any]]


class FakeEngine:
    """A real engine's answer passed through ``tamper``; ``healthy`` as told."""

    def __init__(
        self, compiled: CompiledPack, tamper: Tamper = list, *, healthy: bool = True
    ) -> None:
        self._engine = Engine(compiled.engine_spec)
        self._tamper = tamper
        self._healthy = healthy
        self.calls = 0
        self.closed = False

    @property
    def shard_count(self) -> int:
        return self._engine.shard_count

    @property
    def healthy(self) -> bool:
        return self._healthy

    def evaluate(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        self.calls += 1
        tampered: list[set[int]] = self._tamper(self._engine.evaluate(facts, timeout))
        return tampered

    async def evaluate_async(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        return self.evaluate(facts, timeout)

    def close(self) -> None:
        self.closed = True
        self._engine.close()


class FailingEngine(FakeEngine):
    """Raises `EngineError` on every call and reports itself unhealthy afterwards."""

    def evaluate(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        self.calls += 1
        self._healthy = False
        raise EngineError("fake engine failure")


def drop_last(fired: list[set[int]]) -> list[Any]:
    return fired[:-1]


def one_extra(fired: list[set[int]]) -> list[Any]:
    return [*fired, set()]


def unknown_rule(index: int) -> Tamper:
    def tamper(fired: list[set[int]]) -> list[Any]:
        return [hits | {index} for hits in fired]

    return tamper


def index_as_text(fired: list[set[int]]) -> list[Any]:
    return [{str(i) for i in hits} | {"0"} for hits in fired]


def snapshot_with(compiled: CompiledPack, engine: Any) -> Snapshot:
    return Snapshot(compiled, engine, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
