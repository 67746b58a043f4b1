"""`screening serve` as a real subprocess on free loopback ports, for tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def health_channel(address: str, credentials: grpc.ChannelCredentials | None) -> grpc.Channel:
    if credentials is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, credentials)


def wait_serving(
    address: str,
    process: subprocess.Popen[str],
    timeout: float = 60,
    credentials: grpc.ChannelCredentials | None = None,
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


class ServeProcess:
    """One `screening serve`; its stdout (JSON log lines) is drained by a thread.

    Draining matters: a child whose stdout pipe fills blocks on its next log
    line, which would stall its event loop.
    """

    def __init__(
        self,
        rules: Path,
        *extra: str,
        credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self.address = f"127.0.0.1:{free_port()}"
        self.metrics = f"127.0.0.1:{free_port()}"
        env = {**os.environ, "SCREENING_METRICS_ADDRESS": self.metrics}
        command = [sys.executable, "-m", "screening_service", "serve", "--rules", str(rules)]
        self.process = subprocess.Popen(
            [*command, "--address", self.address, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        wait_serving(self.address, self.process, credentials=credentials)

    def _drain(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.output.append(line)

    def logs(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in list(self.output) if line.startswith("{")]

    def stop(self) -> tuple[int, list[dict[str, object]]]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return code, self.logs()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self._reader.join(timeout=10)
