"""Soak: sustained mixed traffic with rule reloads, bounded in time, loopback only.

    python -m benchmarks.soak --seconds 600 --reloads 20      # the full soak
    python -m benchmarks.soak --seconds 60 --reloads 6        # CI's version

Starts `screening serve` on a copy of the bundled pack, measures the Screen
capacity, then drives about 80% of it from a separate load process (unary
Screen, 100-traveler manifests and a stream of travelers) while the pack is
changed `--reloads` times. Reports failed calls by status, p99 latency per
window, the server's RSS drift and engine worker restarts; exits 1 on any
unexpected failure (anything but OK).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import grpc

from screening_service.proto import pb, pb_grpc
from tests.factories import lone_minor_cash_last_minute, manifest, ordinary_adult

ROOT = Path(__file__).resolve().parent.parent
WINDOW_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _metric(address: str, name: str) -> float:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def _bundled_version() -> str:
    """The bundled pack's own version, read from the pack (it changes with every release)."""
    found = re.search(r'version: "([^"]+)"', (ROOT / "rules" / "pack.yaml").read_text())
    assert found is not None, "rules/pack.yaml names no version"
    return found.group(1)


ORIGINAL_VERSION = _bundled_version()
# The bundled pack's answers for the two travelers the load sends (README).
EXPECTED_REFERRAL = {"T-ADULT": pb.REFERRAL_NONE, "T-MINOR": pb.REFERRAL_PRIORITY_INTERVIEW}


def _versions(reloads: int) -> frozenset[str]:
    """Every version the soak makes live: the bundled one, then soak-0 .. soak-(reloads-1)."""
    return frozenset({ORIGINAL_VERSION, *(f"soak-{n}" for n in range(reloads))})


