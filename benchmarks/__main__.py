"""``python -m benchmarks`` (``make bench``): every benchmark, a table, a JSON file.

    python -m benchmarks                     # all, memory soak over 1,000,000 travelers
    python -m benchmarks --quick             # all, memory soak over 100,000 travelers
    python -m benchmarks --only rpc_vs_echo  # one (repeat --only for several)
    BENCH_ARGS="--quick" make bench          # arguments through make

Each benchmark compares with a baseline measured in the same run and prints
its targets as met / MISSED; results go to ``benchmarks/results/<UTC
timestamp>.json``. Missed targets do not fail the command (exit 0); a
benchmark that could not run does (exit 1).

Time on the 2-core machine (measured, shared with other work): about 4
minutes with ``--quick`` (3 min 52 s on 2026-11-30, the soak ~20 s) and about 5.5 minutes with
the default ``--full`` (the 1,000,000-traveler soak alone takes 2.5-4
minutes at 4,000-6,500 travelers/s). ``--only whatif`` adds ~1.5 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from types import ModuleType

from benchmarks import (
    cost_curves,
    engine_floor,
    manifest_throughput,
    memory,
    peers,
    per_traveler,
    report,
    rpc_vs_echo,
    whatif,
)
from benchmarks.config import FULL_MEMORY_TRAVELERS, QUICK_MEMORY_TRAVELERS, Config

MODULES: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        engine_floor,
        per_traveler,
        peers,
        rpc_vs_echo,
        manifest_throughput,
        cost_curves,
        memory,
        whatif,
    )
}
DEFAULT: tuple[str, ...] = tuple(name for name in MODULES if name != whatif.NAME)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Screening service benchmarks against baselines measured in the same run.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_true",
        help=f"memory soak over {QUICK_MEMORY_TRAVELERS:,} travelers (about 4 min in all)",
    )
    size.add_argument(
        "--full",
        action="store_true",
        help=f"memory soak over {FULL_MEMORY_TRAVELERS:,} travelers (the default; ~5.5 min)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(MODULES),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(MODULES)} "
        "(whatif runs only when named)",
    )
    parser.add_argument("--memory-travelers", type=int, help="override the soak's traveler count")
    parser.add_argument(
        "--rounds", type=int, default=Config.rounds, help="in-process timing rounds"
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=Config.load_seconds,
        help="measured seconds per load level",
    )
    parser.add_argument("--no-json", action="store_true", help="do not write a results file")
    return parser


def _run_one(name: str, config: Config) -> report.BenchmarkResult:
    module = MODULES[name]
    run: Callable[[Config], report.BenchmarkResult] = module.run
    started = time.perf_counter()
    print(f"-- {name}: {module.TITLE} ...", file=sys.stderr, flush=True)
    try:
        result = run(config)
    except Exception as error:
        result = report.BenchmarkResult(name, module.TITLE)
        result.error = f"{type(error).__name__}: {error}"
        result.details["traceback"] = traceback.format_exc()
        traceback.print_exc()
    result.seconds = time.perf_counter() - started
    print(f"   {name} done in {result.seconds:.0f} s", file=sys.stderr, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = [*sys.argv[1:], *shlex.split(os.environ.get("BENCH_ARGS", ""))]
    args = _parser().parse_args(argv)
    travelers = args.memory_travelers or (
        QUICK_MEMORY_TRAVELERS if args.quick else FULL_MEMORY_TRAVELERS
    )
    config = Config(
        quick=args.quick,
        memory_travelers=travelers,
        rounds=max(1, args.rounds),
        load_seconds=max(0.5, args.load_seconds),
    )
    started = dt.datetime.now(dt.UTC)
    info = report.machine()
    names = [n for n in MODULES if n in args.only] if args.only else list(DEFAULT)
    results = [_run_one(name, config) for name in names]
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()[:2]]
    print(report.table(results, info))
    print(report.summary(results))
    if not args.no_json:
        path = report.write_json(results, info, asdict(config) | {"only": names}, started)
        print(f"\nresults: {path.relative_to(report.ROOT)}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
