"""Frames between the server and an engine worker: 1 kind byte, 4 length bytes, payload."""

from __future__ import annotations

import socket
import struct
from typing import Final

HEADER: Final = struct.Struct(">cI")
MAX_FRAME: Final = 256 * 1024 * 1024

LOAD: Final = b"L"  # server -> worker: the pack's shard definitions (JSON)
READY: Final = b"R"  # worker -> server: loaded; payload is the shard count
EVALUATE: Final = b"E"  # server -> worker: sid, count and facts (JSON)
FIRED: Final = b"F"  # worker -> server: fired rule indices per fact (JSON)
FAILED: Final = b"X"  # worker -> server: engine error (JSON); the worker then exits
PING: Final = b"P"  # server -> worker: are you alive?
PONG: Final = b"O"  # worker -> server: yes


class ConnectionLost(ConnectionError):
    """The peer closed the connection or died."""


def send(sock: socket.socket, kind: bytes, payload: bytes) -> None:
    sock.sendall(HEADER.pack(kind, len(payload)) + payload)


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionLost("engine worker connection closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> tuple[bytes, bytes]:
    kind, size = HEADER.unpack(_exactly(sock, HEADER.size))
    if size > MAX_FRAME:
        raise ConnectionLost(f"frame of {size} bytes is too large")
    return kind, _exactly(sock, size)
