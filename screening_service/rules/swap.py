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
from screening_service.rules import errors
from screening_service.rules.check import check_pack
from screening_service.rules.compile import CompiledPack, compile_pack
from screening_service.rules.errors import ErrorSink, Location, PackError
from screening_service.rules.parse import parse_pack
from screening_service.rules.prove import prove


@dataclass(frozen=True)
class EngineOptions:
    """How a snapshot runs its engine: in worker processes (the server) or in-process (tools)."""

    isolated: bool = False
    budget_seconds: float = 2.0
    on_restart: Callable[[str], None] = lambda _reason: None


@dataclass(frozen=True)
class Snapshot:
    compiled: CompiledPack
    engine: EvaluationEngine
    loaded_at: dt.datetime

    @property
    def version(self) -> str:
        return self.compiled.pack.version

    @property
    def content_hash(self) -> str:
        return self.compiled.pack.content_hash


def compile_directory(directory: Path) -> CompiledPack:
    """Parse, check and compile a pack directory; raise PackError with every finding."""
    sink = ErrorSink()
    pack = parse_pack(directory, sink)
    if pack is None:
        sink.raise_if_any()
        raise PackError([])  # pragma: no cover - parse_pack reports why it returned None
    checked = check_pack(pack, sink)
    compiled = compile_pack(checked, sink)
    sink.raise_if_any()
    return compiled


def build_engine(compiled: CompiledPack, options: EngineOptions | None = None) -> EvaluationEngine:
    options = options or EngineOptions()
    try:
        if options.isolated:
            return IsolatedEngine(compiled, options.budget_seconds, options.on_restart)
        return Engine(compiled)
    except EngineError as error:
        raise PackError(
            [errors.RuleError(errors.E_LIMIT, str(error), Location(compiled.pack.directory))]
        ) from None


def build_snapshot(
    directory: Path, *, prove_examples: bool = True, options: EngineOptions | None = None
) -> Snapshot:
    compiled = compile_directory(directory)
    engine = build_engine(compiled, options)
    if prove_examples:
        sink = ErrorSink()
        prove(compiled, engine, sink)
        if sink.errors:
            engine.close()
            sink.raise_if_any()
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
