"""The body of ``kenshu data check``: the same validation the bot runs at start-up.

Kept here (not in the CLI module) so the command and the start-up check can
never drift apart; the CLI only wires arguments to ``run_check``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.knowledge.loader import check, default_data_dir, load_knowledge


def run_check(data_dir: Path | None = None, out: TextIO | None = None) -> int:
    """Print every problem (``file:line: field: message``) and return a process exit code."""
    stream = out or sys.stdout
    directory = data_dir or default_data_dir()
    problems = check(directory)
    for problem in problems:
        print(problem, file=stream)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=stream)
        return 1
    knowledge = load_knowledge(directory)
    courses = sum(len(e.all_courses()) for e in knowledge.editions.values())
    print(f"OK: {len(knowledge.editions)} edition(s), {len(knowledge.trainings)} training(s), "
          f"{courses} course(s) in {directory}", file=stream)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_check(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
