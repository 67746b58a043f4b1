"""Travel history: screened travel events over time, so rules can count across flights.

One module each: `model` (what a flight adds, what rules read back),
`store` (the `HistoryStore` contract and `HistoryUnavailable`), `sqlite`
(the embedded default) and `postgres` (shared by replicas), `migrations`
(the schema, as numbered SQL files), `counting` (the per-flight rows and
read both backends share), `retention` (horizon and periodic purge),
`identity` (the pseudonyms that name a traveler), `instrumented`
(Prometheus metrics, named in `observability.metrics`), `backends` (``--history`` to a store) and
`commands` (``screening history ...``).

    store = open_history("sqlite", data_dir=Path("var"))
    counts = store.record_and_count(FlightEvents(flight, departure, events))
"""

from screening_service.history.backends import open_history
from screening_service.history.identity import document_pseudonym, identity_pseudonym
from screening_service.history.model import (
    DEFAULT_RETENTION_DAYS,
    HISTORY_FIELDS,
    FlightEvents,
    FlightKey,
    HistoryCounts,
    HistoryStats,
    TravelEvent,
)
from screening_service.history.retention import purge_periodically
from screening_service.history.store import HistoryStore, HistoryUnavailable

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "HISTORY_FIELDS",
    "FlightEvents",
    "FlightKey",
    "HistoryCounts",
    "HistoryStats",
    "HistoryStore",
    "HistoryUnavailable",
    "TravelEvent",
    "document_pseudonym",
    "identity_pseudonym",
    "open_history",
    "purge_periodically",
]
