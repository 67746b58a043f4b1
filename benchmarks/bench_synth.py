"""`screening synth --population evaluation`: travelers/s and memory, per output format.

Run with ``.venv/bin/python -m benchmarks.bench_synth`` (1,000,000 travelers
to JSON lines and to Parquet partitions) or ``--quick`` (100,000);
``--population scenarios`` measures the scenario population (the CLI's
default) instead. Each run
is the real command in its own process (``--processes`` defaults to every
core), so the figure includes start-up, spawning the drawing processes and
writing. Memory is the resident set of the whole process tree, sampled every
0.2 s: its peak, and its value at a quarter and at the end of the run, so a
growth with the number of travelers shows. Other work on this shared
2-core machine slows the run: the load average is printed beside it, and
so is the CPU time of the process tree per traveler, with the rate it
would allow if every core were free (cores / CPU per traveler).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET = 100_000  # travelers/s (issue 19)
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack += [int(child) for child in children]
    return found


def _rss_mb(pid: int) -> float:
    total = 0
    for member in _tree(pid):
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE_KB / 1024


@dataclass(frozen=True)
class Run:
    label: str
    travelers: int
    seconds: float
    peak_mb: float
    quarter_mb: float
    last_mb: float
    load: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.travelers / self.seconds


def run(
    label: str,
    out: Path,
    travelers: int,
    processes: int,
    extra: list[str],
    population: str = "evaluation",
) -> Run:
    command = [
        sys.executable,
        "-m",
        "screening_service",
        "synth",
        "--population",
        population,
        "--travelers",
        str(travelers),
        "--processes",
        str(processes),
        *extra,
        str(out),
    ]
    samples: list[float] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL) as process:
        while process.poll() is None:
            samples.append(_rss_mb(process.pid))
            time.sleep(0.2)
        if process.returncode != 0:
            raise SystemExit(f"{label}: screening synth exited {process.returncode}")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    live = [s for s in samples if s > 0] or [0.0]
    return Run(
        label,
        travelers,
        seconds,
        max(live),
        live[len(live) // 4],
        live[-1],
        os.getloadavg()[0],
        cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 travelers")
    parser.add_argument("--travelers", type=int, help="default 1,000,000 (--quick: 100,000)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--population", choices=("evaluation", "scenarios"), default="evaluation")
    args = parser.parse_args()
    travelers = args.travelers or (100_000 if args.quick else 1_000_000)
    print(
        f"screening synth --population {args.population}, {travelers:,} travelers, "
        f"--processes {args.processes}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as directory:
        root = Path(directory)
        runs = [
            run("jsonl", root / "eval.jsonl", travelers, args.processes, [], args.population),
            run(
                "parquet partitions",
                root / "eval-parquet",
                travelers,
                args.processes,
                ["--format", "parquet", "--partitions", "4"],
                args.population,
            ),
        ]
    cores = os.cpu_count() or 1
    for r in runs:
        verdict = "met" if r.rate >= TARGET else "MISSED"
        per_traveler = r.cpu_seconds / r.travelers
        print(
            f"{r.label:>20}: {r.rate:>9,.0f} travelers/s ({r.seconds:.1f} s; target "
            f">= {TARGET:,}: {verdict}); load average {r.load:.1f}\n"
            f"{'':>22}CPU {per_traveler * 1e6:.1f} us/traveler (all processes): "
            f"{cores / per_traveler:,.0f} travelers/s on {cores} free cores\n"
            f"{'':>22}RSS of the process tree: peak {r.peak_mb:.0f} MB, "
            f"at a quarter {r.quarter_mb:.0f} MB, at the end {r.last_mb:.0f} MB"
        )


if __name__ == "__main__":
    main()
