"""A `HistoryStore` wrapper that times every call and counts failures.

Kept apart from the backends so that they stay plain database code and the
metrics are the same whichever backend runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from screening_service.history.model import FlightEvents, HistoryCounts, HistoryStats
from screening_service.history.store import HistoryStore, HistoryUnavailable
from screening_service.observability import metrics

T = TypeVar("T")


class InstrumentedStore:
    """``store`` with Prometheus metrics (`screening_service.observability.metrics`)."""

    def __init__(self, store: HistoryStore) -> None:
        self.inner = store
        metrics.create_history_label_values(store.backend)

    @property
    def backend(self) -> str:
        return self.inner.backend

    @property
    def retention_days(self) -> int:
        return self.inner.retention_days

    @contextmanager
    def _measured(self, operation: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except HistoryUnavailable:
            metrics.history_errors.labels(self.backend, operation).inc()
            raise
        finally:
            metrics.history_duration.labels(self.backend, operation).observe(
                time.perf_counter() - started
            )

    def _call(self, operation: str, work: Callable[[], T]) -> T:
        with self._measured(operation):
            return work()

    def record_and_count(self, flight: FlightEvents) -> list[HistoryCounts]:
        counts = self._call("record", lambda: self.inner.record_and_count(flight))
        metrics.history_events_recorded.labels(self.backend).inc(len(flight.events))
        return counts

    def purge(self, now: datetime) -> int:
        deleted = self._call("purge", lambda: self.inner.purge(now))
        metrics.history_events_purged.labels(self.backend).inc(deleted)
        self.stats()
        return deleted

    def forget(self, pseudonym: str) -> int:
        deleted = self._call("forget", lambda: self.inner.forget(pseudonym))
        metrics.history_events_forgotten.labels(self.backend).inc(deleted)
        return deleted

    def stats(self) -> HistoryStats:
        stats = self._call("stats", self.inner.stats)
        metrics.history_events.labels(self.backend).set(stats.events)
        metrics.history_size.labels(self.backend).set(stats.size_bytes)
        return stats

    def close(self) -> None:
        self.inner.close()
