"""Per-traveler cost of the pipeline's own Python steps, against the whole in-process path.

A synthetic population (`generate_population(20,000, seed 1, scenario rate
0.005)`, flights of the default sizes) is screened with the bundled pack.
Every step is timed on the same travelers, prepared once before any timing
(validated, enriched, aggregates written, fired rules from `screen`):

* derived values: `Derivations.extras` (closures compiled once per pack)
  against the reference tree-walking evaluator (`rules.kleene.Evaluator`)
  over the same derivations, the baseline; both must agree on every
  traveler, or the benchmark fails;
* `to_fact` (the pack's fields and derived values of one record);
* `decide` (scoring, evidence, the quiet decision of a traveler no rule
  fired for);
* the whole path: `pipeline.screen.screen` (``live=False``) per flight.

Each row is the best of the interleaved rounds, in microseconds per traveler;
a step's ratio to the whole path is its share of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.report import BenchmarkResult, Row
from screening_service import geography
from screening_service.engine.facts import to_fact
from screening_service.pipeline.decide import decide
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.records import Traveler
from screening_service.pipeline.screen import Context, FlightResult, screen, validate
from screening_service.pipeline.validate import ValidFlight
from screening_service.proto import pb
from screening_service.rules.derive import Derivations, Evaluator
from screening_service.runtime.packs import build_snapshot
from screening_service.synthetic import generate_population
from screening_service.values import Record

NAME: Final = "per_traveler"
TITLE: Final = "derived values, to_fact and decide per traveler, and the whole in-process path"
TRAVELERS: Final = 20_000
SEED: Final = 1
SCENARIO_RATE: Final = 0.005
NOW: Final = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)


def interpreted_extras(derivations: Derivations, record: Record) -> dict[str, bool]:
    """What `Derivations.extras` returns, by the reference evaluator (the baseline)."""
    evaluator = Evaluator(record)
    found: dict[str, bool] = {}
    for derivation in derivations.items:
        truth = evaluator.truth(derivation.node)
        if truth is not None:
            found[derivation.name] = truth
    return found


@dataclass
class Prepared:
    requests: list[pb.ScreenManifestRequest]
    travelers: list[Traveler]
    records: list[Record]
    extras: list[dict[str, bool]]
    fired: list[set[int]]


def _prepare(context: Context) -> Prepared:
    derivations = context.snapshot.compiled.derivations
    prepared = Prepared([], [], [], [], [])
    for flight in generate_population(TRAVELERS, SEED, SCENARIO_RATE):
        request = pb.ScreenManifestRequest(manifest=flight.manifest)
        result = screen(context, request, now=NOW, live=False)
        assert isinstance(result, FlightResult), result
        valid = validate(request, live=False)
        assert isinstance(valid, ValidFlight), valid
        records = enrich_flight(valid.travelers, valid.flight, NOW)
        derivations.aggregate(records)
        prepared.requests.append(request)
        prepared.travelers += valid.travelers
        prepared.records += records
        prepared.fired += result.fired
    prepared.extras = [derivations.extras(r) for r in prepared.records]
    return prepared


def _disagreements(derivations: Derivations, prepared: Prepared) -> list[int]:
    return [
        n
        for n, (record, extras) in enumerate(zip(prepared.records, prepared.extras, strict=True))
        if interpreted_extras(derivations, record) != extras
    ]


def _variants(context: Context, prepared: Prepared) -> dict[str, Callable[[], object]]:
    snapshot = context.snapshot
    derivations = snapshot.compiled.derivations
    fields = snapshot.compiled.fact_fields
    records: Sequence[Record] = prepared.records
    pairs = list(zip(records, prepared.extras, strict=True))
    triples = list(zip(prepared.travelers, records, prepared.fired, strict=True))
    return {
        "extras_interpreted": lambda: [interpreted_extras(derivations, r) for r in records],
        "extras": lambda: [derivations.extras(r) for r in records],
        "to_fact": lambda: [to_fact(r, n, e, fields) for n, (r, e) in enumerate(pairs)],
        "decide": lambda: [
            decide(snapshot, t.traveler_id, r, f, NOW, observations=t.observations)
            for t, r, f in triples
        ],
        "path": lambda: [screen(context, q, now=NOW, live=False) for q in prepared.requests],
    }


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    geography.warm()
    snapshot = build_snapshot(servers.BUNDLED_RULES)
    context = Context(snapshot)
    try:
        prepared = _prepare(context)
        travelers = len(prepared.records)
        derivations = snapshot.compiled.derivations
        wrong = _disagreements(derivations, prepared)
        if wrong:
            result.error = (
                f"compiled derived values differ from the evaluator's on {len(wrong)} "
                f"of {travelers} travelers (first: record {wrong[0]})"
            )
        timings = workload.interleaved(config.rounds, _variants(context, prepared))
        us = {name: min(seconds) / travelers * 1e6 for name, seconds in timings.items()}
        result.add(
            Row("derived values, reference evaluator", us["extras_interpreted"], "us/traveler")
        )
        result.compare(
            "derived values, compiled closures (Derivations.extras)",
            us["extras"],
            "us/traveler",
            "reference evaluator",
            us["extras_interpreted"],
        )
        path = us["path"]
        for name in ("to_fact", "decide"):
            result.compare(name, us[name], "us/traveler", "whole path", path)
        result.add(Row("whole in-process path: screen(live=False)", path, "us/traveler"))
        result.notes.append(
            f"{travelers:,} synthetic travelers in {len(prepared.requests)} flights "
            f"(generate_population({TRAVELERS}, {SEED}, {SCENARIO_RATE})); bundled pack: "
            f"{len(derivations.items)} derived values, {len(snapshot.compiled.rules)} rules; "
            f"{sum(1 for f in prepared.fired if f) / travelers:.0%} of travelers fire a rule"
        )
        result.notes.append(
            f"best of {config.rounds} interleaved rounds; a step's ratio to the whole path is its "
            f"share of it (derived values: {us['extras'] / path:.2f}x)"
        )
        result.details.update(
            {
                "travelers": travelers,
                "flights": len(prepared.requests),
                "us_per_traveler": us,
                "samples_seconds": timings,
            }
        )
    finally:
        snapshot.engine.close()
    return result
