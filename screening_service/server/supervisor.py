"""`screening serve --workers N`: N server processes on one port.

The supervisor forks the workers before any gRPC object exists (forking a
process that holds gRPC threads is unsafe), so this module must not import
grpc. Each worker binds the same address with SO_REUSEPORT; the kernel
spreads *connections* (not calls) across them. Metrics use prometheus
multiprocess mode: every worker writes to a shared directory and the
supervisor serves the one aggregated /metrics endpoint. SIGTERM/SIGINT are
forwarded (each worker drains gracefully), SIGHUP too (each reloads), and a
worker that dies is restarted, unless it exits with the usage code 2 (a bad
configuration, such as an address it cannot bind), which stops them all.

Workers die with the supervisor however it dies (even SIGKILL): each arms
the parent-death signal right after the fork and watches a pipe whose only
write end the supervisor holds (`engine.lifeline`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Final

from screening_service.engine.lifeline import die_with_parent

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
RESTART_PAUSE_SECONDS: Final = 1.0
USAGE_EXIT_CODE: Final = 2


def prepare_multiprocess_metrics() -> str:
    """A fresh directory for worker metrics; must run before prometheus_client is imported."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before multiprocess mode was set up")
    directory = tempfile.mkdtemp(prefix="screening-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    return directory


class Supervisor:
    def __init__(
        self, workers: int, run_worker: Callable[[int], int], metrics_address: str
    ) -> None:
        self.count = workers
        self.run_worker = run_worker
        self.metrics_address = metrics_address
        self.children: dict[int, int] = {}
        self.stopping = False
        # Workers watch the read end; only this process keeps the write end.
        self._lifeline = os.pipe()

    def _fork(self, index: int) -> None:
        if "grpc" in sys.modules:
            raise RuntimeError("grpc was imported before the workers were forked")
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            read_end, write_end = self._lifeline
            os.close(write_end)
            die_with_parent(parent, read_end)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            code = 1
            try:
                code = self.run_worker(index)
            finally:
                os._exit(code)
        self.children[pid] = index

    def _forward(self, signum: int, _frame: object) -> None:
        if signum in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def run(self) -> int:
        for index in range(self.count):
            self._fork(index)
        # Imported only now: prometheus_client must see the multiprocess
        # directory set up by prepare_multiprocess_metrics.
        from prometheus_client import CollectorRegistry, multiprocess  # noqa: PLC0415

        from screening_service.observability.exposition import serve_metrics  # noqa: PLC0415

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        serve_metrics(self.metrics_address, registry)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._forward)
        failed = 0
        usage_error = False
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid not in self.children:
                continue
            index = self.children.pop(pid)
            multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
            code = os.waitstatus_to_exitcode(status)
            if self.stopping:
                failed += code != 0
                continue
            if code == USAGE_EXIT_CODE:
                # The same configuration would fail again: stop, do not restart.
                self._forward(signal.SIGTERM, None)
                usage_error = True
                continue
            event = {"event": "server worker exited, restarting", "worker": index, "code": code}
            print(json.dumps(event), flush=True)
            time.sleep(RESTART_PAUSE_SECONDS)
            if not self.stopping:
                self._fork(index)
        if usage_error:
            return USAGE_EXIT_CODE
        return 1 if failed else 0


def cleanup(directory: str) -> None:
    shutil.rmtree(directory, ignore_errors=True)
