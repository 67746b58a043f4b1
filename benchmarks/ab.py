"""Two source trees, one run: the in-process path's cost per traveler, rounds alternating.

    .venv/bin/python -m benchmarks.ab /tmp/base-tree .          # base vs this tree
    .venv/bin/python -m benchmarks.ab /tmp/base-tree . --rounds 9 --shape single

Each tree runs in its own worker process (``PYTHONPATH`` set to the tree),
which builds the bundled pack's snapshot (in-process engine) and its
synthetic flights once, then times one round of `pipeline.screen.screen`
(``live=False``, the same ``now``) plus the servicer's respond step
(`to_proto` + serialise) each time it is asked, in CPU time of the worker
(less disturbed by other work on the machine than wall time). The workers are asked in
turn, in a rotating order, so the machine's noise (shared with other work)
falls on both alike. A code change is measured against the commit before it
this way: export the base with ``git archive <commit> | tar -x -C <dir>``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

import screening_service
from benchmarks import servers, workload
from screening_service import geography
from screening_service.pipeline.respond import to_proto
from screening_service.pipeline.screen import Context, FlightResult, screen
from screening_service.proto import pb
from screening_service.runtime.packs import build_snapshot

FLIGHTS: Final = 20
FLIGHT_SIZE: Final = 200
SINGLES: Final = 1000


def worker(shape: str) -> None:
    """Serve rounds on stdin/stdout: each line in is one round, each line out its seconds."""
    geography.warm()
    context = Context(build_snapshot(servers.BUNDLED_RULES))
    requests: list[pb.ScreenRequest | pb.ScreenManifestRequest]
    if shape == "flight":
        requests = [
            pb.ScreenManifestRequest(manifest=f.manifest)
            for f in workload.flights(FLIGHTS, FLIGHT_SIZE)
        ]
        travelers = FLIGHTS * FLIGHT_SIZE
    else:
        requests = [pb.ScreenRequest(traveler=t) for t in workload.travelers(SINGLES)]
        travelers = SINGLES
    now = workload.START

    def one_round() -> float:
        started = time.process_time()
        for request in requests:
            result = screen(context, request, now=now, live=False)
            assert isinstance(result, FlightResult)
            pb.ScreenManifestResponse(
                decisions=[to_proto(d) for d in result.decisions]
            ).SerializeToString()
        return (time.process_time() - started) / travelers * 1e6

    one_round()
    print(f"ready {Path(screening_service.__file__).parent.parent}", flush=True)
    for _ in sys.stdin:
        print(f"{one_round():.3f}", flush=True)


def _start(tree: Path, shape: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()))
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.ab", "--worker", shape],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready, _, source = process.stdout.readline().strip().partition(" ")
    if ready != "ready" or Path(source) != tree.resolve():
        raise RuntimeError(f"worker for {tree} did not start on its own tree ({source!r})")
    return process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__)
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--shape", choices=("flight", "single"), default="flight")
    parser.add_argument("--worker", choices=("flight", "single"))
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if len(args.trees) != 2:
        parser.error("give two source trees: base, then candidate")
    processes = [_start(tree, args.shape) for tree in args.trees]
    samples: list[list[float]] = [[] for _ in processes]
    try:
        for n in range(args.rounds):
            order = range(len(processes)) if n % 2 == 0 else reversed(range(len(processes)))
            for i in order:
                process = processes[i]
                assert process.stdin is not None
                assert process.stdout is not None
                process.stdin.write("go\n")
                process.stdin.flush()
                samples[i].append(float(process.stdout.readline()))
    finally:
        for process in processes:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=30)
    for tree, values in zip(args.trees, samples, strict=True):
        print(
            f"{tree!s:<24} best {min(values):7.1f}  median {statistics.median(values):7.1f} "
            f"us/traveler ({args.shape}, {len(values)} rounds)"
        )
    base, candidate = min(samples[0]), min(samples[1])
    print(f"candidate / base (best rounds): {candidate / base:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
