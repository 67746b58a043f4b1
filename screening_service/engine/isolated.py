"""The engine in worker processes, with a time budget and a warm standby.

`IsolatedEngine` has the interface of the in-process `Engine`. Each call
sends the encoded facts to the active worker and waits at most the call's
time budget. If the worker dies, hangs past the budget, or reports an engine
error, the call raises `EngineError` (the caller answers UNAVAILABLE, never a
decision), the worker is killed, the warm standby takes over at once, and a
new standby is started in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from screening_service.engine import lifeline, protocol
from screening_service.engine.native import SIDS, EngineError, encode_facts
from screening_service.engine.spec import DEFAULT_BUDGET_SECONDS, EngineSpec

START_SECONDS: Final = 60.0
# Facts per engine round trip when calls are batched (a manifest is never split).
MAX_BATCH_FACTS: Final = 2000
PING_SECONDS: Final = 1.0
# How long a replacement waits for a standby that is still starting.
STANDBY_WAIT_SECONDS: Final = 3.0
# First read of a reply: a typical reply (a few facts' rule indices) in one call.
RECEIVE_BYTES: Final = 1 << 16


class _Worker:
    def __init__(self, spec: bytes) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            command = [
                sys.executable,
                "-m",
                "screening_service.engine.worker",
                str(child.fileno()),
                str(os.getpid()),
                str(lifeline.lifeline_fd()),
            ]
            self.process = lifeline.spawn(command, pass_fds=(child.fileno(),))
        finally:
            child.close()
        self.sock = parent
        self.sock.settimeout(START_SECONDS)
        try:
            protocol.send(self.sock, protocol.LOAD, spec)
            kind, payload = protocol.receive(self.sock)
        except (OSError, protocol.ConnectionLost) as error:
            self.kill()
            raise EngineError(f"engine worker did not start: {error}") from None
        if kind != protocol.READY:
            self.kill()
            raise EngineError(f"engine worker refused the pack: {payload.decode(errors='replace')}")
        self.shard_count = int(payload)

    @property
    def pid(self) -> int:
        return self.process.pid

    def call(self, payload: bytes, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        protocol.send(self.sock, protocol.EVALUATE, payload)
        return _fired(*protocol.receive(self.sock))

    def alive(self, timeout: float = PING_SECONDS) -> bool:
        """True when the worker answers a ping (a stopped or dying process does not)."""
        if self.process.poll() is not None:
            return False
        try:
            self.sock.settimeout(timeout)
            protocol.send(self.sock, protocol.PING, b"")
            kind, _ = protocol.receive(self.sock)
        except (OSError, protocol.ConnectionLost):
            return False
        return kind == protocol.PONG

    async def call_async(self, payload: bytes) -> bytes:
        """`call` without blocking the event loop (the caller bounds it with a timeout).

        The frame goes out with one direct ``send`` (the socket buffer takes a
        typical frame whole; the loop finishes a partial send), and the reply
        is read in as few ``recv`` calls as it arrives in: the loop is asked to
        watch the socket only while the worker is still evaluating.
        """
        loop = asyncio.get_running_loop()
        sock = self.sock
        sock.setblocking(False)
        frame = protocol.HEADER.pack(protocol.EVALUATE, len(payload)) + payload
        try:
            sent = sock.send(frame)
        except BlockingIOError:
            sent = 0
        if sent < len(frame):
            await loop.sock_sendall(sock, memoryview(frame)[sent:])
        reply = await loop.sock_recv(sock, RECEIVE_BYTES)
        if not reply:
            raise protocol.ConnectionLost("engine worker connection closed")
        while len(reply) < protocol.HEADER.size:
            reply += await _receive_async(loop, sock, protocol.HEADER.size - len(reply))
        kind, size = protocol.HEADER.unpack_from(reply)
        if size > protocol.MAX_FRAME:
            raise protocol.ConnectionLost(f"frame of {size} bytes is too large")
        body = reply[protocol.HEADER.size :]
        if len(body) > size:
            raise protocol.ConnectionLost("engine worker sent more than one reply")
        if len(body) < size:
            body += await _receive_async(loop, sock, size - len(body))
        return _fired(kind, body)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def _fired(kind: bytes, reply: bytes) -> bytes:
    """The FIRED payload of a worker's reply, or the engine error it reports."""
    if kind == protocol.FAILED:
        detail = json.loads(reply)
        raise EngineError(f"engine error: {detail['error']}", int(detail.get("code", 0)))
    if kind != protocol.FIRED:
        raise EngineError("engine worker sent an unexpected frame")
    return reply


