"""Replay at scale: travelers per second with a baseline and a candidate pack, and memory.

    .venv/bin/python -m benchmarks.bench_replay            # 1,000,000 travelers
    .venv/bin/python -m benchmarks.bench_replay --quick    # 100,000
    .venv/bin/python -m benchmarks.bench_replay --travelers 10000000 --parquet --history without

The input is the independent evaluation population (`screening synth
--population evaluation`), written once before timing. Both packs are the
bundled one under two versions (a candidate that differs only in version
does all the work a real one does). Replay runs as `screening replay` does:
a local Dask cluster of one worker per core, with travel history (two
passes) and, for comparison in the same run, without it. The figure the
issue sets is 10,000 travelers/s on this 2-core machine; the worker memory
bound is 1 GiB per process whatever the input's size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_synth import run as synth
from screening_service.replay import replay

TARGET_PER_SECOND = 10_000
RSS_BOUND = 1 << 30
RULES = Path(__file__).resolve().parent.parent / "rules"
RESULTS = Path(__file__).resolve().parent / "results"


def _candidate(scratch: Path) -> Path:
    candidate = scratch / "candidate"
    shutil.copytree(RULES, candidate)
    pack = candidate / "pack.yaml"
    text = pack.read_text()
    start = text.index('version: "') + len('version: "')
    end = text.index('"', start)
    pack.write_text(text[:start] + text[start:end] + "-bench" + text[end:])
    return candidate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--travelers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 travelers")
    parser.add_argument("--parquet", action="store_true", help="input as Parquet partitions")
    parser.add_argument(
        "--history",
        choices=("both", "with", "without"),
        default="both",
        help="replay with travel history (the default when the packs read it), without, or both",
    )
    args = parser.parse_args()
    travelers = 100_000 if args.quick else args.travelers
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as scratch_name:
        scratch = Path(scratch_name)
        if args.parquet:  # an existing directory: Parquet partitions, one per million
            records = scratch / "population"
            records.mkdir()
        else:
            records = scratch / "population.jsonl"
        written = synth("input", records, travelers, processes=2, extra=["--seed", "7"])
        print(f"synth: {travelers:,} travelers in {written.seconds:.1f} s", flush=True)
        candidate = _candidate(scratch)
        results = {}
        for label, history in [("with history", True), ("without history", False)]:
            if args.history != "both" and (args.history == "with") != history:
                continue
            report = replay(candidate, records, RULES, history=history)
            rate = report.travelers_per_second
            rss = report.worker_peak_rss
            results[label] = {
                "travelers": report.travelers,
                "seconds": round(report.seconds, 1),
                "travelers_per_second": round(rate),
                "worker_peak_rss_mib": round(rss / 2**20),
            }
            met = "met" if rate >= TARGET_PER_SECOND else "NOT met"
            memory = "within" if rss <= RSS_BOUND else "OVER"
            print(
                f"replay {label}: {report.travelers:,} travelers in {report.seconds:.1f} s = "
                f"{rate:,.0f} travelers/s on {report.processes} workers "
                f"(target {TARGET_PER_SECOND:,}: {met}); peak worker RSS "
                f"{rss / 2**20:,.0f} MiB ({memory} the 1 GiB bound)",
                flush=True,
            )
    RESULTS.mkdir(exist_ok=True)
    name = f"replay_{travelers}{'_parquet' if args.parquet else ''}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
