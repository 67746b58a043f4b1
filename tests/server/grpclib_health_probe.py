"""grpclib's own health stubs (`grpclib.health.v1`) against a running server.

Run as ``python -m tests.server.grpclib_health_probe PORT [SERVICE ...]``; prints
one ``SERVICE=STATUS`` line per service ("" is the whole server).

It runs in a process of its own: `grpclib.health.v1.health_pb2` is generated
from ``grpclib/health/v1/health.proto`` but declares the same
``grpc.health.v1.*`` messages as grpcio-health-checking's module, and
protobuf refuses to hold both in one descriptor pool ("duplicate symbol
'grpc.health.v1.HealthCheckRequest'"). The server under test has already
imported grpcio's, so the probe cannot share its interpreter. Importing
grpclib's health modules happens in `main`, never at import time.
"""

from __future__ import annotations

import asyncio
import sys


async def check(port: int, services: list[str]) -> list[str]:
    from grpclib.client import Channel  # noqa: PLC0415
    from grpclib.health.v1.health_grpc import HealthStub  # noqa: PLC0415
    from grpclib.health.v1.health_pb2 import (  # noqa: PLC0415
        HealthCheckRequest,
        HealthCheckResponse,
    )

    lines = []
    async with Channel("127.0.0.1", port) as channel:
        health = HealthStub(channel)
        for service in services:
            response = await health.Check(HealthCheckRequest(service=service), timeout=10)
            name = HealthCheckResponse.ServingStatus.Name(response.status)
            lines.append(f"{service}={name}")
    return lines


def main(argv: list[str]) -> int:
    port, *services = argv
    for line in asyncio.run(check(int(port), services or [""])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