def _live_version(address: str, expected: str, timeout: float = 30.0) -> str:
    """The served pack version, once it is ``expected`` or ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        while True:
            version = stub.GetRuleset(pb.GetRulesetRequest(), timeout=10).ruleset.version
            if version == expected or time.monotonic() > deadline:
                return version
            time.sleep(0.2)


def _set_version(rules: Path, version: str) -> None:
    pack = rules / "pack.yaml"
    text = pack.read_text()
    start = text.index('version: "') + len('version: "')
    pack.write_text(text[:start] + version + text[text.index('"', start) :])


def _load(  # noqa: PLR0915
    address: str, seconds: float, rate: float, results: Any, versions: frozenset[str]
) -> None:
    """The load process: paced unary calls plus a manifest and a stream thread.

    A unary answer with the wrong referral for its traveler is recorded as
    WRONG_REFERRAL, one naming a version that was never live as WRONG_VERSION.
    """
    stop = time.monotonic() + seconds
    samples: list[tuple[float, float, str, str]] = []
    lock = threading.Lock()

    def record(kind: str, started: float, code: str) -> None:
        with lock:
            samples.append((started, time.monotonic() - started, kind, code))

    def unary(channel: grpc.Channel) -> None:
        stub = pb_grpc.ScreeningServiceStub(channel)
        travelers = [ordinary_adult(), lone_minor_cash_last_minute()]
        interval, n = 1.0 / rate, 0
        next_at = time.monotonic()
        while time.monotonic() < stop:
            next_at += interval
            started = time.monotonic()
            try:
                decision = stub.Screen(
                    pb.ScreenRequest(traveler=travelers[n % 2]), timeout=10
                ).decision
                if decision.referral != EXPECTED_REFERRAL[decision.traveler_id]:
                    record("unary", started, "WRONG_REFERRAL")
                elif decision.ruleset_version not in versions:
                    record("unary", started, "WRONG_VERSION")
                else:
                    record("unary", started, "OK")
            except grpc.RpcError as error:
                record("unary", started, error.code().name)
            n += 1
            time.sleep(max(0.0, next_at - time.monotonic()))

    def manifests(channel: grpc.Channel) -> None:
        stub = pb_grpc.ScreeningServiceStub(channel)
        request = pb.ScreenManifestRequest(
            manifest=manifest([ordinary_adult(f"T-{i}") for i in range(100)])
        )
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                stub.ScreenManifest(request, timeout=20)
                record("manifest", started, "OK")
            except grpc.RpcError as error:
                record("manifest", started, error.code().name)
            time.sleep(1.0)

    def stream(channel: grpc.Channel) -> None:
        stub = pb_grpc.ScreeningServiceStub(channel)

        def requests() -> Any:
            n = 0
            while time.monotonic() < stop:
                traveler = ordinary_adult(f"S-{n}")
                n += 1
                yield pb.ScreenRequest(traveler=traveler)
                time.sleep(0.05)

        started = time.monotonic()
        try:
            for result in stub.ScreenStream(requests(), timeout=seconds + 30):
                code = "OK" if result.WhichOneof("result") == "decision" else "ITEM_ERROR"
                record("stream", started, code)
                started = time.monotonic()
        except grpc.RpcError as error:
            record("stream", started, error.code().name)

    channels = [grpc.insecure_channel(address) for _ in range(3)]
    threads = [
        threading.Thread(target=unary, args=(channels[0],)),
        threading.Thread(target=manifests, args=(channels[1],)),
        threading.Thread(target=stream, args=(channels[2],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for channel in channels:
        channel.close()
    results.put(samples)


def _capacity(address: str, seconds: float = 3.0) -> float:
    """Screen calls per second from 4 closed-loop clients (in this process)."""
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal done
        with grpc.insecure_channel(address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            request = pb.ScreenRequest(traveler=ordinary_adult())
            while time.monotonic() < stop:
                stub.Screen(request, timeout=10)
                with lock:
                    done += 1

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / seconds


def soak(seconds: float, reloads: int, load_fraction: float = 0.8) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    rules = workdir / "rules"
    shutil.copytree(ROOT / "rules", rules)
    address, metrics = f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"
    server = subprocess.Popen(
        [sys.executable, "-m", "screening_service", "serve", "--rules", str(rules),
         "--address", address, "--metrics-address", metrics, "--log-level", "warning",
         "--data-dir", str(workdir / "var")],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _metric(metrics, "screening_travelers_screened_total")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        capacity = _capacity(address)
        rss_start = _rss_kib(server.pid)
        rate = max(1.0, capacity * load_fraction * 0.85)  # manifests and stream take the rest
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        versions = frozenset({ORIGINAL_VERSION, *(f"soak-{n}" for n in range(reloads))})
        loader = context.Process(target=_load, args=(address, seconds, rate, results, versions))
        loader.start()
        began = time.monotonic()
        for n in range(reloads):
            time.sleep(seconds / (reloads + 1))
            _set_version(rules, f"soak-{n}")
            if n % 5 == 4:
                os.kill(server.pid, signal.SIGHUP)
        samples: list[tuple[float, float, str, str]] = results.get(timeout=seconds + 120)
        loader.join(timeout=60)
        rss_end = _rss_kib(server.pid)
        restarts = _metric(metrics, "screening_engine_restarts_total")
        reload_ok = _metric(metrics, 'screening_ruleset_reloads_total{result="success"}')
        final = f"soak-{reloads - 1}" if reloads else ORIGINAL_VERSION
        version_ok = _live_version(address, final) == final and not any(
            code == "WRONG_VERSION" for *_, code in samples
        )
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)
    codes = Counter(code for *_, code in samples)
    windows: list[dict[str, Any]] = []
    unary = sorted((s - began, d) for s, d, kind, _ in samples if kind == "unary")
    start = 0.0
    while start < seconds:
        window = [d for t, d in unary if start <= t < start + WINDOW_SECONDS]
        if len(window) >= 2:
            p99 = statistics.quantiles(window, n=100)[98]
            windows.append({"from_s": start, "calls": len(window), "p99_ms": round(p99 * 1000, 2)})
        start += WINDOW_SECONDS
    return {
        "seconds": seconds,
        "capacity_calls_per_s": round(capacity, 1),
        "target_unary_rate": round(rate, 1),
        "calls": len(samples),
        "codes": dict(codes),
        "unexpected_failures": sum(n for c, n in codes.items() if c != "OK"),
        "windows": windows,
        "rss_start_kib": rss_start,
        "rss_end_kib": rss_end,
        "rss_drift_percent": round(100 * (rss_end - rss_start) / max(rss_start, 1), 1),
        "reloads_requested": reloads,
        "reloads_applied": int(reload_ok) - 1,
        "engine_restarts": int(restarts),
        "server_exit_code": code,
        "version_ok": version_ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--reloads", type=int, default=20)
    parser.add_argument("--load", type=float, default=0.8, help="fraction of measured capacity")
    parser.add_argument("--json", type=Path, help="write the report here too")
    args = parser.parse_args(argv)
    report = soak(args.seconds, args.reloads, args.load)
    print(f"soak: {report['seconds']:.0f} s on {os.cpu_count()} cores shared by client and server")
    print(
        f"capacity {report['capacity_calls_per_s']} Screen/s, unary target "
        f"{report['target_unary_rate']}/s plus manifests and a stream"
    )
    print(
        f"calls {report['calls']}, statuses {report['codes']}, "
        f"unexpected failures {report['unexpected_failures']}"
    )
    print(
        f"reloads applied {report['reloads_applied']}/{report['reloads_requested']}, "
        f"engine restarts {report['engine_restarts']}, server exit {report['server_exit_code']}"
    )
    print(
        f"RSS {report['rss_start_kib']} -> {report['rss_end_kib']} KiB "
        f"({report['rss_drift_percent']:+.1f}%)"
    )
    for window in report["windows"]:
        print(
            f"  t={window['from_s']:>5.0f}s  calls {window['calls']:>6}  "
            f"p99 {window['p99_ms']:>8.2f} ms"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if report["unexpected_failures"] == 0 and report["server_exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
