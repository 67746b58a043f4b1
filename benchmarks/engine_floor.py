"""Engine floor vs the service's evaluation path, in-process, same facts, same compiled pack.

The bundled pack is compiled once. Its shard definitions are loaded three
ways: as raw rulesets of the C extension (`durable_rules_engine`), as the
in-process `Engine`, and in the `IsolatedEngine`'s worker process. For the
same synthetic travelers:

* raw C calls: ``assert_facts`` + drain (``start_action_for_state`` /
  ``complete_and_start_action``) + ``delete_state`` per shard, with the
  facts' JSON built beforehand: the least any caller can spend;
* floor: `Engine.evaluate_json` on the same pre-encoded payload (the raw
  calls plus parsing each firing and the sentinel check): the baseline;
* service path, in-process engine: the pipeline's one entry point,
  `pipeline.screen.screen` (validate + enrich + to_fact + evaluate +
  decide), exactly as every caller runs it;
* service path, isolated engine: the same, the engine behind a socket in a
  worker process (what `screening serve` runs);
* evaluate step alone: facts built from records enriched beforehand, and
  the engine's `evaluate` (to_fact + JSON encoding + engine): the layer's own
  overhead.

Two shapes: 300-traveler flights (a `ScreenManifest`) and single travelers
(a `Screen`: a flight of one). A stage breakdown of the service path
follows, with respond (to_proto + serialise) for context.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import durable_rules_engine as native

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.report import BenchmarkResult, Row
from screening_service import geography
from screening_service.engine.facts import to_fact
from screening_service.engine.native import SIDS, Engine, encode_facts
from screening_service.pipeline.decide import decide
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.evaluate import facts_of
from screening_service.pipeline.respond import to_proto
from screening_service.pipeline.screen import Context, Request, screen, validate
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import ValidFlight
from screening_service.proto import pb
from screening_service.rules.compile import CompiledPack
from screening_service.runtime.packs import EngineOptions, build_snapshot
from screening_service.values import Record

NAME: Final = "engine_floor"
TITLE: Final = "raw engine floor vs the service's evaluation path (in-process, no gRPC)"
FLIGHTS: Final = 8
FLIGHT_SIZE: Final = 300
SINGLES: Final = 300
TARGET: Final = 1.5
SID: Final = SIDS[0]


@dataclass
class Batch:
    """One engine call's worth of travelers, with its facts encoded once."""

    request: Request
    valid: ValidFlight
    payload: str
    count: int
    records: Sequence[Record]


def batches_of(requests: Sequence[pb.ScreenRequest | pb.ScreenManifestRequest]) -> list[Batch]:
    now = dt.datetime.now(dt.UTC)
    out = []
    for request in requests:
        valid = validate(request, live=False)
        assert isinstance(valid, ValidFlight), valid
        records = enrich_flight(valid.travelers, valid.flight, now)
        facts = [to_fact(r, n) for n, r in enumerate(records)]
        for fact in facts:
            fact["sid"] = SID
        payload = json.dumps(facts, separators=(",", ":"))
        out.append(Batch(request, valid, payload, len(facts), records))
    return out


class RawRulesets:
    """The pack's shards as plain C-extension rulesets, driven with no checks at all."""

    def __init__(self, compiled: CompiledPack) -> None:
        self.handles = [
            native.create_ruleset(f"benchraw{os.getpid()}s{n}", json.dumps(compiled.definition(n)))
            for n in range(len(compiled.shards))
        ]

    def evaluate(self, payload: str) -> int:
        firings = 0
        for handle in self.handles:
            result = native.assert_facts(handle, payload)
            state = result[1] if isinstance(result, tuple) else result
            action = native.start_action_for_state(handle, state)
            message = action[1] if action else None
            while message:
                firings += 1
                message = native.complete_and_start_action(handle, state)
            native.delete_state(handle, SID)
        return firings

    def close(self) -> None:
        for handle in self.handles:
            native.delete_ruleset(handle)


def _per_traveler(seconds: list[float], travelers: int) -> float:
    """Best round, in microseconds per traveler (the machine is shared and noisy)."""
    return min(seconds) / travelers * 1e6


