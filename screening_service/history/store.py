"""The contract every history backend keeps, and its one failure type.

The pipeline sees a `HistoryStore` and nothing else, so SQLite (one
process or several on one host) and PostgreSQL (several replicas) are
interchangeable. Every failure of the database, whatever the driver says,
reaches the caller as `HistoryUnavailable`: the server maps it to
``UNAVAILABLE`` (fail closed) or, when the operator chose degraded mode, to
unknown history fields. Its message names the operation and the kind of
failure, never a value, a DSN or a pseudonym.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from screening_service.history.model import FlightEvents, HistoryCounts, HistoryStats


class HistoryUnavailable(Exception):
    """The history store could not do ``operation``; ``cause`` says why, without data."""

    def __init__(self, operation: str, backend: str, cause: str) -> None:
        super().__init__(f"history {operation} failed on {backend}: {cause}")
        self.operation = operation
        self.backend = backend
        self.cause = cause


@runtime_checkable
class HistoryStore(Protocol):
    """Screened travel events over time, keyed by pseudonyms.

    Thread-safe: calls from several threads are serialised by the store
    (each call is one short transaction).
    """

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgresql": a metric label, never a path or a DSN."""
        ...

    @property
    def retention_days(self) -> int: ...

    def record_and_count(self, flight: FlightEvents) -> list[HistoryCounts]:
        """Record the flight's events and count each traveler's history.

        One transaction: the events are written (a traveler already recorded
        on this flight is updated, not counted twice), then one query reads
        every count. The result is in the order of ``flight.events``.
        """
        ...

    def purge(self, now: datetime) -> int:
        """Delete events older than the retention horizon before ``now``; the number deleted."""
        ...

    def forget(self, pseudonym: str) -> int:
        """Erase every event of one traveler (identity or document pseudonym); the number."""
        ...

    def stats(self) -> HistoryStats: ...

    def close(self) -> None: ...
