"""Unary `Screen` on the real server against echo servers, same message sizes, same run.

Three servers, each its own process on a free loopback port:

* ``screen``: the real `screening serve` on the bundled pack (isolated
  engine, JSON log line per call at the default level ``info``, metrics);
* ``echo``: the same server assembly (`create_server`: same grpc.aio
  options, same `Observability` handler wrapper, health, reflection, same
  logging) whose `Screen` returns a canned `ScreenResponse` of the median
  size the real server returned for these travelers;
* ``bare echo``: grpc.aio with the same options but no wrapper, logging
  or metrics (what gRPC alone costs; for context).

The load generator is one more process (`benchmarks.load`): one grpc.aio
channel keeping 1, 8 or 64 calls in flight with the same pre-serialised
`ScreenRequest`s (1,000 synthetic travelers, cycled). Each level runs 1 s of
warm-up, then up to ``load_seconds`` or ``max_calls`` measured calls; the
servers take turns within a level.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Final

import grpc

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.load import SCREEN, LoadResult, LoadSpec, run_load
from benchmarks.report import BenchmarkResult, Row, percentile
from screening_service.proto import pb, pb_grpc

NAME: Final = "rpc_vs_echo"
TITLE: Final = "unary Screen vs echo gRPC servers (same options, same message sizes)"
LEVELS: Final = (1, 8, 64)
REQUESTS: Final = 1000
SIZE_SAMPLE: Final = 200
P50_TARGET: Final = 1.25
THROUGHPUT_TARGET: Final = 0.7


def typical_response(address: str, requests: list[bytes]) -> tuple[bytes, dict[str, float]]:
    """The real server's response of median size over a sample of the requests."""
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        responses = [
            stub.Screen(pb.ScreenRequest.FromString(r), timeout=10).SerializeToString()
            for r in requests[:SIZE_SAMPLE]
        ]
    responses.sort(key=len)
    sizes = [len(r) for r in responses]
    stats = {
        "sampled": len(sizes),
        "median_bytes": sizes[len(sizes) // 2],
        "mean_bytes": statistics.fmean(sizes),
        "max_bytes": sizes[-1],
        "request_mean_bytes": statistics.fmean(len(r) for r in requests),
    }
    return responses[len(responses) // 2], stats


def _summary(load: LoadResult) -> dict[str, float]:
    return {
        "calls": load.calls,
        "errors": load.errors,
        "seconds": load.seconds,
        "p50_ms": percentile(load.latencies, 50) * 1e3,
        "p90_ms": percentile(load.latencies, 90) * 1e3,
        "p99_ms": percentile(load.latencies, 99) * 1e3,
        "throughput": load.throughput,
    }


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    requests = workload.screen_requests(REQUESTS)
    measured: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-echo-") as tmp, servers.screening() as real:
        response, sizes = typical_response(real.address, requests)
        canned = Path(tmp) / "response.bin"
        canned.write_bytes(response)
        result.details["message_sizes"] = sizes
        with servers.echo(canned, bare=False) as echo, servers.echo(canned, bare=True) as bare:
            targets = {"screen": real, "echo": echo, "bare echo": bare}
            for turn, level in enumerate(LEVELS):
                names = list(targets)
                names = names[turn % 3 :] + names[: turn % 3]
                measured[level] = {}
                for name in names:
                    load = run_load(
                        LoadSpec(
                            targets[name].address,
                            SCREEN,
                            requests,
                            concurrency=level,
                            max_calls=config.max_calls,
                            max_seconds=config.load_seconds,
                        )
                    )
                    measured[level][name] = _summary(load)
                    if load.errors:
                        result.notes.append(
                            f"{name} at {level} in flight: {load.errors} errors, e.g. "
                            + "; ".join(load.error_samples[:2])
                        )
    result.details["levels"] = measured
    _rows(result, measured)
    _notes(result, sizes, config)
    return result


def _rows(result: BenchmarkResult, measured: dict[int, dict[str, dict[str, float]]]) -> None:
    for level in LEVELS:
        got = measured[level]
        screen, echo, bare = got["screen"], got["echo"], got["bare echo"]
        at = f"@{level} in flight"
        p50_target = p50_check = None
        if level == 1:
            p50_target = f"Screen p50 <= {P50_TARGET}x bare echo p50 at 1 in flight"
            p50_check = lambda ratio: ratio <= P50_TARGET  # noqa: E731
        result.compare(
            f"Screen {at}: p50",
            screen["p50_ms"],
            "ms",
            "bare echo p50",
            bare["p50_ms"],
            target=p50_target or "",
            check=p50_check,
        )
        result.compare(f"Screen {at}: p50 ", screen["p50_ms"], "ms", "echo p50", echo["p50_ms"])
        result.compare(f"Screen {at}: p99", screen["p99_ms"], "ms", "echo p99", echo["p99_ms"])
        thr_target = thr_check = None
        if level == 64:
            thr_target = f"Screen throughput >= {THROUGHPUT_TARGET}x bare echo at 64 in flight"
            thr_check = lambda ratio: ratio >= THROUGHPUT_TARGET  # noqa: E731
        result.compare(
            f"Screen {at}: throughput",
            screen["throughput"],
            "calls/s",
            "bare echo",
            bare["throughput"],
            target=thr_target or "",
            check=thr_check,
        )
        result.compare(
            f"Screen {at}: throughput ", screen["throughput"], "calls/s", "echo", echo["throughput"]
        )
        result.add(Row(f"echo {at}: p50", echo["p50_ms"], "ms"))
        result.add(Row(f"echo {at}: p99", echo["p99_ms"], "ms"))
        result.add(Row(f"echo {at}: throughput", echo["throughput"], "calls/s"))
        result.compare(f"bare echo {at}: p50", bare["p50_ms"], "ms", "echo p50", echo["p50_ms"])
        result.compare(
            f"bare echo {at}: throughput",
            bare["throughput"],
            "calls/s",
            "echo",
            echo["throughput"],
        )


def _notes(result: BenchmarkResult, sizes: dict[str, float], config: Config) -> None:
    result.notes.append(
        f"messages: ScreenRequest {sizes['request_mean_bytes']:.0f} B mean; echo answers the "
        f"median real ScreenResponse, {sizes['median_bytes']:.0f} B (mean {sizes['mean_bytes']:.0f}"
        f" B, max {sizes['max_bytes']:.0f} B over {sizes['sampled']:.0f} travelers)"
    )
    result.notes.append(
        "echo = create_server() of screening_service.server.app (same options, "
        "Observability wrapper, health, reflection, JSON logs at info) with Screen returning "
        "the canned response; bare echo = same options, no wrapper/logging"
    )
    result.notes.append(
        f"each level: 1 s warm-up, then up to {config.load_seconds:.0f} s or "
        f"{config.max_calls:,} calls; one grpc.aio client process, bytes in and out"
    )
