"""What travel history adds to the in-process cost per traveler: the same flights with and without.

    .venv/bin/python -m benchmarks.bench_history_overhead                  # 100k events, 7 rounds
    .venv/bin/python -m benchmarks.bench_history_overhead --quick          # 20k events, 5 rounds
    .venv/bin/python -m benchmarks.bench_history_overhead --base /tmp/old  # before/after, one run

Issue 18's budget: history may add at most 25% to the in-process cost per
traveler. Both variants run `pipeline.screen.screen` (validate, enrich,
history, facts, in-process engine, decide; ``live=False``, one ``now``) over
the same synthetic 300-traveler flights (`synthetic.generate_population`),
each flight screened once per round; one variant has no history
(``Context(snapshot)``), the other records and counts every flight in the
embedded SQLite store (``Context(snapshot, None, HistoryOptions(store, key))``,
opened as the service opens it, metrics included).

The store starts each round as a fresh copy of a pre-filled file, so the
counts grow as they would live and no flight is screened twice:
``--history-travelers`` travelers on flights spread over the 90 days before
the measured flights, recorded once through the same pipeline. Each source
tree runs in its own worker process (``--base DIR`` adds a second tree, for
example the commit before a change: ``git archive <commit> | tar -x -C
DIR``); rounds ask every (tree, variant) pair in a rotating order so that the
machine's noise (shared with other work) falls on all alike. The time is the
worker's CPU time (SQLite runs in-process) per traveler, after a garbage
collection. The verdict compares the median of the per-round ratios with the
1.25 target. Results go to ``benchmarks/results/history_overhead.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from benchmarks import report
from benchmarks.history_overhead_worker import FLIGHT_SIZE, HISTORY_DAYS

NAME: Final = "history_overhead"
TARGET_RATIO: Final = 1.25
RESULT_FILE: Final = report.RESULTS_DIR / f"{NAME}.json"
WORKER: Final = Path(__file__).with_name("history_overhead_worker.py")
VARIANTS: Final = ("without", "with")


@dataclass(frozen=True)
class Settings:
    history_travelers: int
    flights: int
    rounds: int


FULL: Final = Settings(history_travelers=100_000, flights=20, rounds=7)
QUICK: Final = Settings(history_travelers=20_000, flights=8, rounds=5)


@dataclass
class Tree:
    """One source tree's worker and its samples (CPU us/traveler per variant)."""

    path: Path
    process: subprocess.Popen[str]
    history: dict[str, object]
    samples: dict[str, list[float]]

    def ratios(self) -> list[float]:
        return [w / o for w, o in zip(self.samples["with"], self.samples["without"], strict=True)]

    def summary(self) -> dict[str, object]:
        ratios = self.ratios()
        return {
            "tree": str(self.path),
            "history": self.history,
            "without_us_per_traveler": self.samples["without"],
            "with_us_per_traveler": self.samples["with"],
            "ratios": ratios,
            "ratio_median": statistics.median(ratios),
            "met": statistics.median(ratios) <= TARGET_RATIO,
        }


def _start(tree: Path, settings: Settings) -> Tree:
    """A worker on ``tree`` (this file runs it, ``tree`` first on the import path)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(report.ROOT)]))
    process = subprocess.Popen(
        [sys.executable, str(WORKER), json.dumps(asdict(settings))],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready, _, detail = process.stdout.readline().strip().partition(" ")
    if ready != "ready":
        raise RuntimeError(f"the worker for {tree} did not start")
    history = json.loads(detail)
    if Path(str(history["tree"])) != tree.resolve():
        raise RuntimeError(f"the worker for {tree} imported {history['tree']}")
    return Tree(tree, process, history, {variant: [] for variant in VARIANTS})


def _ask(tree: Tree, variant: str) -> float:
    assert tree.process.stdin is not None
    assert tree.process.stdout is not None
    tree.process.stdin.write(f"{variant}\n")
    tree.process.stdin.flush()
    return float(tree.process.stdout.readline())


def measure(paths: list[Path], settings: Settings) -> list[Tree]:
    trees = [_start(path, settings) for path in paths]
    try:
        pairs = [(tree, variant) for tree in trees for variant in VARIANTS]
        for n in range(settings.rounds + 1):  # the first round warms up and is dropped
            shift = n % len(pairs)
            for tree, variant in pairs[shift:] + pairs[:shift]:
                value = _ask(tree, variant)
                if n:
                    tree.samples[variant].append(value)
    finally:
        for tree in trees:
            assert tree.process.stdin is not None
            tree.process.stdin.close()
            tree.process.wait(timeout=60)
    return trees


def _print(tree: Tree, settings: Settings) -> None:
    without, with_ = tree.samples["without"], tree.samples["with"]
    ratio = statistics.median(tree.ratios())
    history = tree.history
    print(
        f"{tree.path}: history {history['events']:,} events on {history['flights']} flights "
        f"over {HISTORY_DAYS} days, {int(str(history['size_bytes'])) / 1e6:.1f} MB "
        f"(schema {history['schema_version']})\n"
        f"  in-process screen, {settings.flights} flights of {FLIGHT_SIZE} x {settings.rounds} "
        "rounds, CPU us/traveler:\n"
        f"  without history  median {statistics.median(without):7.1f}  best {min(without):7.1f}\n"
        f"  with history     median {statistics.median(with_):7.1f}  best {min(with_):7.1f}\n"
        f"  with / without   median of per-round ratios {ratio:.3f} "
        f"(best/best {min(with_) / min(without):.3f}); target <= {TARGET_RATIO} "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_history_overhead", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="20k events, 8 flights, 5 rounds")
    parser.add_argument("--rounds", type=int, help="timed rounds (after one warm-up)")
    parser.add_argument("--history-travelers", type=int, help="travelers already in the history")
    parser.add_argument("--base", type=Path, help="another source tree, measured alongside")
    parser.add_argument("--no-json", action="store_true", help="do not write the results file")
    args = parser.parse_args(argv)
    chosen = QUICK if args.quick else FULL
    settings = Settings(
        history_travelers=args.history_travelers or chosen.history_travelers,
        flights=chosen.flights,
        rounds=max(1, args.rounds or chosen.rounds),
    )
    started = dt.datetime.now(dt.UTC)
    info = report.machine()
    paths = [report.ROOT] + ([args.base.resolve()] if args.base else [])
    trees = measure(paths, settings)
    for tree in trees:
        _print(tree, settings)
    if not args.no_json:
        RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "started": started.isoformat(),
            "finished": dt.datetime.now(dt.UTC).isoformat(),
            "machine": info | {"load_average_at_end": [round(x, 2) for x in os.getloadavg()[:2]]},
            "arguments": {"quick": args.quick, **asdict(settings)},
            "flight_size": FLIGHT_SIZE,
            "history_days": HISTORY_DAYS,
            "target_ratio": TARGET_RATIO,
            "trees": [tree.summary() for tree in trees],
        }
        RESULT_FILE.write_text(json.dumps(document, indent=2, default=str) + "\n")
        print(f"results: {RESULT_FILE.relative_to(report.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
