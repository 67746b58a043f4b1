"""A local replay cluster's workers start with the allocator settings that keep freed
memory (`runtime.allocator`), instead of Dask's default that trims every 64 KiB."""

from __future__ import annotations

import os
import resource

from screening_service.replay.cluster import dask_client
from screening_service.runtime.allocator import ENVIRONMENT


def _settings() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ENVIRONMENT}


def _faults_for_large_buffers() -> int:
    """Minor page faults while 200 buffers of 4 MiB are allocated, touched and freed."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        buffer = bytearray(4 << 20)
        buffer[::4096] = b"x" * len(buffer[::4096])
        del buffer
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_local_workers_start_with_the_allocator_settings() -> None:
    with dask_client(None, 1) as client:
        (settings,) = client.run(_settings).values()
        assert settings == ENVIRONMENT
        # Reused heap: far fewer faults than the 200 x 1,024 pages of fresh buffers.
        (faults,) = client.run(_faults_for_large_buffers).values()
    assert faults < 200 * 1024 // 4