async def _receive_async(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = await loop.sock_recv(sock, min(size, 1 << 20))
        if not chunk:
            raise protocol.ConnectionLost("engine worker connection closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


@dataclass
class _Job:
    facts: Sequence[dict[str, Any]]
    future: asyncio.Future[list[set[int]]]


def _stop_all(workers: list[_Worker]) -> None:
    for worker in workers:
        worker.kill()


class IsolatedEngine:
    def __init__(
        self,
        spec: EngineSpec,
        budget_seconds: float = DEFAULT_BUDGET_SECONDS,
        on_restart: Callable[[str], None] = lambda _reason: None,
    ) -> None:
        self.budget_seconds = budget_seconds
        self.on_restart = on_restart
        self._spec = spec.to_json()
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._drainer: asyncio.Task[None] | None = None
        self._replacement: asyncio.Future[None] | None = None
        self._closed = False
        # Set while a broken worker is being replaced (the engine heals itself);
        # `_broken` once no replacement could start (it cannot).
        self._replacing = False
        self._broken = False
        self._sids = itertools.cycle(SIDS)
        self._workers: list[_Worker] = []
        self._finalizer = weakref.finalize(self, _stop_all, self._workers)
        self._active = self._start()
        self._standby: _Worker | None = None
        self._standby_ready = threading.Event()
        self._spawn_standby()

    def _start(self) -> _Worker:
        worker = _Worker(self._spec)
        self._workers.append(worker)
        return worker

    def _spawn_standby(self) -> None:
        ready = threading.Event()
        self._standby_ready = ready

        def spawn() -> None:
            try:
                standby = self._start()
                if self._closed or self._standby_ready is not ready:
                    self._discard(standby)
                else:
                    self._standby = standby
            except EngineError:
                pass
            finally:
                ready.set()

        threading.Thread(target=spawn, name="engine-standby", daemon=True).start()

    @property
    def shard_count(self) -> int:
        return self._active.shard_count

    @property
    def healthy(self) -> bool:
        """False when closed, or when its worker is gone and no replacement is coming.

        A worker that died is replaced by the next call (or is being replaced
        now); only when starting a replacement failed, or the engine was
        closed, must the caller give the pack a new engine.
        """
        if self._closed or self._broken:
            return False
        return self._replacing or self._active.process.poll() is None

    @property
    def worker_pid(self) -> int:
        return self._active.pid

    def close(self) -> None:
        self._closed = True
        self._standby_ready.wait(timeout=START_SECONDS)
        self._finalizer()

    def _encode(self, facts: Sequence[dict[str, Any]]) -> bytes:
        sid = next(self._sids)
        for fact in facts:
            fact["sid"] = sid
        body = encode_facts(facts).encode()
        return f"{sid} {len(facts)}\n".encode() + body

    def _budget(self, timeout: float | None) -> float:
        budget = self.budget_seconds if timeout is None else min(timeout, self.budget_seconds)
        return max(budget, 0.001)

    @staticmethod
    def _decode(reply: bytes, count: int) -> list[set[int]]:
        """One list of rule indices per fact, or `EngineError` (the worker is then replaced)."""
        try:
            fired = orjson.loads(reply)
        except ValueError:
            raise EngineError("engine worker sent a reply that is not JSON") from None
        if not isinstance(fired, list) or not all(
            isinstance(f, list) and all(type(i) is int for i in f) for f in fired
        ):
            raise EngineError("engine worker sent a reply that is not lists of rule indices")
        if len(fired) != count:
            raise EngineError(f"engine worker answered {len(fired)} of {count} facts")
        return [set(f) for f in fired]

    def evaluate(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        if not facts:
            return []
        return self.evaluate_payload(self._encode(facts), len(facts), timeout)

    async def evaluate_async(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        """`evaluate` for the server's event loop, with adaptive batching.

        Calls that arrive while the worker is busy are queued; each round trip
        then carries every queued call's facts in one frame (no rule joins two
        facts, so travelers of different calls may share a session) and the
        results are split back. One call at a time costs one round trip, many
        share one. ``timeout`` bounds this caller's wait; each engine call is
        bounded by the engine budget.
        """
        if not facts:
            return []
        loop = asyncio.get_running_loop()
        job = _Job(facts, loop.create_future())
        self._queue.append(job)
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        if timeout is None:
            return await job.future
        # On expiry the job's future is cancelled, so no batch takes it any more.
        try:
            async with asyncio.timeout(timeout):
                return await job.future
        except TimeoutError:
            raise EngineError("the call's deadline passed while waiting for the engine") from None

    def _next_batch(self) -> list[_Job]:
        batch: list[_Job] = []
        count = 0
        while self._queue and (not batch or count + len(self._queue[0].facts) <= MAX_BATCH_FACTS):
            job = self._queue.pop(0)
            if not job.future.done():
                batch.append(job)
                count += len(job.facts)
        return batch

    async def _drain(self) -> None:
        try:
            await self._drain_queue()
        except BaseException as error:
            # Never leave a caller waiting on a batch that will not run.
            self._fail(self._queue, EngineError(f"engine batching failed: {error!r}"))
            self._queue.clear()
            raise

    async def _drain_queue(self) -> None:
        while self._queue:
            if self._replacement is not None:
                replacement, self._replacement = self._replacement, None
                try:
                    await replacement
                except EngineError as error:
                    self._fail(self._next_batch(), error)
                    continue
            batch = self._next_batch()
            if not batch:
                continue
            facts = [fact for job in batch for fact in job.facts]
            for position, fact in enumerate(facts):
                fact["id"] = position
            worker = self._active
            try:
                async with asyncio.timeout(self.budget_seconds):
                    reply = await worker.call_async(self._encode(facts))
                fired = self._decode(reply, len(facts))
            except (OSError, ValueError, protocol.ConnectionLost, EngineError) as error:
                reason = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
                self._replacing = True
                self._replacement = asyncio.ensure_future(
                    asyncio.to_thread(self._replace, worker, reason)
                )
                failure = (
                    error
                    if isinstance(error, EngineError)
                    else EngineError(
                        f"engine call exceeded its {self.budget_seconds:.3f} s budget"
                        if isinstance(error, TimeoutError)
                        else f"engine worker failed: {error}"
                    )
                )
                self._fail(batch, failure)
                continue
            start = 0
            for job in batch:
                end = start + len(job.facts)
                if not job.future.done():
                    job.future.set_result(fired[start:end])
                start = end

    @staticmethod
    def _fail(batch: list[_Job], error: EngineError) -> None:
        for job in batch:
            if not job.future.done():
                job.future.set_exception(error)

    def evaluate_payload(
        self, payload: bytes, count: int, timeout: float | None = None
    ) -> list[set[int]]:
        """Send an encoded evaluation frame (``SID COUNT\\nJSON``) to the active worker."""
        budget = self._budget(timeout)
        with self._lock:
            worker = self._active
            try:
                fired = self._decode(worker.call(payload, budget), count)
            except (OSError, protocol.ConnectionLost, EngineError) as error:
                reason = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
                self._replace(worker, reason)
                if isinstance(error, EngineError):
                    raise
                if isinstance(error, TimeoutError):
                    raise EngineError(f"engine call exceeded its {budget:.3f} s budget") from None
                raise EngineError(f"engine worker failed: {error}") from None
        return fired

    def _replace(self, broken: _Worker, reason: str) -> None:
        self._replacing = True
        try:
            self._discard(broken)
            standby = self._take_standby()
            if standby is not None and not standby.alive():
                self._discard(standby)
                standby = None
            try:
                self._active = standby if standby is not None else self._start()
                self._broken = False
            except EngineError:
                self._broken = True
                raise
            self.on_restart(reason)
            self._spawn_standby()
        finally:
            self._replacing = False

    def _take_standby(self) -> _Worker | None:
        """The warm standby, if it is ready within STANDBY_WAIT_SECONDS.

        A standby still starting (slow, or itself hung) is abandoned, and
        discarded when it comes up: recovery never waits on it for long.
        """
        if not self._standby_ready.wait(timeout=STANDBY_WAIT_SECONDS):
            abandoned = threading.Event()
            abandoned.set()
            self._standby_ready = abandoned
            return None
        standby, self._standby = self._standby, None
        return standby

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with contextlib.suppress(ValueError):
            self._workers.remove(worker)

    def worker_pids(self) -> list[int]:
        """Every live worker process (active and standby), for tests and diagnostics."""
        return [w.pid for w in self._workers if w.process.poll() is None]
