"""Replay on Dask: an existing cluster (``--scheduler tcp://HOST:PORT``) or a local one.

Without a scheduler address replay starts a `LocalCluster` with one
single-threaded worker process per core (the embedded default), so one
machine and a cluster run the same code. The job (packs, lookout list,
labels) is scattered once to every worker; partitions are submitted a few
at a time per worker so the client never holds more of the input than that
window, however large the input. A worker that dies takes its partitions
with it; the scheduler gives them to another worker (a partition's work is
idempotent), and the client keeps results by partition number, so the report
is the same.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import dask.config
from distributed import Client, LocalCluster, as_completed

from screening_service.replay.inputs import Partition
from screening_service.runtime.allocator import ENVIRONMENT

T = TypeVar("T")
# Partitions in flight per worker: enough to keep a worker busy while results travel back.
WINDOW_PER_WORKER = 3
# What a local worker process starts with (`allocator`); a variable already set in this
# process's environment wins, as Dask documents.
SPAWN_ENVIRONMENT = "distributed.nanny.pre-spawn-environ"


class ClusterError(RuntimeError):
    """The scheduler cannot be reached, or the cluster has no workers."""


@contextlib.contextmanager
def dask_client(scheduler: str | None, processes: int) -> Iterator[Client]:
    """A client of the given scheduler, or of a local cluster of ``processes`` workers."""
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        with client:
            yield client
        return
    spawn_environment = {**dask.config.get(SPAWN_ENVIRONMENT, {}), **ENVIRONMENT}
    with (
        dask.config.set({SPAWN_ENVIRONMENT: spawn_environment}),
        LocalCluster(
            n_workers=processes,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler's HTTP server (health, metrics) runs even without a dashboard:
            # on a free loopback port, not on 8787 where another cluster may be.
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def workers(client: Client) -> int:
    count = len(client.scheduler_info().get("workers", {}))
    if count == 0:
        client.wait_for_workers(1, timeout=30)
        count = len(client.scheduler_info().get("workers", {}))
    return count


def run_partitions(
    client: Client,
    task: Callable[[Any, Partition], T],
    job: Any,
    partitions: Iterable[Partition],
    done: Callable[[int, Partition, T], None],
) -> None:
    """``task(job, partition)`` for every partition on the cluster; ``done`` gets each
    result with the partition's number, as results arrive (not in order)."""
    try:
        window = max(1, workers(client)) * WINDOW_PER_WORKER
    except TimeoutError:
        raise ClusterError("the Dask cluster has no workers") from None
    shared = client.scatter(job, broadcast=True, hash=False)
    pending = as_completed(loop=client.loop)
    submitted: dict[Any, tuple[int, Partition]] = {}
    source = enumerate(partitions)
    run = uuid.uuid4().hex[:12]

    def submit_next() -> bool:
        item = next(source, None)
        if item is None:
            return False
        number, partition = item
        future = client.submit(
            task, shared, partition, pure=False, key=f"{task.__name__}-{run}-{number}"
        )
        submitted[future] = (number, partition)
        pending.add(future)
        return True

    while len(submitted) < window and submit_next():
        pass
    try:
        for future in pending:
            number, partition = submitted.pop(future)
            result = future.result()
            future.release()
            done(number, partition, result)
            submit_next()
    finally:
        for future in submitted:
            future.cancel()
        shared.release()
