"""HOST:PORT addresses: parsed one way for gRPC, metrics and the command line.

Imports nothing, so the command line can check an address before `serve
--workers` forks (no grpc or prometheus_client may be loaded by then).
"""

from __future__ import annotations


def split_address(address: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 hosts in brackets) as host and port; an empty host is loopback."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")
