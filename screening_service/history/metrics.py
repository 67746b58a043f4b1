"""Prometheus metrics of the history store (to be merged into observability.metrics).

Labels are the backend ("sqlite", "postgresql") and the operation
("record", "purge", "forget", "stats"); never a key, a path or a DSN.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

HISTORY_DURATION: Final = "screening_history_operation_duration_seconds"
HISTORY_ERRORS: Final = "screening_history_errors_total"
HISTORY_EVENTS_RECORDED: Final = "screening_history_events_recorded_total"
HISTORY_EVENTS_PURGED: Final = "screening_history_events_purged_total"
HISTORY_EVENTS_FORGOTTEN: Final = "screening_history_events_forgotten_total"
HISTORY_EVENTS: Final = "screening_history_events"
HISTORY_SIZE: Final = "screening_history_size_bytes"

OPERATIONS: Final = ("record", "purge", "forget", "stats")
BACKENDS: Final = ("sqlite", "postgresql")

# A manifest's write and read: sub-millisecond on SQLite to seconds on a busy server.
HISTORY_BUCKETS: Final = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

history_duration = Histogram(
    HISTORY_DURATION,
    "History store call latency by backend and operation (one manifest per record)",
    ["backend", "operation"],
    buckets=HISTORY_BUCKETS,
)
history_errors = Counter(
    HISTORY_ERRORS,
    "History store calls that failed (the store was unavailable), by backend and operation",
    ["backend", "operation"],
)
history_events_recorded = Counter(
    HISTORY_EVENTS_RECORDED,
    "Travel events written (a re-screened traveler is written again)",
    ["backend"],
)
history_events_purged = Counter(
    HISTORY_EVENTS_PURGED, "Travel events deleted by the retention purge", ["backend"]
)
history_events_forgotten = Counter(
    HISTORY_EVENTS_FORGOTTEN, "Travel events erased on request (forget)", ["backend"]
)
# Several processes (or replicas) see the same store: the largest report wins.
history_events = Gauge(
    HISTORY_EVENTS,
    "Travel events held by the history store, as of the last stats",
    ["backend"],
    multiprocess_mode="livemax",
)
history_size = Gauge(
    HISTORY_SIZE,
    "Size of the history store on disk, as of the last stats",
    ["backend"],
    multiprocess_mode="livemax",
)


def create_label_values(backend: str) -> None:
    """Every series of ``backend`` at zero, so the first failure shows in rate()."""
    for operation in OPERATIONS:
        history_errors.labels(backend, operation)
    history_events_recorded.labels(backend)
    history_events_purged.labels(backend)
    history_events_forgotten.labels(backend)
