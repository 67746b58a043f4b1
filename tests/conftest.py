from __future__ import annotations

import asyncio
import io
import multiprocessing.resource_tracker
import os
import signal
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest

from screening_service.observability.logging import configure
from screening_service.proto import pb_grpc
from screening_service.runtime.packs import ActivePack, EngineOptions, build_snapshot
from screening_service.runtime.reload import PackReloader
from screening_service.server.app import Service, create_server, set_serving
from tests import processes

T = TypeVar("T")

# Measurements tests report at the end of the run (pytest's terminal summary).
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("measured")
        for line in SUMMARY:
            terminalreporter.write_line(line)


# Orphans of anything this run starts come back to this process, so none can
# escape the end-of-run check below by being re-parented to init.
SUBREAPER = processes.become_subreaper()
LEFTOVER_GRACE_SECONDS = 10.0


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """Fail the run when any process it started (however deep) is still alive at the end."""
    yield
    # multiprocessing's resource tracker belongs to this process and would end with
    # it; tests that spawn processes start it, so stop it now, as exit would.
    multiprocessing.resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
    started = [p.pid for p in processes.descendants(os.getpid())]
    left = processes.wait_gone(started, LEFTOVER_GRACE_SECONDS)
    for proc in left:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    processes.wait_gone([p.pid for p in left], LEFTOVER_GRACE_SECONDS)
    processes.reap_zombies()
    if left:
        listing = "\n".join(f"  {p.pid}: {p.command()}" for p in left)
        pytest.fail(f"{len(left)} process(es) started by the tests outlived the run:\n{listing}")


# Logs of in-process servers go to a buffer, as JSON lines (tests may read it).
LOG_STREAM = io.StringIO()
configure("debug", stream=LOG_STREAM)
ROOT = Path(__file__).resolve().parent.parent
BUNDLED_RULES = ROOT / "rules"


class RunningServer:
    """The real aio server on a free loopback port, its loop in a thread."""

    def __init__(self, rules: Path, **options: Any) -> None:
        self.options = options
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        active = ActivePack()
        engine = EngineOptions(isolated=True)
        active.swap(build_snapshot(rules, options=engine))
        self.reloader = PackReloader(rules, active, engine_options=engine)
        self.service: Service = self._run(self._start(active, self.reloader))
        self.address = f"127.0.0.1:{self.service.port}"

    async def _start(self, active: ActivePack, reloader: PackReloader) -> Service:
        service = await create_server("127.0.0.1:0", active, reloader, **self.options)
        await service.server.start()
        await set_serving(service, True)
        return service

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def stop(self) -> None:
        self._run(self.service.server.stop(None))
        snapshot = self.service.active.snapshot
        if snapshot is not None:
            snapshot.engine.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    running = RunningServer(BUNDLED_RULES)
    yield running
    running.stop()


@pytest.fixture
def channel(server: RunningServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as ch:
        yield ch


@pytest.fixture
def stub(channel: grpc.Channel) -> pb_grpc.ScreeningServiceStub:
    return pb_grpc.ScreeningServiceStub(channel)
