"""Prometheus metrics: every name in one place, units in the names."""

from __future__ import annotations

from typing import Final, TypeVar

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.metrics import MetricWrapperBase

# One series per metric, not a `_created` twin for every counter and histogram.
disable_created_metrics()  # type: ignore[no-untyped-call]

NAMESPACE: Final = "screening"
M = TypeVar("M", bound=MetricWrapperBase)

RPC_DURATION: Final = "screening_rpc_duration_seconds"
RPC_IN_FLIGHT: Final = "screening_rpc_in_flight"
EVALUATION_DURATION: Final = "screening_evaluation_duration_seconds"
DECISIONS: Final = "screening_decisions_total"
RULE_HITS: Final = "screening_rule_hits_total"
TRAVELERS: Final = "screening_travelers_screened_total"
RULESET_INFO: Final = "screening_ruleset_info"
RULESET_LOADED: Final = "screening_ruleset_loaded_timestamp_seconds"
RELOADS: Final = "screening_ruleset_reloads_total"
ENGINE_RESTARTS: Final = "screening_engine_restarts_total"
LOOKOUT_RELOADS: Final = "screening_lookout_reloads_total"
LOOKOUT_ENTRIES: Final = "screening_lookout_entries"
RULES_REVIEW_OVERDUE: Final = "screening_rules_review_overdue"
RPC_REFUSED: Final = "screening_rpc_refused_total"
WATCH_ERRORS: Final = "screening_watch_errors_total"
DECISION_LOG_WRITABLE: Final = "screening_decision_log_writable"
DECISION_LOG_FAILURES: Final = "screening_decision_log_failures_total"

# Sub-millisecond to seconds.
LATENCY_BUCKETS: Final = (
    0.0001,
    0.00025,
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

rpc_duration = Histogram(
    RPC_DURATION,
    "gRPC call latency by method and status code",
    ["method", "code"],
    buckets=LATENCY_BUCKETS,
)
rpc_in_flight = Gauge(
    RPC_IN_FLIGHT, "gRPC calls being served", ["method"], multiprocess_mode="livesum"
)
evaluation_duration = Histogram(
    EVALUATION_DURATION,
    "Rule evaluation time per engine call (one traveler or one flight)",
    buckets=LATENCY_BUCKETS,
)
decisions = Counter(DECISIONS, "Decisions by referral level", ["referral"])
rule_hits = Counter(RULE_HITS, "Rule firings by rule and mode", ["rule_id", "mode"])
travelers = Counter(TRAVELERS, "Travelers screened (one per decision)")
# A gauge rather than an Info: Info does not work in multiprocess mode. The
# live pack's series is 1; a replaced pack's series is set to 0, then removed.
ruleset_info = Gauge(
    RULESET_INFO,
    "The active rule pack: 1 for the live version and content hash",
    ["version", "hash"],
    multiprocess_mode="liveall",
)
ruleset_loaded = Gauge(
    RULESET_LOADED,
    "When the active rule pack was loaded (Unix time)",
    multiprocess_mode="livemax",
)
reloads = Counter(RELOADS, "Rule pack loads by result", ["result"])
engine_restarts = Counter(ENGINE_RESTARTS, "Engines replaced after an engine error")
lookout_reloads = Counter(LOOKOUT_RELOADS, "Lookout list loads by result", ["result"])
lookout_entries = Gauge(
    LOOKOUT_ENTRIES, "Entries in the live lookout index", multiprocess_mode="livemax"
)

rpc_refused = Counter(
    RPC_REFUSED, "Calls refused at once because their concurrency budget was full", ["budget"]
)
watch_errors = Counter(WATCH_ERRORS, "Failures of a file watcher (it restarts itself)", ["target"])
decision_log_writable = Gauge(
    DECISION_LOG_WRITABLE,
    "1 when the decision log path is a writable file (or can be created), else 0",
    multiprocess_mode="livemin",
)
decision_log_failures = Counter(
    DECISION_LOG_FAILURES,
    "Decision log problems: a write failed (decisions withheld), the path is unusable, "
    "or the file was deleted or replaced (reopened)",
    ["reason"],
)

rules_review_overdue = Gauge(
    RULES_REVIEW_OVERDUE,
    "Rules of the live pack whose review_by date has passed",
    multiprocess_mode="livemax",
)


REFERRAL_LEVELS: Final = ("none", "interview", "priority_interview")
RELOAD_RESULTS: Final = ("success", "failure")


def _create_label_values() -> None:
    """Create every known label value at zero, so the first event shows in rate()."""
    for level in REFERRAL_LEVELS:
        decisions.labels(level)
    for result in RELOAD_RESULTS:
        reloads.labels(result)
        lookout_reloads.labels(result)
    for budget in ("screening", "open"):
        rpc_refused.labels(budget)
    for target in ("rules", "lookout"):
        watch_errors.labels(target)
    for reason in ("write", "unusable", "deleted"):
        decision_log_failures.labels(reason)


_create_label_values()


# The travel-history store (screening_service.history): labels are the backend
# ("sqlite", "postgresql") and the operation; never a key, a path or a DSN.
HISTORY_DURATION: Final = "screening_history_operation_duration_seconds"
HISTORY_ERRORS: Final = "screening_history_errors_total"
HISTORY_EVENTS_RECORDED: Final = "screening_history_events_recorded_total"
HISTORY_EVENTS_PURGED: Final = "screening_history_events_purged_total"
HISTORY_EVENTS_FORGOTTEN: Final = "screening_history_events_forgotten_total"
HISTORY_EVENTS: Final = "screening_history_events"
HISTORY_SIZE: Final = "screening_history_size_bytes"

HISTORY_OPERATIONS: Final = ("record", "purge", "forget", "stats")

# A manifest's write and read: from half a millisecond on SQLite to seconds on a busy server.
HISTORY_BUCKETS: Final = LATENCY_BUCKETS[2:]

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


def create_history_label_values(backend: str) -> None:
    """Every series of ``backend`` at zero, so the first failure shows in rate()."""
    for operation in HISTORY_OPERATIONS:
        history_errors.labels(backend, operation)
    history_events_recorded.labels(backend)
    history_events_purged.labels(backend)
    history_events_forgotten.labels(backend)


_children: dict[tuple[MetricWrapperBase, tuple[str, ...]], MetricWrapperBase] = {}


def child(metric: M, *values: str) -> M:
    """``metric.labels(*values)``, remembered: the hot path does one dict lookup per series.

    prometheus_client's ``labels`` validates and takes a lock on every call;
    per call and per rule hit that adds up. Only for series that are never
    removed (the per-call metrics).
    """
    key = (metric, values)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*values)
    return found  # type: ignore[return-value]  # stored from this same metric's labels()
