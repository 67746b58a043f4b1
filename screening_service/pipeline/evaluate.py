"""Enrich -> evaluate: records through the compiled pack's engine."""

from __future__ import annotations

from collections.abc import Sequence

from screening_service.facts import Record, to_fact
from screening_service.rules.swap import Snapshot


def evaluate(
    snapshot: Snapshot, records: Sequence[Record], timeout: float | None = None
) -> list[set[int]]:
    """Indices (into ``snapshot.compiled.rules``) of the rules each record fired."""
    facts = [to_fact(record, n) for n, record in enumerate(records)]
    return snapshot.engine.evaluate(facts, timeout)


async def evaluate_async(
    snapshot: Snapshot, records: Sequence[Record], timeout: float | None = None
) -> list[set[int]]:
    """`evaluate` for the server: awaits the engine instead of blocking the event loop."""
    facts = [to_fact(record, n) for n, record in enumerate(records)]
    return await snapshot.engine.evaluate_async(facts, timeout)
