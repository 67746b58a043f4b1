"""How long history is kept, and the purge that enforces it in the service.

An event is purged once its event time (the flight's departure) is more than
``retention_days`` before now. The horizon may not be shorter than the
longest count window: a count would then silently lose events that are
still inside its window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from screening_service.history.model import LONGEST_WINDOW, epoch_seconds
from screening_service.history.store import HistoryStore, HistoryUnavailable

log = structlog.get_logger(__name__)

DEFAULT_PURGE_INTERVAL_SECONDS = 3600.0


def validate_retention_days(days: int) -> None:
    if days < LONGEST_WINDOW.days:
        raise ValueError(
            f"history retention must be at least {LONGEST_WINDOW.days} days "
            f"(the longest count window); got {days}"
        )


def cutoff(now: datetime, retention_days: int) -> int:
    """Events strictly before this instant (epoch seconds) are past the horizon."""
    return epoch_seconds(now - timedelta(days=retention_days))


def utc_now() -> datetime:
    return datetime.now(UTC)


async def purge_periodically(
    store: HistoryStore,
    *,
    interval_seconds: float = DEFAULT_PURGE_INTERVAL_SECONDS,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Purge at once, then every ``interval_seconds``, until cancelled.

    A failed purge is logged and retried at the next tick: the store being
    down must not stop the service (screening calls report it themselves).
    """
    while True:
        try:
            deleted = await asyncio.to_thread(store.purge, clock())
        except HistoryUnavailable as error:
            log.warning("history_purge_failed", cause=error.cause, backend=error.backend)
        else:
            log.info("history_purged", events=deleted, retention_days=store.retention_days)
        await asyncio.sleep(interval_seconds)