def _breakdown(
    snapshot: Snapshot, batches: list[Batch], rounds: int, single: bool
) -> dict[str, float]:
    """Best-round microseconds per traveler of each stage of the server's work."""
    engine = snapshot.engine
    assert isinstance(engine, Engine)
    stages = (
        "validate",
        "enrich",
        "facts_of (the pack's fields, derived values)",
        "encode_facts (JSON)",
        "engine (evaluate_json)",
        "decide",
        "respond (to_proto + serialise)",
    )
    per_round: dict[str, list[float]] = {s: [] for s in stages}
    travelers = sum(b.count for b in batches)
    for _ in range(rounds):
        spent = dict.fromkeys(stages, 0.0)
        for batch in batches:
            t0 = time.perf_counter()
            valid = validate(batch.request, live=False)
            assert isinstance(valid, ValidFlight)
            t1 = time.perf_counter()
            now = dt.datetime.now(dt.UTC)
            records = enrich_flight(valid.travelers, valid.flight, now)
            t2 = time.perf_counter()
            facts = facts_of(records, snapshot.compiled)
            for fact in facts:
                fact["sid"] = SID
            t3 = time.perf_counter()
            payload = encode_facts(facts)
            t4 = time.perf_counter()
            fired = engine.evaluate_json(payload, len(facts), SID)
            t5 = time.perf_counter()
            decisions = [
                decide(snapshot, t.traveler_id, r, f, now)
                for t, r, f in zip(valid.travelers, records, fired, strict=True)
            ]
            t6 = time.perf_counter()
            if single:
                pb.ScreenResponse(decision=to_proto(decisions[0])).SerializeToString()
            else:
                pb.ScreenManifestResponse(
                    decisions=[to_proto(d) for d in decisions]
                ).SerializeToString()
            t7 = time.perf_counter()
            for stage, seconds in zip(
                stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6), strict=True
            ):
                spent[stage] += seconds
        for stage in stages:
            per_round[stage].append(spent[stage])
    return {stage: _per_traveler(v, travelers) for stage, v in per_round.items()}


def _shape(
    result: BenchmarkResult,
    label: str,
    batches: list[Batch],
    raw: RawRulesets,
    inproc: Snapshot,
    isolated: Snapshot,
    config: Config,
) -> None:
    engine = inproc.engine
    assert isinstance(engine, Engine)
    local, remote = Context(inproc), Context(isolated)
    travelers = sum(b.count for b in batches)

    def each(work: Callable[[Batch], object]) -> Callable[[], None]:
        def run() -> None:
            for batch in batches:
                work(batch)

        return run

    variants: dict[str, Callable[[], object]] = {
        "raw": each(lambda b: raw.evaluate(b.payload)),
        "floor": each(lambda b: engine.evaluate_json(b.payload, b.count, SID)),
        "service": each(lambda b: screen(local, b.request, live=False)),
        "isolated": each(lambda b: screen(remote, b.request, live=False)),
        "evaluate": each(lambda b: engine.evaluate(facts_of(b.records))),
    }
    timings = workload.interleaved(config.rounds, variants)
    us = {name: _per_traveler(seconds, travelers) for name, seconds in timings.items()}
    floor_name = "floor"
    result.compare(
        f"{label}: raw C-extension calls", us["raw"], "us/traveler", floor_name, us["floor"]
    )
    result.add(Row(f"{label}: floor = Engine.evaluate_json", us["floor"], "us/traveler"))
    result.compare(
        f"{label}: evaluate step alone (to_fact + encode + engine)",
        us["evaluate"],
        "us/traveler",
        floor_name,
        us["floor"],
    )
    result.compare(
        f"{label}: service path, in-process engine",
        us["service"],
        "us/traveler",
        floor_name,
        us["floor"],
        target=f"in-process evaluation <= {TARGET}x engine floor",
        check=lambda ratio: ratio <= TARGET,
    )
    result.compare(
        f"{label}: service path, isolated engine",
        us["isolated"],
        "us/traveler",
        floor_name,
        us["floor"],
    )
    stages = _breakdown(inproc, batches, config.rounds, single="single" in label)
    service_stages = sum(v for k, v in stages.items() if not k.startswith("respond"))
    for stage, value in stages.items():
        result.add(Row(f"{label}:   stage {stage}", value, "us/traveler"))
    result.details[label] = {
        "travelers": travelers,
        "batches": len(batches),
        "us_per_traveler": us,
        "samples_seconds": timings,
        "stages_us_per_traveler": stages,
        "stages_sum_without_respond": service_stages,
    }


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    geography.warm()
    inproc = build_snapshot(servers.BUNDLED_RULES)
    isolated = build_snapshot(servers.BUNDLED_RULES, options=EngineOptions(isolated=True))
    raw = RawRulesets(inproc.compiled)
    try:
        flights = workload.flights(FLIGHTS, FLIGHT_SIZE)
        flight_batches = batches_of(
            [pb.ScreenManifestRequest(manifest=f.manifest) for f in flights]
        )
        singles = batches_of([pb.ScreenRequest(traveler=t) for t in workload.travelers(SINGLES)])
        firings = sum(raw.evaluate(b.payload) for b in flight_batches)
        travelers = sum(b.count for b in flight_batches)
        result.notes.append(
            f"bundled pack: {len(inproc.compiled.rules)} rules in "
            f"{inproc.engine.shard_count} shards; {firings / travelers:.2f} firings per traveler "
            f"(sentinel included, one per shard) on {travelers} synthetic travelers"
        )
        result.notes.append(
            "stage rows break the in-process service path down (respond is the servicer's, "
            "outside the pipeline); every time is the best of "
            f"{config.rounds} alternating rounds"
        )
        _shape(result, f"flight of {FLIGHT_SIZE}", flight_batches, raw, inproc, isolated, config)
        _shape(result, "single traveler", singles, raw, inproc, isolated, config)
    finally:
        raw.close()
        inproc.engine.close()
        isolated.engine.close()
    return result
