"""The reference matcher: every entry judged, no index. What blocking must not lose."""

from __future__ import annotations

from collections.abc import Sequence

from screening_service.lookout import LookoutEntry, LookoutHit, LookoutQuery
from screening_service.lookout.score import (
    DEFAULT_THRESHOLD,
    PreparedEntry,
    PreparedQuery,
    hit_order,
    judge,
)


def prepare(entries: Sequence[LookoutEntry]) -> list[PreparedEntry]:
    return [PreparedEntry.of(e) for e in entries]


def brute_force(
    entries: Sequence[PreparedEntry], query: LookoutQuery, threshold: float = DEFAULT_THRESHOLD
) -> tuple[LookoutHit, ...]:
    prepared = PreparedQuery.of(query)
    hits = [judge(entry, prepared, threshold) for entry in entries]
    return tuple(sorted((h for h in hits if h is not None), key=hit_order))
