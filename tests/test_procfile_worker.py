"""The Procfile's worker line is a valid ``kenshu worker`` invocation that runs two processes.

A typo in a Procfile flag shows only at deploy time; why two processes: README, "PostgreSQL: two worker
processes".
"""

from __future__ import annotations

import shlex
from pathlib import Path

from bot.cli.worker import worker

PROCFILE = Path(__file__).resolve().parent.parent / "Procfile"


def _worker_arguments() -> list[str]:
    lines = dict(line.split(":", 1) for line in PROCFILE.read_text().splitlines() if line.strip())
    command = shlex.split(lines["worker"])
    assert command[:2] == ["kenshu", "worker"]
    return command[2:]


def test_the_procfile_runs_two_worker_processes() -> None:
    context = worker.make_context("worker", _worker_arguments())
    assert context.params["processes"] == 2
    assert context.params["nice"] == 10  # the acknowledgements still come first
