"""Replay on a real Dask cluster: a scheduler and two workers started here on loopback.

The report through ``--scheduler`` equals the local run's, and stays equal
when one worker is killed while it screens a partition (the scheduler gives
the partition to the other worker; partitions are idempotent and merged in
order).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from distributed import Client

from screening_service.cli import main
from screening_service.evaluation.labels import read_labels
from screening_service.replay import replay, report_json
from tests.conftest import BUNDLED_RULES

DASK = Path(sys.executable).with_name("dask")
# Small partitions: many of them, so a worker can be killed with work still queued.
PARTITION_BYTES = 150_000


@dataclass
class Cluster:
    address: str
    workers: list[subprocess.Popen[bytes]]


def _wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    assert DASK.exists(), f"{DASK} missing: distributed is a dependency"
    scheduler_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--dashboard-address",
            "127.0.0.1:0",
            "--scheduler-file",
            str(scheduler_file),
        ],
        **quiet,  # type: ignore[call-overload]
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        _wait_for(scheduler_file.exists, 30, "the scheduler's address file")
        _wait_for(lambda: scheduler_file.stat().st_size > 0, 10, "the address")
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                    ],
                    **quiet,  # type: ignore[call-overload]
                )
            )
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield Cluster(address, workers)
    finally:
        for worker in workers:
            _stop(worker)
        _stop(scheduler)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = tmp_path_factory.mktemp("dask") / "population.jsonl"
    argv = ["synth", "--population", "evaluation", "--travelers", "5000", "--seed", "5"]
    assert main([*argv, str(records)]) == 0
    return records


@pytest.fixture(scope="module")
def local(population: Path) -> dict[str, object]:
    """The same replay on the embedded default: a local cluster of this machine's cores."""
    return _replay(population, None)


def _replay(records: Path, scheduler: str | None) -> dict[str, object]:
    report = replay(
        BUNDLED_RULES,
        records,
        BUNDLED_RULES,
        scheduler=scheduler,
        labels=read_labels(records.with_name("population.labels.jsonl")),
        partition_bytes=PARTITION_BYTES,
    )
    assert report.travelers == 5000
    return report_json(report, timing=False)


@pytest.mark.slow
def test_replay_on_a_dask_cluster_equals_the_local_run(
    cluster: Cluster, population: Path, local: dict[str, object]
) -> None:
    distributed = _replay(population, cluster.address)
    assert distributed == local
    candidate = local["candidate"]
    assert isinstance(candidate, dict)
    assert sum(candidate["referrals"].values()) == 5000
    assert local["evaluation"] is not None


@pytest.mark.slow
def test_a_worker_killed_mid_replay_changes_nothing(
    cluster: Cluster, population: Path, local: dict[str, object]
) -> None:
    victim = cluster.workers[0]
    killed = threading.Event()

    def kill_when_busy() -> None:
        with Client(cluster.address, timeout="30s", set_as_default=False) as watcher:
            pids = watcher.run(os.getpid)
            (address,) = [a for a, pid in pids.items() if pid == victim.pid]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                keys = watcher.processing().get(address, ())
                if any(str(k).startswith("screen_partition") for k in keys):
                    os.kill(victim.pid, signal.SIGKILL)
                    killed.set()
                    return
                time.sleep(0.02)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    try:
        distributed = _replay(population, cluster.address)
    finally:
        killer.join(timeout=130)
    assert killed.is_set(), "the worker was never seen screening a partition"
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert distributed == local
