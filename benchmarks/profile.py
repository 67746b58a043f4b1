"""Where the time goes: py-spy profiles of the hot paths, summarised as top functions.

    .venv/bin/pip install py-spy              # once; not a project dependency
    .venv/bin/python -m benchmarks.profile    # all four, 15 s each
    .venv/bin/python -m benchmarks.profile --only server-screen --seconds 30

Targets:

* ``inproc-flight`` / ``inproc-single``: the in-process evaluation path
  (`pipeline.screen.screen`, in-process engine: validate + enrich + to_fact + evaluate +
  decide), plus validate and respond as the servicer does them, over
  300-traveler synthetic flights / single travelers;
* ``server-screen``: the real `screening serve` (and its engine worker)
  under unary `Screen` load, 8 in flight (``--in-flight``), from a separate
  load process; a per-thread CPU account (from /proc) comes with it;
* ``server-manifest``: the same under `ScreenManifest` load (300-traveler
  flights, 2 in flight).

py-spy samples every Python thread that is not idle (``--gil``: only the
thread holding the GIL, the best view of a server's CPU; ``--native`` adds
C frames but slows the target down a lot); the summary gives, per process,
each function's share of the samples where it is on top of the stack (self)
and anywhere in it (inclusive). The raw collapsed stacks are kept under
``benchmarks/results/profile-<timestamp>/`` (``flamegraph.pl`` or
speedscope read them).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from benchmarks import servers, workload
from benchmarks.load import SCREEN, SCREEN_MANIFEST, LoadSpec, descendants, run_load
from benchmarks.report import RESULTS_DIR
from screening_service import geography
from screening_service.pipeline.respond import to_proto
from screening_service.pipeline.screen import Context, screen
from screening_service.pipeline.validate import Invalid
from screening_service.proto import pb
from screening_service.runtime.packs import build_snapshot
from screening_service.synthetic import GeneratedFlight

TARGETS: Final = ("inproc-flight", "inproc-single", "server-screen", "server-manifest")
_LINE: Final = re.compile(r":\d+\)$")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


# -- summarising collapsed stacks ---------------------------------------------


def _frame(frame: str) -> str:
    """``func (path/to/file.py:12)`` -> ``func (file.py)``: one entry per function."""
    name, _, where = frame.partition(" (")
    where = _LINE.sub(")", "(" + where) if where else ""
    where = where.replace("(", "").replace(")", "")
    short = "/".join(Path(where).parts[-2:]) if where else ""
    return f"{name} ({short})" if short else name


def summarise(lines: Iterable[str], top: int = 20, focus: str = "") -> str:
    """Top functions by self and inclusive share, per process.

    With ``focus``, only the samples whose stack holds a frame of that
    function name count (set-up and tear-down are left out).
    """
    per_process: dict[str, tuple[collections.Counter[str], collections.Counter[str], int]] = {}
    for line in lines:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        process = "this process"
        while frames and frames[0].startswith("process "):  # children nest under parents
            process, frames = frames[0], frames[1:]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames or (focus and not any(f.startswith(focus + " ") for f in frames)):
            continue
        own, inclusive, total = per_process.get(
            process, (collections.Counter(), collections.Counter(), 0)
        )
        names = [_frame(f) for f in frames]
        own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
        per_process[process] = (own, inclusive, total + count)
    out: list[str] = []
    for process, (own, inclusive, total) in sorted(
        per_process.items(), key=lambda item: -item[1][2]
    ):
        out.append(f"{process[:110]}: {total} samples")
        out.append("  self%  incl%  function")
        ranked = sorted(inclusive, key=lambda n: (-own[n], -inclusive[n]))[:top]
        out.extend(
            f"  {own[n] / total * 100:5.1f}  {inclusive[n] / total * 100:5.1f}  {n}" for n in ranked
        )
        out.append("  -- by inclusive share --")
        ranked = sorted(inclusive, key=lambda n: -inclusive[n])[:top]
        out.extend(
            f"  {own[n] / total * 100:5.1f}  {inclusive[n] / total * 100:5.1f}  {n}" for n in ranked
        )
    return "\n".join(out)


# -- workloads ----------------------------------------------------------------


def inproc_workload(shape: str, seconds: float) -> None:
    """The in-process path, as the servicer drives it, for ``seconds`` (run under py-spy).

    ``shape`` is ``flight`` (300-traveler manifests) or ``single`` (one
    traveler per call, as `Screen`).
    """
    geography.warm()
    context = Context(build_snapshot(servers.BUNDLED_RULES))
    if shape == "flight":
        flights = workload.flights(8, 300)
        _inproc_flights(context, flights, seconds)
    else:
        singles = workload.travelers(300)
        _inproc_singles(context, singles, seconds)


# Summaries keep only the samples inside these two functions (no set-up).
def _inproc_flights(context: Context, flights: list[GeneratedFlight], seconds: float) -> None:
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        for flight in flights:
            result = screen(context, pb.ScreenManifestRequest(manifest=flight.manifest), live=False)
            assert not isinstance(result, Invalid)
            pb.ScreenManifestResponse(
                decisions=[to_proto(d) for d in result.decisions]
            ).SerializeToString()


def _inproc_singles(context: Context, singles: list[pb.Traveler], seconds: float) -> None:
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        for traveler in singles:
            result = screen(context, pb.ScreenRequest(traveler=traveler), live=False)
            assert not isinstance(result, Invalid)
            pb.ScreenResponse(decision=to_proto(result.decisions[0])).SerializeToString()


def _record(args: list[str], output: Path) -> None:
    command = [py_spy(), "record", "--format", "raw", "-o", str(output), *args]
    subprocess.run(command, check=True, timeout=600, stdout=subprocess.DEVNULL)


def profile_inproc(shape: str, seconds: float, output: Path, flags: list[str]) -> None:
    target = [sys.executable, "-m", "benchmarks.profile", "--workload", shape, str(seconds)]
    _record([*flags, "--", *target], output)


def thread_cpu(root: int) -> dict[tuple[int, int, str], float]:
    """CPU seconds (user + system) of every thread of ``root``'s process tree."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[tuple[int, int, str], float] = {}
    for pid in descendants(root):
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                stat = (task / "stat").read_text()
                name = (task / "comm").read_text().strip()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            out[(pid, int(task.name), name)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def cpu_report(
    before: dict[tuple[int, int, str], float],
    after: dict[tuple[int, int, str], float],
    seconds: float,
    root: int,
) -> str:
    """Share of one core each thread used while the profile ran (threads under 1% left out)."""
    lines = [f"CPU per thread over {seconds:.1f} s (% of one core; server pid {root}):"]
    used = {key: after[key] - before.get(key, 0.0) for key in after}
    for process in sorted({pid for pid, _, _ in used}):
        total = sum(v for (pid, _, _), v in used.items() if pid == process)
        label = "server" if process == root else "child"
        lines.append(f"  pid {process} ({label}): {total / seconds * 100:5.1f}%")
        for (pid, tid, name), value in sorted(used.items(), key=lambda item: -item[1]):
            if pid == process and value / seconds >= 0.01:
                lines.append(f"      {name:<16} tid {tid:<8} {value / seconds * 100:5.1f}%")
    return "\n".join(lines)


def profile_server(
    method: str, seconds: float, output: Path, flags: list[str], in_flight: int
) -> dict[str, float]:
    """py-spy on the server tree while a separate load process drives ``method``."""
    if method == SCREEN:
        requests, level, items = workload.screen_requests(1000), in_flight or 8, 1
    else:
        requests, level, items = workload.manifest_requests(8, 300), in_flight or 2, 300
    with servers.screening() as server:
        spec = LoadSpec(
            server.address,
            method,
            requests,
            concurrency=level,
            max_calls=10_000_000,
            max_seconds=seconds + 2,
            warmup_seconds=1.0,
            call_timeout=60,
            items_per_call=items,
        )
        outcome: dict[str, float] = {}

        def drive() -> None:
            load = run_load(spec)
            outcome.update(calls_per_second=load.throughput, errors=load.errors)

        driver = threading.Thread(target=drive, name="load")
        driver.start()
        time.sleep(1.5)  # the load client starts and warms up first
        before, started = thread_cpu(server.pid), time.perf_counter()
        duration = ["--duration", str(int(seconds)), "--pid", str(server.pid)]
        _record([*flags, "--subprocesses", *duration], output)
        report = cpu_report(
            before, thread_cpu(server.pid), time.perf_counter() - started, server.pid
        )
        driver.join(timeout=seconds + 120)
        print(report)
        output.with_suffix(".cpu.txt").write_text(report + "\n")
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--only", action="append", choices=TARGETS)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument(
        "--native", action="store_true", help="include C frames (slows the target a lot)"
    )
    parser.add_argument("--gil", action="store_true", help="sample only the thread holding the GIL")
    parser.add_argument(
        "--in-flight", type=int, default=0, help="calls in flight (default 8 Screen, 2 manifest)"
    )
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--workload", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workload is not None:
        inproc_workload(args.workload[0], float(args.workload[1]))
        return 0
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    directory = RESULTS_DIR / f"profile-{stamp}"
    directory.mkdir(parents=True, exist_ok=True)
    flags = ["--rate", str(args.rate)]
    flags += ["--native"] if args.native else []
    flags += ["--gil"] if args.gil else []
    for target in args.only or TARGETS:
        output = directory / f"{target}.txt"
        print(f"== {target} ({args.seconds:.0f} s)", flush=True)
        if target.startswith("inproc-"):
            profile_inproc(target.removeprefix("inproc-"), args.seconds, output, flags)
        else:
            method = SCREEN if target == "server-screen" else SCREEN_MANIFEST
            outcome = profile_server(method, args.seconds, output, flags, args.in_flight)
            print(f"load: {outcome}")
        focus = {"inproc-flight": "_inproc_flights", "inproc-single": "_inproc_singles"}
        text = summarise(output.read_text().splitlines(), args.top, focus.get(target, ""))
        (directory / f"{target}.summary.txt").write_text(text + "\n")
        print(text, flush=True)
    print(f"\nraw stacks and summaries: {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
