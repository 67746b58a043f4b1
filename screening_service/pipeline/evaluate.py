"""Enrich -> evaluate: records through the compiled pack's engine.

The pack's aggregates are written into the flight's records and its derived
values (what the engine cannot evaluate itself) are computed here, once per
flight, before the facts are built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screening_service.engine.facts import to_fact
from screening_service.rules.compile import CompiledPack
from screening_service.values import Record


def facts_of(
    records: Sequence[Record], compiled: CompiledPack | None = None
) -> list[dict[str, Any]]:
    """The engine facts of one flight's records (fact ids 0..n-1 in order).

    With ``compiled``, the pack's aggregates are added to ``records`` (so the
    decision's evidence can show them) and its derived values to the facts.
    """
    if compiled is None:
        return [to_fact(record, n) for n, record in enumerate(records)]
    derivations = compiled.derivations
    derivations.aggregate(records)
    fields = compiled.fact_fields
    return [
        to_fact(record, n, derivations.extras(record), fields) for n, record in enumerate(records)
    ]
