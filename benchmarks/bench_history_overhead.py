"""What travel history adds to the in-process cost per traveler: the same flights with and without.

    .venv/bin/python -m benchmarks.bench_history_overhead            # ~100k events, 7 rounds
    .venv/bin/python -m benchmarks.bench_history_overhead --quick    # ~20k events, 5 rounds

Issue 18's budget: history may add at most 25% to the in-process cost per
traveler. Both variants run `pipeline.screen.screen` (validate, enrich,
history, facts, in-process engine, decide; ``live=False``, one ``now``) over
the same synthetic 300-traveler flights (`synthetic.generate_population`),
each flight screened once per round; one variant has no history
(``Context(snapshot)``), the other records and counts every flight in the
embedded SQLite store (``Context(snapshot, None, HistoryOptions(store, key))``,
opened as the service opens it, metrics included).

The store starts each round as a fresh copy of a pre-filled file, so the
counts grow as they would live and no flight is ever re-screened (which the
store could answer without writing): ``--history-travelers`` travelers on
flights spread over the ``--history-days`` before the measured flights,
recorded once through the same pipeline. Rounds alternate the variants in a
rotating order so that the machine's noise (shared with other work) falls on
both alike; the time is the process's CPU time (SQLite runs in-process),
reported per traveler. The verdict compares the median of the per-round
ratios with the 1.25 target. Results go to
``benchmarks/results/history_overhead.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks import report, servers
from screening_service import geography
from screening_service.history import HistoryStore, open_history
from screening_service.pipeline.history import HistoryOptions
from screening_service.pipeline.screen import Context, FlightResult, screen
from screening_service.proto import pb
from screening_service.pseudonyms import PseudonymKey
from screening_service.runtime.packs import build_snapshot
from screening_service.synthetic import generate_population

NAME: Final = "history_overhead"
TARGET_RATIO: Final = 1.25
FLIGHT_SIZE: Final = 300
MEASURED_START: Final = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
MEASURED_SPAN_DAYS: Final = 2
NOW: Final = MEASURED_START + dt.timedelta(days=MEASURED_SPAN_DAYS)
# A fixed, obviously synthetic key: the benchmark's pseudonyms are reproducible.
KEY: Final = PseudonymKey(bytes(range(32)))
RESULT_FILE: Final = report.RESULTS_DIR / f"{NAME}.json"


@dataclass(frozen=True)
class Settings:
    history_travelers: int
    history_days: int
    flights: int
    rounds: int


FULL: Final = Settings(history_travelers=100_000, history_days=90, flights=20, rounds=7)
QUICK: Final = Settings(history_travelers=20_000, history_days=90, flights=8, rounds=5)


def _requests(
    travelers: int, seed: int, start: dt.datetime, days: int
) -> list[pb.ScreenManifestRequest]:
    return [
        pb.ScreenManifestRequest(manifest=f.manifest)
        for f in generate_population(
            travelers, seed, flight_size=(FLIGHT_SIZE, FLIGHT_SIZE), start=start, span_days=days
        )
    ]


def _screen_all(context: Context, requests: list[pb.ScreenManifestRequest]) -> None:
    for request in requests:
        result = screen(context, request, now=NOW, live=False)
        assert isinstance(result, FlightResult)
        assert not result.caveats


def _open(path: Path) -> HistoryStore:
    store = open_history(f"sqlite:{path}", data_dir=path.parent, instrumented=True)
    assert store is not None
    return store


def prefill(path: Path, settings: Settings, snapshot_context: Context) -> dict[str, object]:
    """Record the pre-existing history into ``path`` through the pipeline; its stats."""
    start = MEASURED_START - dt.timedelta(days=settings.history_days)
    requests = _requests(settings.history_travelers, 18_001, start, settings.history_days)
    store = _open(path)
    try:
        options = HistoryOptions(store, KEY)
        context = Context(snapshot_context.snapshot, None, options)
        for request in requests:
            screen(context, request, now=MEASURED_START, live=False)
        stats = store.stats()
    finally:
        store.close()
    return {
        "events": stats.events,
        "flights": stats.flights,
        "travelers": stats.travelers,
        "minor_companion_links": stats.companion_links,
        "size_bytes": stats.size_bytes,
        "schema_version": stats.schema_version,
    }


def _cpu(work: Callable[[], None]) -> float:
    # What the last round or the store's start-up left to collect is not this round's cost.
    gc.collect()
    started = time.process_time()
    work()
    return time.process_time() - started


def run(settings: Settings) -> dict[str, object]:
    geography.warm()
    base = Context(build_snapshot(servers.BUNDLED_RULES))
    requests = _requests(settings.flights * FLIGHT_SIZE, 18_002, MEASURED_START, MEASURED_SPAN_DAYS)
    travelers = sum(len(r.manifest.travelers) for r in requests)
    with tempfile.TemporaryDirectory(prefix="bench-history-overhead-") as directory:
        template = Path(directory) / "template.sqlite3"
        started = time.perf_counter()
        history = prefill(template, settings, base)
        fill_seconds = time.perf_counter() - started
        print(
            f"history: {history['events']:,} events on {history['flights']} flights over "
            f"{settings.history_days} days, {int(history['size_bytes']) / 1e6:.1f} MB "  # type: ignore[call-overload]
            f"(filled in {fill_seconds:.0f} s)",
            flush=True,
        )

        def without() -> float:
            return _cpu(lambda: _screen_all(base, requests))

        def with_history() -> float:
            path = Path(directory) / "round.sqlite3"
            shutil.copyfile(template, path)
            store = _open(path)
            try:
                context = Context(base.snapshot, None, HistoryOptions(store, KEY))
                return _cpu(lambda: _screen_all(context, requests))
            finally:
                store.close()
                for leftover in Path(directory).glob("round.sqlite3*"):
                    leftover.unlink()

        variants = {"without": without, "with": with_history}
        samples: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for n in range(settings.rounds + 1):  # the first round warms up and is dropped
            order = names if n % 2 == 0 else names[::-1]
            for name in order:
                seconds = variants[name]()
                if n:
                    samples[name].append(seconds / travelers * 1e6)
    ratios = [w / o for w, o in zip(samples["with"], samples["without"], strict=True)]
    ratio = statistics.median(ratios)
    return {
        "travelers_per_round": travelers,
        "flights_per_round": len(requests),
        "flight_size": FLIGHT_SIZE,
        "rounds": settings.rounds,
        "history": history | {"days": settings.history_days},
        "without_us_per_traveler": samples["without"],
        "with_us_per_traveler": samples["with"],
        "without_median": statistics.median(samples["without"]),
        "with_median": statistics.median(samples["with"]),
        "ratios": ratios,
        "ratio_median": ratio,
        "target_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_history_overhead", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="less history, fewer flights and rounds"
    )
    parser.add_argument("--rounds", type=int, help="timed rounds (after one warm-up)")
    parser.add_argument("--history-travelers", type=int, help="travelers already in the history")
    parser.add_argument("--no-json", action="store_true", help="do not write the results file")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    settings = Settings(
        history_travelers=args.history_travelers or settings.history_travelers,
        history_days=settings.history_days,
        flights=settings.flights,
        rounds=max(1, args.rounds or settings.rounds),
    )
    started = dt.datetime.now(dt.UTC)
    info = report.machine()
    result = run(settings)
    without = result["without_us_per_traveler"]
    with_ = result["with_us_per_traveler"]
    assert isinstance(without, list) and isinstance(with_, list)
    ratio = float(result["ratio_median"])  # type: ignore[arg-type]
    verdict = "met" if result["met"] else "MISSED"
    print(
        f"in-process screen, {result['flights_per_round']} flights of {FLIGHT_SIZE} "
        f"({result['travelers_per_round']:,} travelers) x {settings.rounds} rounds, CPU us/traveler:\n"
        f"  without history  median {statistics.median(without):7.1f}  best {min(without):7.1f}\n"
        f"  with history     median {statistics.median(with_):7.1f}  best {min(with_):7.1f}\n"
        f"  with / without   median of per-round ratios {ratio:.3f} "
        f"(best/best {min(with_) / min(without):.3f}); target <= {TARGET_RATIO} {verdict}"
    )
    if not args.no_json:
        RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "started": started.isoformat(),
            "finished": dt.datetime.now(dt.UTC).isoformat(),
            "machine": info
            | {"load_average_at_end": [round(x, 2) for x in __import__("os").getloadavg()[:2]]},
            "arguments": {"quick": args.quick} | vars(settings),
            "result": result,
        }
        RESULT_FILE.write_text(json.dumps(document, indent=2, default=str) + "\n")
        print(f"results: {RESULT_FILE.relative_to(report.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
