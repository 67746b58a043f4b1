"""Child processes that die with their parent.

A server worker or engine worker outliving its parent keeps serving the port
(or holding memory) with nobody to stop it. Two mechanisms, so one missing
does not leave orphans:

- Linux's parent-death signal: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, set in
  the child. The kernel sends it when the *thread* that forked the child
  exits, so parents fork these children from a thread that lives as long as
  the process (the supervisor's main thread; `spawn` below for engines).
- A watched pipe: the parent holds the only write end; the child reads the
  other end in a daemon thread and exits on end-of-file, which the kernel
  delivers when the parent dies however it dies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final

PR_SET_PDEATHSIG: Final = 1
ORPHANED_EXIT_CODE: Final = 70

_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()
# The pipe engine workers watch: this process holds the write end until it dies.
_pipe: tuple[int, int] | None = None


def set_parent_death_signal() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return int(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0


def _watch(read_fd: int) -> None:
    while True:
        try:
            if not os.read(read_fd, 1):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    os._exit(ORPHANED_EXIT_CODE)


def die_with_parent(parent_pid: int, read_fd: int | None = None) -> None:
    """Call first thing in a child: exit when ``parent_pid`` dies (now, or at any later time).

    ``read_fd`` is the read end of a pipe whose write end only the parent holds.
    """
    set_parent_death_signal()
    if os.getppid() != parent_pid:
        # The parent died before the signal was armed.
        os._exit(ORPHANED_EXIT_CODE)
    if read_fd is not None:
        threading.Thread(target=_watch, args=(read_fd,), name="lifeline", daemon=True).start()


def _forget_after_fork() -> None:
    """A forked child starts with no spawner thread and must not hold its parent's pipe."""
    global _spawner, _pipe  # noqa: PLW0603  per-process state, reset in a forked child
    _spawner = None
    if _pipe is not None:
        for fd in _pipe:
            os.close(fd)
        _pipe = None


os.register_at_fork(after_in_child=_forget_after_fork)


def lifeline_fd() -> int:
    """The read end of this process's lifeline pipe, for a child to pass to `die_with_parent`."""
    global _pipe  # noqa: PLW0603  one pipe per process, created on first use
    with _spawner_lock:
        if _pipe is None:
            _pipe = os.pipe()
        return _pipe[0]


def spawn(command: Sequence[str], pass_fds: Sequence[int] = ()) -> subprocess.Popen[bytes]:
    """Start ``command`` from this process's long-lived spawner thread, with the lifeline fd.

    Children arming the parent-death signal must be forked by a thread that
    does not exit before the process does; a short-lived thread (a standby
    started in the background) would take its child down with it.
    """
    global _spawner  # noqa: PLW0603  one spawner thread per process, created on first use
    read_fd = lifeline_fd()
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-spawner")
        spawner = _spawner
    return spawner.submit(
        subprocess.Popen,
        list(command),
        pass_fds=(*pass_fds, read_fd),
        stdin=subprocess.DEVNULL,
    ).result()
