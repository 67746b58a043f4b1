"""`screening serve` as a real subprocess on loopback ports it binds itself, for tests.

The server binds port 0 and the test reads the port back from its log (the
`serving` line, and `metrics port bound` for metrics), so no port is ever
closed by the test and then raced for. With ``--workers`` every worker must
share one port: the test holds it (bound with SO_REUSEPORT, never listening)
for as long as the server runs. Every process started here is killed on
every path, including a failed start.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.processes import descendants, wait_gone

START_SECONDS = 60.0


def free_port() -> int:
    """A port for a component that cannot bind port 0 itself (nginx, Prometheus configs).

    Racy by nature (the port is free now, not necessarily when it is bound);
    servers started by `ServeProcess` never use it.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def reserve_shared_port() -> socket.socket:
    """A loopback port held open (not listening) that SO_REUSEPORT binders may share."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def health_channel(address: str, credentials: grpc.ChannelCredentials | None) -> grpc.Channel:
    if credentials is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, credentials)


def wait_serving(
    address: str,
    process: subprocess.Popen[str],
    timeout: float = START_SECONDS,
    credentials: grpc.ChannelCredentials | None = None,
) -> None:
    """Return once health says SERVING; on any failure kill ``process`` and raise."""
    try:
        _wait_serving(address, process, timeout, credentials)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=30)
        raise


def _wait_serving(
    address: str,
    process: subprocess.Popen[str],
    timeout: float,
    credentials: grpc.ChannelCredentials | None,
) -> None:
    deadline = time.monotonic() + timeout
    with health_channel(address, credentials) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            assert process.poll() is None, "server exited during start-up"
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise AssertionError("server did not report SERVING in time")


def _option(extra: tuple[str, ...], name: str) -> str | None:
    for index, value in enumerate(extra):
        if value == name and index + 1 < len(extra):
            return extra[index + 1]
        if value.startswith(name + "="):
            return value.split("=", 1)[1]
    return None


class ServeProcess:
    """One `screening serve` in its own process group; stdout (JSON lines) drained by a thread.

    Draining matters: a child whose stdout pipe fills blocks on its next log
    line, which would stall its event loop.
    """

    def __init__(
        self,
        rules: Path,
        *extra: str,
        credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self._reserved: socket.socket | None = None
        # Each server keeps its own state (pseudonym key, travel history) unless told
        # where: servers of different tests never share a history.
        self._data_dir: str | None = None
        if _option(extra, "--data-dir") is None:
            self._data_dir = tempfile.mkdtemp(prefix="screening-data-")
            extra = (*extra, "--data-dir", self._data_dir)
        workers = int(_option(extra, "--workers") or "1")
        address = _option(extra, "--address")
        if address is None:
            if workers > 1:
                self._reserved = reserve_shared_port()
                address = f"127.0.0.1:{self._reserved.getsockname()[1]}"
            else:
                address = "127.0.0.1:0"
        metrics = _option(extra, "--metrics-address")
        env = {**os.environ, "SCREENING_METRICS_ADDRESS": metrics or "127.0.0.1:0"}
        command = [sys.executable, "-m", "screening_service", "serve", "--rules", str(rules)]
        self.output: list[str] = []
        self._lines = threading.Condition()
        self.process = subprocess.Popen(
            [*command, "--address", address, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        try:
            serving = self.wait_log("serving", count=workers)
            self.address = f"127.0.0.1:{serving['port']}"
            self.metrics = metrics or ""
            if not metrics or metrics.endswith(":0"):
                self.metrics = f"127.0.0.1:{self.wait_log('metrics port bound')['port']}"
            wait_serving(self.address, self.process, credentials=credentials)
        except BaseException:
            self.kill()
            raise

    def _drain(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                with self._lines:
                    self.output.append(line)
                    self._lines.notify_all()
        with self._lines:
            self._lines.notify_all()

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.output) if line.startswith("{")]

    def wait_log(
        self, event: str, timeout: float = START_SECONDS, count: int = 1
    ) -> dict[str, Any]:
        """The first log line with this event, once ``count`` such lines were written.

        Fails when the server exits first.
        """
        deadline = time.monotonic() + timeout
        with self._lines:
            while True:
                found = [line for line in self.logs() if line.get("event") == event]
                if len(found) >= count:
                    return found[0]
                exited = self.process.poll() is not None and not self._reader.is_alive()
                remaining = deadline - time.monotonic()
                if exited or remaining <= 0:
                    output = "".join(self.output[-20:])
                    raise AssertionError(f"no {event!r} log line from the server:\n{output}")
                self._lines.wait(min(remaining, 0.5))

    def stop(self) -> tuple[int, list[dict[str, object]]]:
        """SIGTERM, then wait; every process of the server must be gone within 10 s."""
        family = [p.pid for p in descendants(self.process.pid)]
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        left = wait_gone(family, 10)
        self._release()
        assert [] == [p.command() for p in left], "processes outlived a graceful stop"
        return code, self.logs()

    def kill(self, grace: float = 5.0) -> None:
        """End the server on every path: SIGTERM, then SIGKILL for its whole process group.

        The SIGTERM first lets a healthy server exit by itself (and write its
        coverage data); whatever is left after ``grace`` seconds is killed.
        """
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        self._release()

    def _release(self) -> None:
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None
