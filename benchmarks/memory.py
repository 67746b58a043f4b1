"""Server memory over a long run: VmRSS while screening 1,000,000 travelers (100,000 quick).

The real `screening serve` on the bundled pack; the load generator (its own
process) sends `ScreenManifest` calls of 1,000-traveler synthetic flights (12
distinct flights, cycled; fresh decision ids every time), one at a time, and
reads ``/proc/<pid>/status`` VmRSS of the server process and of its whole
process tree (engine worker and warm standby) every 10 calls, i.e. every
10,000 travelers, between two calls (so every sample sees the server in the
same state: no request in flight). The drift is the change from the sample
after the first 10,000 travelers to the last one; the spread of all samples
is shown beside it, since one sample moves by a few MiB with the allocator.
"""

from __future__ import annotations

from typing import Final

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.load import SCREEN_MANIFEST, LoadSpec, run_load
from benchmarks.report import BenchmarkResult, Row

NAME: Final = "memory"
TITLE: Final = "server RSS over a long ScreenManifest run"
FLIGHT_SIZE: Final = 1000
FLIGHTS: Final = 12
SAMPLE_EVERY_CALLS: Final = 10
DRIFT_TARGET_PERCENT: Final = 5.0
SECONDS_PER_MILLION_BOUND: Final = 3600.0


def _slope(samples: list[tuple[int, int, int]]) -> float:
    """Least-squares slope of server VmRSS (KiB) over travelers screened."""
    xs = [float(s[0]) for s in samples]
    ys = [float(s[1]) for s in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    calls = max(SAMPLE_EVERY_CALLS * 2, config.memory_travelers // FLIGHT_SIZE)
    requests = workload.manifest_requests(FLIGHTS, FLIGHT_SIZE)
    bound = max(300.0, SECONDS_PER_MILLION_BOUND * calls * FLIGHT_SIZE / 1e6)
    with servers.screening() as server:
        load = run_load(
            LoadSpec(
                server.address,
                SCREEN_MANIFEST,
                requests,
                concurrency=1,
                max_calls=calls,
                max_seconds=bound,
                warmup_seconds=0.0,
                call_timeout=120,
                items_per_call=FLIGHT_SIZE,
                rss_root=server.pid,
                rss_every_calls=SAMPLE_EVERY_CALLS,
            )
        )
    samples = load.rss_samples
    if load.errors:
        result.notes.append(f"{load.errors} failed calls: {'; '.join(load.error_samples[:2])}")
    if len(samples) < 2:
        result.error = f"too few RSS samples ({len(samples)})"
        return result
    screened = load.calls * FLIGHT_SIZE
    first_done, first_root, first_tree = samples[0]
    last_done, last_root, last_tree = samples[-1]
    peak_root = max(s[1] for s in samples)
    peak_tree = max(s[2] for s in samples)
    mib = 1024.0
    result.add(Row("travelers screened", float(screened), "travelers"))
    result.add(Row("throughput over the run", screened / load.seconds, "travelers/s"))
    result.add(Row(f"server RSS after {first_done:,} travelers", first_root / mib, "MiB"))
    result.compare(
        f"server RSS after {last_done:,} travelers",
        last_root / mib,
        "MiB",
        f"after {first_done:,}",
        first_root / mib,
    )
    drift = (last_root - first_root) / first_root * 100.0
    result.add(
        Row(
            "server RSS drift",
            drift,
            "%",
            target=f"RSS drift within {DRIFT_TARGET_PERCENT:.0f}%",
            met=abs(drift) <= DRIFT_TARGET_PERCENT,
        )
    )
    tenth = samples[max(0, len(samples) // 10 - 1)]
    if tenth[0] > first_done:
        result.add(
            Row(
                f"server RSS drift from {tenth[0]:,} travelers to the end",
                (last_root - tenth[1]) / tenth[1] * 100.0,
                "%",
                note="after the first tenth of the run: warm-up (allocator pools, caches) left out",
            )
        )
    half = samples[len(samples) // 2 :]
    if len(half) >= 3:
        result.add(
            Row(
                "server RSS trend over the second half",
                _slope(half) * 100_000 / 1024,
                "MiB/100k travelers",
                note="least-squares slope of the samples; about 0 when memory has levelled off",
            )
        )
    low_root = min(s[1] for s in samples)
    result.add(Row("server RSS lowest sample", low_root / mib, "MiB"))
    result.add(Row("server RSS peak sample", peak_root / mib, "MiB"))
    tail = sorted(s[1] for s in samples[-max(1, len(samples) // 5) :])
    tail_drift = (tail[len(tail) // 2] - first_root) / first_root * 100.0
    result.add(
        Row(
            "server RSS drift, median of last 20% of samples",
            tail_drift,
            "%",
            note="less sensitive to where the allocator happens to be at the last sample",
        )
    )
    tree_drift = (last_tree - first_tree) / first_tree * 100.0
    result.add(Row(f"process tree RSS after {first_done:,}", first_tree / mib, "MiB"))
    result.add(Row(f"process tree RSS after {last_done:,}", last_tree / mib, "MiB"))
    result.add(Row("process tree RSS drift", tree_drift, "%"))
    result.add(Row("process tree RSS peak sample", peak_tree / mib, "MiB"))
    result.notes.append(
        "process tree = the server and its engine worker processes (active and warm standby); "
        "VmRSS summed, shared pages counted once per process"
    )
    result.notes.append(
        f"{calls} ScreenManifest calls of {FLIGHT_SIZE} travelers, 1 in flight, "
        f"RSS sampled every {SAMPLE_EVERY_CALLS * FLIGHT_SIZE:,} travelers; "
        "--quick: 100,000 travelers, default (--full): 1,000,000"
    )
    result.details["rss_samples_kib"] = [
        {"travelers": done, "server": root, "tree": tree} for done, root, tree in samples
    ]
    result.details["seconds"] = load.seconds
    result.details["stopped_by"] = load.stopped_by
    return result
