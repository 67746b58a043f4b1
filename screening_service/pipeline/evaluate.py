"""Enrich -> evaluate: records through the compiled pack's engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screening_service.engine.facts import to_fact
from screening_service.values import Record


def facts_of(records: Sequence[Record]) -> list[dict[str, Any]]:
    """The engine facts of one flight's records (fact ids 0..n-1 in order)."""
    return [to_fact(record, n) for n, record in enumerate(records)]
