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
pause, so a process that cannot start does not spin), and passes SIGTERM and SIGINT
on to them. The processes run in a process group of their own, so a Ctrl-C in a
terminal reaches them once, through the supervisor.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0


def worker_command(threads: int, nice: int) -> list[str]:
    """One worker process's command line: ``kenshu worker`` for a single process, with these settings."""
    return [sys.executable, "-m", "bot.cli.main", "worker", "--processes", "1", "--threads", str(threads),
            "--nice", str(nice)]


def supervise(command: Sequence[str], processes: int, restart_pause: float = RESTART_PAUSE_SECONDS) -> None:
    """Run ``processes`` copies of ``command`` until SIGTERM or SIGINT, starting another when one exits."""
    stopping = threading.Event()
    children = [_start(command) for _ in range(processes)]

    def forward(signum: int, _frame: object) -> None:
        stopping.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {number: signal.signal(number, forward) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stopping.wait(restart_pause):
            for index, child in enumerate(children):
                if child.poll() is not None and not stopping.is_set():
                    log.warning("worker process %s exited with %s; starting another", child.pid, child.returncode)
                    children[index] = _start(command)
    finally:
        for child in children:
            child.wait()
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(command), process_group=0)
