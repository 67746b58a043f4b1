"""`ScreenManifest` throughput in travelers/s, 300-traveler synthetic flights.

The real `screening serve` on the bundled pack, with 1 server process and,
when `screening serve --workers 2` starts, with 2 (SO_REUSEPORT; each
process with its own engine worker). The load generator is a separate
process keeping 1 or 4 manifests in flight (16 distinct flights, cycled).

Baseline, same run: the in-process ceiling, `pipeline.screen.screen` with the
isolated engine over the same flights in this process, one call at a time:
what one server process could do with no gRPC, no protobuf and no logging.
"""

from __future__ import annotations

import time
from typing import Final

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.load import SCREEN_MANIFEST, LoadSpec, run_load
from benchmarks.report import BenchmarkResult, Row, percentile
from screening_service import geography
from screening_service.pipeline.screen import Context, screen
from screening_service.proto import pb
from screening_service.runtime.packs import EngineOptions, build_snapshot

NAME: Final = "manifest_throughput"
TITLE: Final = "ScreenManifest throughput, 300-traveler flights"
FLIGHT_SIZE: Final = 300
FLIGHTS: Final = 16
LEVELS: Final = (1, 4)
TARGET: Final = 25_000.0


def in_process_ceiling(config: Config) -> float:
    """Travelers/s of the screening pipeline alone (isolated engine), best of the rounds."""
    geography.warm()
    snapshot = build_snapshot(servers.BUNDLED_RULES, options=EngineOptions(isolated=True))
    try:
        context = Context(snapshot)
        flights = workload.flights(FLIGHTS // 2, FLIGHT_SIZE)
        best = float("inf")
        for _ in range(max(3, config.rounds // 2)):
            started = time.perf_counter()
            for flight in flights:
                screen(context, pb.ScreenManifestRequest(manifest=flight.manifest), live=False)
            best = min(best, time.perf_counter() - started)
        return len(flights) * FLIGHT_SIZE / best
    finally:
        snapshot.engine.close()


def _measure(
    result: BenchmarkResult, workers: int, requests: list[bytes], config: Config
) -> float | None:
    """Best travelers/s over the levels with ``workers`` server processes; None if unavailable."""
    extra = ("--workers", str(workers)) if workers != 1 else ()
    try:
        server = servers.screening(servers.BUNDLED_RULES, *extra)
    except servers.ServerFailed as error:
        result.add(
            Row(
                f"{workers} workers",
                None,
                "travelers/s",
                note=f"`screening serve --workers {workers}` not available: {error}",
            )
        )
        return None
    best = 0.0
    with server:
        for level in LEVELS:
            load = run_load(
                LoadSpec(
                    server.address,
                    SCREEN_MANIFEST,
                    requests,
                    concurrency=level,
                    max_calls=config.max_calls,
                    max_seconds=config.load_seconds + 1,
                    call_timeout=60,
                    items_per_call=FLIGHT_SIZE,
                )
            )
            travelers_per_second = load.throughput * FLIGHT_SIZE
            best = max(best, travelers_per_second)
            result.details[f"workers={workers} in_flight={level}"] = {
                "calls": load.calls,
                "errors": load.errors,
                "seconds": load.seconds,
                "travelers_per_second": travelers_per_second,
                "p50_ms": percentile(load.latencies, 50) * 1e3,
                "p99_ms": percentile(load.latencies, 99) * 1e3,
            }
            result.add(
                Row(
                    f"{workers} worker{'s' if workers > 1 else ''}, {level} in flight",
                    travelers_per_second,
                    "travelers/s",
                    note=(
                        f"{load.errors} errors: {'; '.join(load.error_samples[:2])}"
                        if load.errors
                        else ""
                    ),
                )
            )
            result.add(
                Row(
                    f"{workers} worker{'s' if workers > 1 else ''}, {level} in flight: p50 call",
                    percentile(load.latencies, 50) * 1e3,
                    "ms",
                )
            )
    return best


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    requests = workload.manifest_requests(FLIGHTS, FLIGHT_SIZE)
    ceiling = in_process_ceiling(config)
    result.add(
        Row(
            "in-process ceiling (pipeline.screen.screen, isolated engine, 1 core)",
            ceiling,
            "travelers/s",
        )
    )
    one = _measure(result, 1, requests, config)
    result.compare("1 worker, best", one, "travelers/s", "in-process ceiling", ceiling)
    help_text = servers.serve_help()
    if "--workers" not in help_text:
        result.add(
            Row(
                "2 workers, best",
                None,
                "travelers/s",
                target=f"ScreenManifest >= {TARGET:,.0f} travelers/s with 2 workers",
                note="`screening serve --help` has no --workers option: not available",
            )
        )
        return result
    two = _measure(result, 2, requests, config)
    row = result.compare("2 workers, best", two, "travelers/s", "1 worker", one)
    row.target = f"ScreenManifest >= {TARGET:,.0f} travelers/s with 2 workers"
    row.met = None if two is None else two >= TARGET
    row.note = "the load client runs on the same 2 cores"
    result.notes.append(
        f"{FLIGHTS} distinct synthetic flights of {FLIGHT_SIZE}, cycled; each level 1 s warm-up "
        f"then up to {config.load_seconds + 1:.0f} s; the load client is its own process on the "
        "same cores"
    )
    return result
