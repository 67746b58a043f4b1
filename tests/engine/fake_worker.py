"""An engine worker that speaks the protocol but answers wrongly, as FAKE_WORKER_REPLY says.

Started by `IsolatedEngine` in place of the real worker (same arguments), so
the server side's own checks on a worker's reply are what the tests reach.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable

from screening_service.engine import lifeline, protocol


def _lists(count: int, item: bytes) -> bytes:
    return b"[" + b",".join([item] * count) + b"]"


REPLIES: dict[str, tuple[bytes, Callable[[int], bytes]]] = {
    "short": (protocol.FIRED, lambda count: _lists(count - 1, b"[]")),
    "long": (protocol.FIRED, lambda count: _lists(count + 1, b"[]")),
    "not-json": (protocol.FIRED, lambda _count: b"[[1],"),
    "not-indices": (protocol.FIRED, lambda count: _lists(count, b'["0"]')),
    "unexpected-frame": (protocol.PONG, lambda _count: b""),
    "engine-error": (protocol.FAILED, lambda _count: b'{"error": "fake failure", "code": 303}'),
}


def main() -> int:
    lifeline.die_with_parent(int(sys.argv[2]), int(sys.argv[3]))
    kind, reply = REPLIES[os.environ["FAKE_WORKER_REPLY"]]
    with socket.socket(fileno=int(sys.argv[1])) as sock:
        protocol.receive(sock)
        protocol.send(sock, protocol.READY, b"1")
        while True:
            try:
                _kind, payload = protocol.receive(sock)
            except protocol.ConnectionLost:
                return 0
            count = int(payload.partition(b"\n")[0].split(b" ")[1])
            protocol.send(sock, kind, reply(count))


if __name__ == "__main__":
    sys.exit(main())
