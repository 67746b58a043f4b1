"""One source tree's side of `benchmarks.bench_history_overhead`, in its own process.

    PYTHONPATH=TREE:. python benchmarks/history_overhead_worker.py '{"history_travelers": ...}'

Run as a script, so that ``PYTHONPATH`` decides which tree's
`screening_service` it measures (an older tree has no copy of this file).
It pre-fills a history store through the pipeline, prints ``ready`` with the
store's size as JSON, then for each line on stdin (``with`` or ``without``)
screens the measured flights once and prints the CPU microseconds per
traveler. Only names every tree has are used: `benchmarks.servers`,
`open_history`, `HistoryOptions`, `Context`, `screen`, `PseudonymKey`.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import screening_service
from benchmarks import servers
from screening_service import geography
from screening_service.history import open_history
from screening_service.pipeline.history import HistoryOptions
from screening_service.pipeline.screen import Context, FlightResult, screen
from screening_service.proto import pb
from screening_service.pseudonyms import PseudonymKey
from screening_service.runtime.packs import build_snapshot
from screening_service.synthetic import generate_population

FLIGHT_SIZE: Final = 300
MEASURED_START: Final = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
MEASURED_SPAN_DAYS: Final = 2
HISTORY_DAYS: Final = 90
NOW: Final = MEASURED_START + dt.timedelta(days=MEASURED_SPAN_DAYS)
KEY: Final = PseudonymKey(bytes(range(32)))  # fixed and obviously synthetic: reproducible
HISTORY_SEED: Final = 18_001
MEASURED_SEED: Final = 18_002


def requests(
    travelers: int, seed: int, start: dt.datetime, days: int
) -> list[pb.ScreenManifestRequest]:
    return [
        pb.ScreenManifestRequest(manifest=f.manifest)
        for f in generate_population(
            travelers, seed, flight_size=(FLIGHT_SIZE, FLIGHT_SIZE), start=start, span_days=days
        )
    ]


def screen_all(context: Context, batch: list[pb.ScreenManifestRequest], now: dt.datetime) -> None:
    for request in batch:
        result = screen(context, request, now=now, live=False)
        assert isinstance(result, FlightResult)
        assert not result.caveats


def prefill(template: Path, base: Context, travelers: int) -> dict[str, object]:
    """Record ``travelers`` over the days before the measured flights; the store's size."""
    started = time.perf_counter()
    store = open_history(f"sqlite:{template}", data_dir=template.parent)
    assert store is not None
    earlier = MEASURED_START - dt.timedelta(days=HISTORY_DAYS)
    history = Context(base.snapshot, None, HistoryOptions(store, KEY))
    screen_all(history, requests(travelers, HISTORY_SEED, earlier, HISTORY_DAYS), MEASURED_START)
    stats = store.stats()
    store.close()
    return {
        "events": stats.events,
        "flights": stats.flights,
        "size_bytes": stats.size_bytes,
        "schema_version": stats.schema_version,
        "fill_seconds": round(time.perf_counter() - started, 1),
        "tree": str(Path(screening_service.__file__).parent.parent),
    }


def one_round(
    variant: str, base: Context, measured: list[pb.ScreenManifestRequest], template: Path
) -> float:
    """CPU microseconds per traveler to screen ``measured`` once, with or without history."""
    store = None
    context = base
    if variant == "with":
        path = template.with_name("round.sqlite3")
        shutil.copyfile(template, path)
        store = open_history(f"sqlite:{path}", data_dir=path.parent)
        assert store is not None
        context = Context(base.snapshot, None, HistoryOptions(store, KEY))
    # What the last round or the store's start-up left to collect is not this round's.
    gc.collect()
    started = time.process_time()
    screen_all(context, measured, NOW)
    seconds = time.process_time() - started
    if store is not None:
        store.close()
        for leftover in template.parent.glob("round.sqlite3*"):
            leftover.unlink()
    return seconds / sum(len(r.manifest.travelers) for r in measured) * 1e6


def main(settings: dict[str, int]) -> None:
    geography.warm()
    base = Context(build_snapshot(servers.BUNDLED_RULES))
    measured = requests(
        settings["flights"] * FLIGHT_SIZE, MEASURED_SEED, MEASURED_START, MEASURED_SPAN_DAYS
    )
    directory = Path(tempfile.mkdtemp(prefix="bench-history-overhead-"))
    try:
        template = directory / "template.sqlite3"
        filled = prefill(template, base, settings["history_travelers"])
        print(f"ready {json.dumps(filled)}", flush=True)
        for line in sys.stdin:
            print(f"{one_round(line.strip(), base, measured, template):.3f}", flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
