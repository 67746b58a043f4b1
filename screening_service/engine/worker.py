"""An engine worker process: durable-rules behind a socket.

The server runs the engine here, not in its own process, because
durable-rules can crash (segfault) or hang while holding the GIL; a crash
or hang then costs one call and one worker, never the server. The worker
loads the shard definitions it is sent, answers evaluation frames one at a
time, and exits after any engine error (the engine may be corrupt).

Run as ``python -m screening_service.engine.worker FD PARENT_PID LIFELINE_FD``
with FD one end of a socketpair inherited from the server and LIFELINE_FD the
read end of the server's lifeline pipe: the worker dies with the server
(`lifeline.die_with_parent`), even in the middle of an engine call.
"""

from __future__ import annotations

import json
import socket
import sys

import orjson

from screening_service.engine import lifeline, protocol
from screening_service.engine.native import Engine, EngineError
from screening_service.engine.spec import EngineSpec


def serve(sock: socket.socket) -> int:
    kind, payload = protocol.receive(sock)
    if kind != protocol.LOAD:
        return 2
    try:
        engine = Engine(EngineSpec.from_json(payload))
    except EngineError as error:
        protocol.send(
            sock, protocol.FAILED, json.dumps({"error": str(error), "code": error.code}).encode()
        )
        return 3
    protocol.send(sock, protocol.READY, str(engine.shard_count).encode())
    while True:
        try:
            kind, payload = protocol.receive(sock)
        except protocol.ConnectionLost:
            return 0
        if kind == protocol.PING:
            protocol.send(sock, protocol.PONG, b"")
            continue
        if kind != protocol.EVALUATE:
            return 2
        header, _, facts = payload.partition(b"\n")
        sid, count = header.decode().split(" ")
        try:
            fired = engine.evaluate_json(facts.decode(), int(count), sid)
        except EngineError as error:
            message = json.dumps({"error": str(error), "code": error.code}).encode()
            protocol.send(sock, protocol.FAILED, message)
            return 3
        protocol.send(sock, protocol.FIRED, orjson.dumps([sorted(f) for f in fired]))


def main() -> int:
    lifeline.die_with_parent(int(sys.argv[2]), int(sys.argv[3]))
    sock = socket.socket(fileno=int(sys.argv[1]))
    with sock:
        return serve(sock)


if __name__ == "__main__":
    sys.exit(main())
