"""Proving a pack's examples runs within a budget; failing it is a finding, never an exception."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from screening_service.engine.native import EngineError
from screening_service.rules import prove as prove_module
from screening_service.rules.build import compile_directory
from screening_service.rules.errors import ErrorSink
from screening_service.rules.prove import prove
from tests.rules.packs import GOOD_RULE, write_pack


class _FailingEngine:
    shard_count = 1
    healthy = True

    def evaluate(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        raise EngineError("worker did not answer within its budget")

    async def evaluate_async(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        raise EngineError("worker did not answer within its budget")

    def close(self) -> None:
        pass


def test_an_engine_failure_while_proving_is_a_finding(tmp_path: Path) -> None:
    compiled = compile_directory(write_pack(tmp_path, {"r.yaml": GOOD_RULE}))
    sink = ErrorSink()
    assert prove(compiled, _FailingEngine(), sink) == []
    (error,) = sink.errors
    assert error.code == "E302"
    assert "the engine failed on the examples" in error.message


def test_too_many_examples_is_a_finding(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(prove_module, "MAX_EXAMPLES", 1)
    compiled = compile_directory(write_pack(tmp_path, {"r.yaml": GOOD_RULE}))
    sink = ErrorSink()
    prove(compiled, _FailingEngine(), sink)
    (error,) = sink.errors
    assert (error.code, error.message) == ("E302", "the pack has 2 examples; at most 1")
