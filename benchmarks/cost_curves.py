"""How cost grows: with the pack's rule count, the flight's size and the lookout list's size.

* pack size: generated packs of 30, 100 and 300 rules, written to a
  temporary directory with a ``pack.yaml``, in two families: ``dense`` is
  ``tests/rules/packs.py``'s ``generated_rules`` (rules on shared
  fields, a third with an ``or``; an adult fires dozens of them), ``sparse``
  has distinct rules of which an ordinary traveler fires about none (so the
  cost is the rule count's, not the firings'); per traveler, the in-process
  service path (`pipeline.screen.screen`, in-process engine) and the engine floor
  (`Engine.evaluate_json` on pre-encoded facts), on the same 300-traveler
  flights; the bundled pack for reference;
* flight size: the server's work for one `ScreenManifest` of 10, 100 and
  1,000 travelers, without the transport: validate, `pipeline.screen.screen` with
  the isolated engine (as `screening serve` runs it), respond (to_proto and
  serialise the response);
* lookout list size: 1,000 and 100,000 synthetic entries
  (`lookout.synthetic`): the index alone (`match_many` of 1,000 travelers)
  and the service path (`pipeline.screen.screen` on 1,000-traveler flights with the
  index as the live lookout list, against no list), when the lookout module
  exists and the pipeline takes a list.

Times are the best of the alternating rounds (the machine is shared).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.report import BenchmarkResult, Row
from screening_service import geography
from screening_service.engine.facts import to_fact
from screening_service.engine.native import SIDS, Engine
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.respond import to_proto
from screening_service.pipeline.screen import Context, screen, validate
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import Invalid, ValidFlight
from screening_service.proto import pb
from screening_service.runtime.packs import EngineOptions, build_snapshot
from screening_service.synthetic import GeneratedFlight
from tests.rules.packs import generated_rules

NAME: Final = "cost_curves"
TITLE: Final = "cost curves: pack size, flight size, lookout list size"
PACK_SIZES: Final = (30, 100, 300)
FLIGHT_SIZES: Final = ((10, 30), (100, 10), (1000, 3))  # (size, flights per round)
FLIGHT_RATIO_TARGET: Final = 12.0
LIST_SIZES: Final = (1_000, 100_000)
PACK_FLIGHTS: Final = 4
LOOKOUT_FLIGHTS: Final = 2

PACK_YAML: Final = """\
pack:
  name: Generated benchmark pack
  version: "bench-1"
  thresholds: {interview: 50, priority_interview: 100}
  typologies:
    child_trafficking: {title: Child trafficking}
    trafficking_general: {title: Trafficking}
