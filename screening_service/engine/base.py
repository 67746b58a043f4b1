"""What the pipeline needs from an engine, in-process or isolated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class EvaluationEngine(Protocol):
    @property
    def shard_count(self) -> int: ...

    @property
    def healthy(self) -> bool:
        """False once the engine must not be used again (the in-process engine after an error)."""

    def evaluate(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]: ...

    async def evaluate_async(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]: ...

    def close(self) -> None: ...
