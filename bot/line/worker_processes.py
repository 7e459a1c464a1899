"""Several ``kenshu worker`` processes under one command, kept running.

Under a backlog the worker is bound by CPU, and a Python process runs one thread at a
time: its threads overlap LINE's and the database's waits, not their computing. A
second core is used only by a second process. The processes share nothing but the
database, which already makes several workers safe (as on several machines): each
claim is a lease only one of them wins, a user's next event is handed out only once
the previous one is finished whoever held it, the unique outbox row fences a second
decision, and the events of a process that dies are taken over by the others once
its lease is not renewed.

The supervisor only starts the processes, starts another when one exits (after a
pause; processes that keep exiting as soon as they start make it stop with status 1,
so the platform sees the failure), passes SIGTERM and SIGINT on to them, and kills
what has not stopped 30 s later. A worker process gets SIGTERM when the supervisor
dies, even by SIGKILL (Linux), so none runs on unsupervised. The processes run in a process group of their own, so a Ctrl-C in a
terminal reaches them once, through the supervisor.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0
QUICK_EXIT_SECONDS = 10.0  # a process that exits sooner than this did not really start
QUICK_EXITS_TO_GIVE_UP = 5  # in a row: a bad DATABASE_URL or migration, not a crash to ride out
STOP_GRACE_SECONDS = 30.0


def worker_command(threads: int, nice: int) -> list[str]:
    """One worker process's command line: ``kenshu worker`` for a single process, with these settings."""
    return [sys.executable, "-m", "bot.cli.main", "worker", "--processes", "1", "--threads", str(threads),
            "--nice", str(nice)]


def supervise(command: Sequence[str], processes: int, restart_pause: float = RESTART_PAUSE_SECONDS) -> int:
    """Run ``processes`` copies of ``command`` until SIGTERM or SIGINT, starting another when one exits.

    Returns the exit status for the command line: 0 after a signal; 1 when processes
    keep exiting as soon as they start (``QUICK_EXITS_TO_GIVE_UP`` in a row), so that
    the platform running the supervisor sees the failure instead of a loop of restarts.
    """
    stopping = threading.Event()
    children: list[subprocess.Popen[bytes]] = []
    started: dict[int, float] = {}

    def forward(signum: int, _frame: object) -> None:
        stopping.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {number: signal.signal(number, forward) for number in (signal.SIGTERM, signal.SIGINT)}
    quick_exits = 0
    try:
        for _ in range(processes):
            _start_into(children, None, command, started, stopping)
        while not stopping.wait(restart_pause):
            for index, child in enumerate(children):
                if child.poll() is None or stopping.is_set():
                    continue
                quick = time.monotonic() - started.pop(child.pid, 0.0) < QUICK_EXIT_SECONDS
                quick_exits = quick_exits + 1 if quick else 0
                if quick_exits >= QUICK_EXITS_TO_GIVE_UP:
                    log.error("worker processes exit as soon as they start (%s in a row, last status %s); stopping",
                              quick_exits, child.returncode)
                    return 1
                log.warning("worker process %s exited with %s; starting another", child.pid, child.returncode)
                _start_into(children, index, command, started, stopping)
        return 0
    finally:
        _stop_all(children, signalled=stopping.is_set())
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start_into(children: list[subprocess.Popen[bytes]], index: int | None, command: Sequence[str],
                started: dict[int, float], stopping: threading.Event) -> None:
    """Start a process in ``children`` (appended, or at ``index``); one started as a stop arrives is stopped too."""
    child = subprocess.Popen(list(command), process_group=0, preexec_fn=_die_with_parent)
    started[child.pid] = time.monotonic()
    if index is None:
        children.append(child)
    else:
        children[index] = child
    if stopping.is_set() and child.poll() is None:  # the signal came while it was starting: forward missed it
        child.terminate()


def _stop_all(children: list[subprocess.Popen[bytes]], signalled: bool) -> None:
    """Ask every running process to stop (unless the signal was forwarded), wait for them, kill what hangs."""
    for child in children:
        if child.poll() is None and not signalled:
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.error("worker process %s did not stop within %ss; killed", child.pid, STOP_GRACE_SECONDS)
            child.kill()
            child.wait()


def _die_with_parent() -> None:
    """In the child (Linux): SIGTERM when the supervisor dies, even by SIGKILL, so no worker runs unsupervised."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a killed supervisor leaves its workers running
        return


_PR_SET_PDEATHSIG = 1
