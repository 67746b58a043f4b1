"""Processes as /proc shows them: who descends from whom, who is still alive.

The test run checks with these that every process it started has ended
(`tests/conftest.py`), and the supervisor test that its workers die with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PR_SET_CHILD_SUBREAPER: Final = 36


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgrp: int
    state: str

    @property
    def alive(self) -> bool:
        return self.state not in ("Z", "X")

    def command(self) -> str:
        try:
            raw = Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return "?"
        return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def read(pid: int) -> Proc | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces or ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return Proc(pid, int(fields[1]), int(fields[2]), fields[0])


def table() -> list[Proc]:
    procs = (read(int(entry)) for entry in os.listdir("/proc") if entry.isdigit())
    return [proc for proc in procs if proc is not None]


def descendants(pid: int) -> list[Proc]:
    """Every process below ``pid`` (children, their children, ...), zombies included."""
    children: dict[int, list[Proc]] = {}
    for proc in table():
        children.setdefault(proc.ppid, []).append(proc)
    found: list[Proc] = []
    frontier = [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(child)
            frontier.append(child.pid)
    return found


def living(pids: list[int]) -> list[Proc]:
    procs = (read(pid) for pid in pids)
    return [proc for proc in procs if proc is not None and proc.alive]


def wait_gone(pids: list[int], timeout: float) -> list[Proc]:
    """Those of ``pids`` still alive after ``timeout`` seconds ([] as soon as none is)."""
    deadline = time.monotonic() + timeout
    while True:
        left = living(pids)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def become_subreaper() -> bool:
    """Orphans of this process's descendants are re-parented here, not to init (Linux)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0


def reap_zombies() -> None:
    """Collect exited children nobody waits for (orphans re-parented to this process)."""
    for proc in descendants(os.getpid()):
        if proc.ppid == os.getpid() and not proc.alive:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, os.WNOHANG)
