"""The echo baseline: `Screen` answered with a canned response of typical size.

Run as ``python -m benchmarks.echo_server --address HOST:PORT --response FILE
[--bare]``. ``FILE`` holds a serialised `ScreenResponse` (the benchmark picks
one of median size from the real server).

* default: the real server assembly. `create_server` from
  `screening_service.server.app` builds the grpc.aio server with the same
  options, the same `Observability` handler wrapper (request id, structlog JSON
  line per call, Prometheus metrics, error mapping), health and reflection;
  only `ScreeningServicer.Screen` is replaced by one that returns the canned
  response. Logging is configured as `screening serve` does (JSON lines on
  stdout at ``--log-level``). The difference between this and the real
  `Screen` is the screening work itself: validate, enrich, engine, decide,
  respond.
* ``--bare``: a grpc.aio server with the same options and message limits but
  no wrapper, no logging and no metrics: what gRPC alone costs.

Both parse the request (a real `ScreenRequest`) and serialise the response.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from screening_service.observability.logging import configure
from screening_service.proto import pb
from screening_service.runtime.packs import ActivePack
from screening_service.runtime.reload import PackReloader
from screening_service.server import app
from screening_service.server.servicer import ScreeningServicer


def _bare_handler(response: pb.ScreenResponse) -> grpc.GenericRpcHandler[Any, Any]:
    """`ScreeningService/Screen` alone, parsing the request and serialising ``response``."""

    async def screen(
        request: pb.ScreenRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ScreenResponse:
        return response

    return grpc.method_handlers_generic_handler(
        app.SERVICE_NAME,
        {
            "Screen": grpc.unary_unary_rpc_method_handler(
                screen,
                request_deserializer=pb.ScreenRequest.FromString,
                response_serializer=pb.ScreenResponse.SerializeToString,
            )
        },
    )


async def _serve(address: str, response: pb.ScreenResponse, bare: bool, rules: Path) -> int:
    health = HealthServicer()
    if bare:
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", app.MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", app.MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ]
        )
        server.add_generic_rpc_handlers((_bare_handler(response),))
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        if server.add_insecure_port(address) == 0:
            raise OSError(f"cannot bind {address}")
    else:

        async def screen(
            self: ScreeningServicer,
            request: pb.ScreenRequest,
            context: grpc.aio.ServicerContext[Any, Any],
        ) -> pb.ScreenResponse:
            return response

        ScreeningServicer.Screen = screen  # type: ignore[method-assign]
        active = ActivePack()  # never read: Screen no longer screens
        service = await app.create_server(address, active, PackReloader(rules, active))
        server, health = service.server, service.health
    await server.start()
    for name in ("", app.SERVICE_NAME):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(1.0)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Echo baseline for the Screen benchmark.")
    parser.add_argument("--address", required=True)
    parser.add_argument("--response", type=Path, required=True)
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--rules", type=Path, default=Path("rules"))
    args = parser.parse_args(argv)
    response = pb.ScreenResponse.FromString(args.response.read_bytes())
    if not args.bare:
        configure(args.log_level)
    return asyncio.run(_serve(args.address, response, args.bare, args.rules))


if __name__ == "__main__":
    sys.exit(main())
