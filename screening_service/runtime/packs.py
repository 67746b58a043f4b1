"""Rule files -> parse -> check -> compile -> prove -> swap.

`build_snapshot` runs the whole pipeline and returns a complete, proven
snapshot or raises `PackError`; `ActivePack` holds the live snapshot behind
one reference, so a reload is a single assignment and an evaluation that
started on a snapshot finishes on it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from screening_service.engine.base import EvaluationEngine
from screening_service.engine.isolated import IsolatedEngine
from screening_service.engine.native import Engine, EngineError
from screening_service.engine.spec import DEFAULT_BUDGET_SECONDS
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules import errors
from screening_service.rules.build import compile_directory
from screening_service.rules.compile import CompiledPack
from screening_service.rules.errors import ErrorSink, Location, PackError
from screening_service.rules.prove import prove


@dataclass(frozen=True)
class EngineOptions:
    """How a snapshot runs its engine: in worker processes (the server) or in-process (tools)."""

    isolated: bool = False
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    on_restart: Callable[[str], None] = lambda _reason: None


def build_engine(compiled: CompiledPack, options: EngineOptions | None = None) -> EvaluationEngine:
    options = options or EngineOptions()
    try:
        if options.isolated:
            return IsolatedEngine(compiled.engine_spec, options.budget_seconds, options.on_restart)
        return Engine(compiled.engine_spec)
    except EngineError as error:
        raise PackError(
            [errors.RuleError(errors.E_LIMIT, str(error), Location(compiled.pack.directory))]
        ) from None


def build_snapshot(
    directory: Path, *, prove_examples: bool = True, options: EngineOptions | None = None
) -> Snapshot:
    return snapshot_of(compile_directory(directory), prove_examples=prove_examples, options=options)


def snapshot_of(
    compiled: CompiledPack, *, prove_examples: bool = True, options: EngineOptions | None = None
) -> Snapshot:
    """A proven snapshot of a compiled pack; its engine is closed on every failure."""
    engine = build_engine(compiled, options)
    try:
        if prove_examples:
            sink = ErrorSink()
            prove(compiled, engine, sink)
            sink.raise_if_any()
    except BaseException:
        engine.close()
        raise
    return Snapshot(compiled, engine, dt.datetime.now(dt.UTC))


class ActivePack:
    """The live snapshot; swapped whole, never mutated."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot | None:
        return self._snapshot

    def swap(self, snapshot: Snapshot) -> Snapshot | None:
        with self._lock:
            previous, self._snapshot = self._snapshot, snapshot
        return previous

    def replace(self, expected: Snapshot, snapshot: Snapshot) -> bool:
        """Swap only if ``expected`` is still live (a reload may have won)."""
        with self._lock:
            if self._snapshot is not expected:
                return False
            self._snapshot = snapshot
            return True
