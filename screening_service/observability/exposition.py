"""The Prometheus /metrics endpoint, bound in the background with retries.

A busy or refused metrics port must not stop screening: the failure is
logged and the bind is retried until it succeeds (the fault clears by
itself once the port is free).
"""

from __future__ import annotations

import threading
from typing import Final

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from screening_service.addresses import split_address
from screening_service.observability.logging import get_logger

RETRY_SECONDS: Final = 5.0

log = get_logger("screening.metrics")


def serve_metrics(
    address: str,
    registry: CollectorRegistry = REGISTRY,
    retry_seconds: float = RETRY_SECONDS,
    stop: threading.Event | None = None,
) -> threading.Event:
    """Start /metrics on ``address`` now or as soon as it can bind; returns a 'bound' event."""
    host, port = split_address(address)
    bound = threading.Event()
    stop = stop or threading.Event()

    def bind() -> bool:
        try:
            server, _thread = start_http_server(port, addr=host, registry=registry)
        except OSError as error:
            log.error("metrics port unavailable, retrying", address=address, error=error.strerror)
            return False
        # The port actually bound: the one asked for, or the kernel's choice for port 0.
        log.info("metrics port bound", address=address, port=server.server_port)
        bound.set()
        return True

    if not bind():

        def retry() -> None:
            while not stop.wait(retry_seconds):
                if bind():
                    return

        threading.Thread(target=retry, name="metrics-bind", daemon=True).start()
    return bound
