"""Prometheus metrics: every name in one place, units in the names."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram, Info

NAMESPACE: Final = "screening"

RPC_DURATION: Final = "screening_rpc_duration_seconds"
RPC_IN_FLIGHT: Final = "screening_rpc_in_flight"
EVALUATION_DURATION: Final = "screening_evaluation_duration_seconds"
DECISIONS: Final = "screening_decisions_total"
RULE_HITS: Final = "screening_rule_hits_total"
TRAVELERS: Final = "screening_travelers_screened_total"
RULESET: Final = "screening_ruleset"
RELOADS: Final = "screening_ruleset_reloads_total"
ENGINE_RESTARTS: Final = "screening_engine_restarts_total"

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
ruleset = Info(RULESET, "The active rule pack")
reloads = Counter(RELOADS, "Rule pack loads by result", ["result"])
engine_restarts = Counter(ENGINE_RESTARTS, "Engines replaced after an engine error")