"""


def sparse_rules(count: int) -> str:
    """``count`` distinct rules of which an ordinary traveler fires about none.

    Rule i asks for one age and a booking made at most a few hours ahead:
    every rule is evaluated, almost none fires, so the cost is the rule
    count's, not the firings'.
    """
    lines = ["rules:"]
    for i in range(count):
        age, hours = 18 + i % 89, i % 47
        lines += [
            f"  - id: sparse-{i:03d}",
            f"    title: Sparse rule {i}",
            "    typology: trafficking_general",
            "    weight: 1",
            "    rationale: generated",
            "    source: generated",
            f"    when: 'traveler.age_years == {age} and "
            f"booking.hours_before_departure <= {hours}.5'",
            "    examples:",
            f"      refer: [{{traveler.age_years: {age}, "
            f"booking.hours_before_departure: {hours}.0}}]",
            f"      pass: [{{traveler.age_years: {age + 1}, "
            f"booking.hours_before_departure: {hours}.0}}]",
        ]
    return "\n".join(lines) + "\n"


def write_generated_pack(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pack.yaml").write_text(PACK_YAML)
    (directory / "generated.yaml").write_text(text)
    return directory


def _screen_all(context: Context, flights: list[GeneratedFlight]) -> None:
    for f in flights:
        screen(context, pb.ScreenManifestRequest(manifest=f.manifest), live=False)


def _best(timings: dict[str, list[float]]) -> dict[str, float]:
    return {name: min(values) for name, values in timings.items()}


def pack_sizes(result: BenchmarkResult, config: Config) -> None:
    flights = workload.flights(PACK_FLIGHTS, 300)
    travelers = PACK_FLIGHTS * 300
    now = dt.datetime.now(dt.UTC)
    records = []
    for f in flights:
        valid = validate(pb.ScreenManifestRequest(manifest=f.manifest), live=False)
        assert isinstance(valid, ValidFlight)
        records.append(enrich_flight(valid.travelers, valid.flight, now))
    payloads = []
    for flight_records in records:
        facts = [to_fact(r, n) for n, r in enumerate(flight_records)]
        for fact in facts:
            fact["sid"] = SIDS[0]
        payloads.append(json.dumps(facts, separators=(",", ":")))
    snapshots: dict[str, Snapshot] = {}
    build_seconds: dict[str, float] = {}
    variants: dict[str, Callable[[], object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-packs-") as tmp:
        packs = {"bundled": servers.BUNDLED_RULES}
        for count in PACK_SIZES:
            packs[f"dense {count}"] = write_generated_pack(
                Path(tmp) / f"dense{count}", generated_rules(count)
            )
            packs[f"sparse {count}"] = write_generated_pack(
                Path(tmp) / f"sparse{count}", sparse_rules(count)
            )
        for label, directory in packs.items():
            started = time.perf_counter()
            snapshots[label] = build_snapshot(directory)
            build_seconds[label] = time.perf_counter() - started
    try:
        for label, snapshot in snapshots.items():
            engine = snapshot.engine
            assert isinstance(engine, Engine)

            context = Context(snapshot)

            def service(context: Context = context) -> None:
                _screen_all(context, flights)

            def floor(engine: Engine = engine) -> None:
                for payload in payloads:
                    engine.evaluate_json(payload, 300, SIDS[0])

            variants[f"{label} service"] = service
            variants[f"{label} floor"] = floor
        best = _best(workload.interleaved(config.rounds, variants))
        fired = {
            label: sum(
                len(hits)
                for payload in payloads
                for hits in snap_engine.evaluate_json(payload, 300, SIDS[0])
            )
            / travelers
            for label, snapshot in snapshots.items()
            if isinstance(snap_engine := snapshot.engine, Engine)
        }
    finally:
        for snapshot in snapshots.values():
            snapshot.engine.close()
    for label, snapshot in snapshots.items():
        family = label.split()[0]
        base = f"{family} {PACK_SIZES[0]}" if family != "bundled" else f"sparse {PACK_SIZES[0]}"
        shards = snapshot.engine.shard_count
        note = (
            f"{len(snapshot.compiled.rules)} rules, {shards} shards, {fired[label]:.1f} rules "
            f"fired per traveler, pack built and proven in {build_seconds[label]:.2f} s"
        )
        us = best[f"{label} service"] / travelers * 1e6
        floor_us = best[f"{label} floor"] / travelers * 1e6
        baseline_us = best[f"{base} service"] / travelers * 1e6
        result.compare(
            f"pack {label}: service path", us, "us/traveler", f"{base}", baseline_us, note=note
        )
        result.compare(
            f"pack {label}: engine floor",
            floor_us,
            "us/traveler",
            f"{base} floor",
            best[f"{base} floor"] / travelers * 1e6,
        )
    result.details["pack_sizes"] = {
        "best_seconds": best,
        "travelers": travelers,
        "fired_per_traveler": fired,
        "build_seconds": build_seconds,
    }


def flight_sizes(result: BenchmarkResult, config: Config) -> None:
    snapshot = build_snapshot(servers.BUNDLED_RULES, options=EngineOptions(isolated=True))
    context = Context(snapshot)
    sets = {size: workload.flights(count, size) for size, count in FLIGHT_SIZES}

    def server_work(manifest: pb.Manifest) -> bytes:
        result = screen(context, pb.ScreenManifestRequest(manifest=manifest), live=False)
        if isinstance(result, Invalid):
            raise AssertionError("a synthetic flight failed validation")
        decisions = result.decisions
        response = pb.ScreenManifestResponse(decisions=[to_proto(d) for d in decisions])
        return response.SerializeToString()

    variants: dict[str, Callable[[], object]] = {}
    for size, flights in sets.items():

        def work(flights: list[GeneratedFlight] = flights) -> None:
            for flight in flights:
                server_work(flight.manifest)

        variants[str(size)] = work
    try:
        best = _best(workload.interleaved(config.rounds, variants))
    finally:
        snapshot.engine.close()
    per_flight = {size: best[str(size)] / len(sets[size]) for size in sets}
    for size in sets:
        result.add(
            Row(
                f"flight of {size}: server work per flight",
                per_flight[size] * 1e3,
                "ms",
                note=f"{per_flight[size] / size * 1e6:.0f} us/traveler" if size == 10 else "",
            )
        )
    result.compare(
        "flight of 100 vs 10: cost ratio",
        per_flight[100] * 1e3,
        "ms",
        "flight of 10",
        per_flight[10] * 1e3,
    )
    result.compare(
        "flight of 1000 vs 100: cost ratio",
        per_flight[1000] * 1e3,
        "ms",
        "flight of 100",
        per_flight[100] * 1e3,
        target=f"1000-traveler flight <= {FLIGHT_RATIO_TARGET:.0f}x a 100-traveler flight",
        check=lambda ratio: ratio <= FLIGHT_RATIO_TARGET,
    )
    result.details["flight_sizes"] = {
        "seconds_per_flight": per_flight,
        "flights_per_round": {size: len(f) for size, f in sets.items()},
    }


def lookout_sizes(result: BenchmarkResult, config: Config) -> None:
    try:
        from screening_service.lookout import LookoutIndex  # noqa: PLC0415
        from screening_service.lookout.synthetic import (  # noqa: PLC0415
            synthetic_entries,
            synthetic_travelers,
        )
    except ImportError as error:
        result.add(Row("lookout list", None, "ms", note=f"lookout index not available: {error}"))
        return
    queries = synthetic_travelers(1000, seed=7)
    flights = workload.flights(LOOKOUT_FLIGHTS, 1000)
    snapshot = build_snapshot(servers.BUNDLED_RULES)
    indexes: dict[int, LookoutIndex] = {}
    build: dict[int, float] = {}
    for size in LIST_SIZES:
        entries = synthetic_entries(size, seed=2024)
        started = time.perf_counter()
        indexes[size] = LookoutIndex.build(entries)
        build[size] = time.perf_counter() - started
        del entries
    variants: dict[str, Callable[[], object]] = {}
    for size, index in indexes.items():

        def match_all(index: LookoutIndex = index) -> None:
            index.match_many(queries)

        variants[f"match {size}"] = match_all
    contexts: dict[str, Context] = {"no list": Context(snapshot)}
    for size, index in indexes.items():
        contexts[f"{size:,} entries"] = Context(snapshot, index)
    for label, context in contexts.items():

        def screen_flights(context: Context = context) -> None:
            _screen_all(context, flights)

        variants[f"screen {label}"] = screen_flights
    try:
        best = _best(workload.interleaved(config.rounds, variants))
    finally:
        snapshot.engine.close()
    hits = {size: sum(len(h) for h in index.match_many(queries)) for size, index in indexes.items()}
    small = LIST_SIZES[0]
    for size in LIST_SIZES:
        match = best[f"match {size}"]
        result.compare(
            f"lookout {size:,} entries: index match, 1,000 travelers",
            match * 1e3,
            "ms",
            f"{small:,} entries" if size != small else "",
            best[f"match {small}"] * 1e3 if size != small else None,
            note=f"index built in {build[size]:.2f} s; {hits[size]} hits on 1,000 "
            f"lookout.synthetic travelers; {match / len(queries) * 1e6:.0f} us/traveler",
        )
    travelers = LOOKOUT_FLIGHTS * 1000
    base = best["screen no list"] / travelers * 1e6
    for label in contexts:
        result.compare(
            f"service path, lookout {label}",
            best[f"screen {label}"] / travelers * 1e6,
            "us/traveler",
            "no list" if label != "no list" else "",
            base if label != "no list" else None,
        )
    result.details["lookout"] = {
        "build_seconds": build,
        "best_seconds": best,
        "hits": hits,
        "service_travelers": travelers,
    }
    result.notes.append(
        "lookout: index rows time LookoutIndex.match_many of 1,000 lookout.synthetic travelers; "
        "service rows time pipeline.screen.screen (in-process engine) on 1,000-traveler "
        "flights with the index as the live lookout list"
    )


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    geography.warm()
    pack_sizes(result, config)
    flight_sizes(result, config)
    lookout_sizes(result, config)
    result.notes.append(f"best of {config.rounds} alternating rounds")
    return result
