"""What-if: the real server against variants of itself, same run, same load (``--only whatif``).

Not part of the default run. Each variant is `screening serve` on the
bundled pack with one thing changed, so the difference is that thing's cost:

* ``as shipped``: `screening serve` (isolated engine, JSON log line per call);
* ``logs at warning``: ``--log-level warning`` (no per-call ``rpc`` line);
* ``in-process engine``: the engine in the server process
  (`benchmarks.variant_server --inproc-engine`), no IPC hop;
* ``in-process engine, logs at warning``: both;
* ``echo``: the echo baseline of `rpc_vs_echo` (same assembly, canned answer).

`Screen` at 1 and 64 in flight, and `ScreenManifest` (300 travelers, 2 in
flight) for the engine variants; one load process, as in `rpc_vs_echo`.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Final

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.load import SCREEN, SCREEN_MANIFEST, LoadSpec, run_load
from benchmarks.report import BenchmarkResult, percentile
from benchmarks.rpc_vs_echo import typical_response

NAME: Final = "whatif"
TITLE: Final = "what-if: the real server against variants of itself"
LEVELS: Final = (1, 64)


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    requests = workload.screen_requests(1000)
    manifests = workload.manifest_requests(8, 300)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-whatif-")))
        shipped = stack.enter_context(servers.screening())
        canned = tmp / "response.bin"
        canned.write_bytes(typical_response(shipped.address, requests)[0])
        variants = {
            "as shipped": shipped,
            "logs at warning": stack.enter_context(
                servers.screening(servers.BUNDLED_RULES, "--log-level", "warning")
            ),
            "in-process engine": stack.enter_context(servers.inproc_engine()),
            "in-process engine, logs at warning": stack.enter_context(
                servers.inproc_engine("--log-level", "warning")
            ),
            "echo": stack.enter_context(servers.echo(canned, bare=False)),
        }
        measured: dict[str, dict[str, float]] = {}
        for level in LEVELS:
            for name, server in variants.items():
                load = run_load(
                    LoadSpec(
                        server.address,
                        SCREEN,
                        requests,
                        concurrency=level,
                        max_calls=config.max_calls,
                        max_seconds=config.load_seconds,
                    )
                )
                measured[f"Screen @{level} {name}"] = {
                    "p50_ms": percentile(load.latencies, 50) * 1e3,
                    "throughput": load.throughput,
                    "errors": load.errors,
                }
        for name in ("as shipped", "in-process engine"):
            load = run_load(
                LoadSpec(
                    variants[name].address,
                    SCREEN_MANIFEST,
                    manifests,
                    concurrency=2,
                    max_calls=config.max_calls,
                    max_seconds=config.load_seconds,
                    call_timeout=60,
                    items_per_call=300,
                )
            )
            measured[f"ScreenManifest {name}"] = {
                "p50_ms": percentile(load.latencies, 50) * 1e3,
                "throughput": load.throughput * 300,
                "errors": load.errors,
            }
    result.details["measured"] = measured
    for level in LEVELS:
        base = measured[f"Screen @{level} as shipped"]
        for name in variants:
            got = measured[f"Screen @{level} {name}"]
            result.compare(
                f"Screen @{level} in flight, {name}: p50",
                got["p50_ms"],
                "ms",
                "as shipped",
                base["p50_ms"],
            )
            result.compare(
                f"Screen @{level} in flight, {name}: throughput",
                got["throughput"],
                "calls/s",
                "as shipped",
                base["throughput"],
            )
    base = measured["ScreenManifest as shipped"]
    for name in ("as shipped", "in-process engine"):
        got = measured[f"ScreenManifest {name}"]
        result.compare(
            f"ScreenManifest 300 x 2 in flight, {name}",
            got["throughput"],
            "travelers/s",
            "as shipped",
            base["throughput"],
        )
    errors = {k: v["errors"] for k, v in measured.items() if v["errors"]}
    if errors:
        result.notes.append(f"errors: {errors}")
    return result
