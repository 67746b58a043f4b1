"""The load generator: a separate process that drives one unary method at a fixed concurrency.

`run_load` starts a fresh interpreter (``python -m benchmarks.load``) that opens one
grpc.aio channel and keeps ``concurrency`` calls in flight, sending
pre-serialised request bytes and not parsing the responses, so that the
client spends as little as possible of the CPU it shares with the server.
Every loop is bounded twice: by a number of calls and by wall time. Calls
that start during the warm-up are not measured.

The client can also sample the resident memory (VmRSS) of a process tree
every N completed calls, which is how the memory benchmark watches the server
without sharing a process with it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import grpc

ROOT: Final = Path(__file__).resolve().parent.parent
MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
SCREEN: Final = "/screening.v1.ScreeningService/Screen"
SCREEN_MANIFEST: Final = "/screening.v1.ScreeningService/ScreenManifest"


@dataclass(frozen=True)
class LoadSpec:
    address: str
    method: str
    requests: list[bytes]
    concurrency: int
    max_calls: int
    max_seconds: float
    warmup_seconds: float = 1.0
    call_timeout: float = 30.0
    items_per_call: int = 1
    rss_root: int = 0  # sample this process and its descendants ...
    rss_every_calls: int = 0  # ... every this many completed calls (0: never)


@dataclass
class LoadResult:
    calls: int  # measured calls that succeeded
    errors: int
    seconds: float  # measured window: end of warm-up to the last completion
    latencies: list[float]  # seconds, measured calls only
    error_samples: list[str] = field(default_factory=list)
    rss_samples: list[tuple[int, int, int]] = field(default_factory=list)
    # (items done, root process VmRSS KiB, whole tree VmRSS KiB)
    stopped_by: str = ""

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else 0.0


# -- /proc -------------------------------------------------------------------


def vm_rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def descendants(root: int) -> list[int]:
    """``root`` and every live process below it (engine workers, supervised servers)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def tree_rss_kib(root: int) -> tuple[int, int]:
    """(VmRSS of ``root``, sum of VmRSS over its tree) in KiB."""
    pids = descendants(root)
    return vm_rss_kib(root), sum(vm_rss_kib(p) for p in pids)


# -- the client process ------------------------------------------------------


async def _drive(spec: LoadSpec) -> LoadResult:
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    async with grpc.aio.insecure_channel(spec.address, options=options) as channel:
        await asyncio.wait_for(channel.channel_ready(), timeout=30)
        # No serializers: requests go as bytes, responses come back as bytes.
        call = channel.unary_unary(spec.method, None, None)
        issued = itertools.count()
        latencies: list[float] = []
        last_end = 0.0
        errors: list[str] = []
        failed = 0
        done = 0
        measured_started = 0
        rss: list[tuple[int, int, int]] = []
        started = time.perf_counter()
        measure_from = started + spec.warmup_seconds
        stop_at = measure_from + spec.max_seconds
        limit = spec.max_calls
        stopped_by = "count"

        async def worker() -> None:
            nonlocal last_end, done, failed, stopped_by, measured_started
            while True:
                began = time.perf_counter()
                if began >= stop_at:
                    stopped_by = "time"
                    return
                if began >= measure_from:
                    if measured_started >= limit:
                        return
                    measured_started += 1
                request = spec.requests[next(issued) % len(spec.requests)]
                try:
                    await call(request, timeout=spec.call_timeout)
                    ok = True
                except grpc.aio.AioRpcError as error:
                    ok = False
                    if len(errors) < 5:
                        errors.append(f"{error.code().name}: {error.details()}")
                ended = time.perf_counter()
                done += 1
                if began >= measure_from:
                    if ok:
                        latencies.append(ended - began)
                    else:
                        failed += 1
                    last_end = max(last_end, ended)
                if spec.rss_every_calls and done % spec.rss_every_calls == 0:
                    root, tree = tree_rss_kib(spec.rss_root)
                    rss.append((done * spec.items_per_call, root, tree))

        await asyncio.gather(*(worker() for _ in range(spec.concurrency)))
        if spec.rss_root and (not rss or rss[-1][0] != done * spec.items_per_call):
            root, tree = tree_rss_kib(spec.rss_root)
            rss.append((done * spec.items_per_call, root, tree))
    return LoadResult(
        calls=len(latencies),
        errors=failed,
        seconds=max(0.0, last_end - measure_from),
        latencies=latencies,
        error_samples=errors,
        rss_samples=rss,
        stopped_by=stopped_by,
    )


def run_load(spec: LoadSpec) -> LoadResult:
    """Run ``spec`` in a separate client process (``python -m benchmarks.load``)."""
    limit = spec.warmup_seconds + spec.max_seconds + spec.call_timeout + 60
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        spec_file, result_file = Path(tmp) / "spec.pickle", Path(tmp) / "result.pickle"
        spec_file.write_bytes(pickle.dumps(spec))
        try:
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.load", str(spec_file), str(result_file)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=limit,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"load client did not finish within {limit:.0f} s") from None
        if done.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"load client failed ({done.returncode}): {done.stderr[-2000:]}")
        result = pickle.loads(result_file.read_bytes())
    assert isinstance(result, LoadResult)
    return result


def main(argv: list[str] | None = None) -> int:
    spec_file, result_file = (Path(a) for a in (argv or sys.argv[1:]))
    spec = pickle.loads(spec_file.read_bytes())
    assert isinstance(spec, LoadSpec)
    result = asyncio.run(_drive(spec))
    result_file.write_bytes(pickle.dumps(result))
    return 0


if __name__ == "__main__":
    # Run the module under its import name, so that the pickled classes are the same.
    from benchmarks.load import main as load_main

    sys.exit(load_main())
