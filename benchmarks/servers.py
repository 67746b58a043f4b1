"""Servers under test, each in its own process on a free loopback port.

`ServerProcess` is the benchmark's equivalent of ``tests/serving.py``'s
`ServeProcess`: it starts a command, drains its output (a child whose stdout
pipe fills blocks on its next log line) keeping only the last lines, and
waits until the standard health service reports SERVING.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Final

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT: Final = Path(__file__).resolve().parent.parent
BUNDLED_RULES: Final = ROOT / "rules"
START_SECONDS: Final = 90.0


class ServerFailed(RuntimeError):
    """The server exited or did not report SERVING in time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    def __init__(self, command: list[str], address: str, env: dict[str, str] | None = None) -> None:
        self.address = address
        self.command = command
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self.lines = 0
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        self._reader = threading.Thread(target=self._drain, daemon=True, name="drain")
        self._reader.start()
        try:
            self._wait_serving()
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def _drain(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.output.append(line.rstrip("\n"))
                self.lines += 1

    def _wait_serving(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        with grpc.insecure_channel(self.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self._reader.join(timeout=5)
                    raise ServerFailed(
                        f"exited with code {self.process.returncode}: "
                        + " | ".join(list(self.output)[-5:])
                    )
                with contextlib.suppress(grpc.RpcError):
                    status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return
                time.sleep(0.1)
        raise ServerFailed(f"did not report SERVING within {START_SECONDS:.0f} s")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return self.process.returncode

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def screening(rules: Path = BUNDLED_RULES, *extra: str) -> ServerProcess:
    """The real `screening serve` (as `python -m screening_service serve`)."""
    address = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "screening_service", "serve", "--rules", str(rules)]
    command += ["--address", address, "--metrics-address", f"127.0.0.1:{free_port()}", *extra]
    if "--data-dir" not in extra:
        command += ["--data-dir", tempfile.mkdtemp(prefix="bench-data-")]
    return ServerProcess(command, address)


def inproc_engine(*extra: str, rules: Path = BUNDLED_RULES) -> ServerProcess:
    """`screening serve` with the engine in the server process (`benchmarks.variant_server`)."""
    address = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "benchmarks.variant_server", "--inproc-engine", "serve"]
    command += ["--rules", str(rules), "--address", address]
    command += ["--metrics-address", f"127.0.0.1:{free_port()}", *extra]
    return ServerProcess(command, address)


def echo(response: Path, *, bare: bool) -> ServerProcess:
    """The echo baseline (see `benchmarks.echo_server`)."""
    address = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "benchmarks.echo_server", "--address", address]
    command += ["--response", str(response), "--rules", str(BUNDLED_RULES)]
    return ServerProcess([*command, "--bare"] if bare else command, address)


def serve_help() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "screening_service", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    return out.stdout + out.stderr
