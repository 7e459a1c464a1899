"""A send's errors in the log: each kind once, with its traceback, and the rest counted.

A systematic error (a renderer's bug, a message every push fails to encode) fails
every recipient of a send the same way. The ledger records each of them with its
one-line reason; the log needs the traceback once, not once per push: 100,000 of
them drown the log and every other line in it. Errors are of one kind when they
have the same type and the same message once numbers and quoted values are blanked
out (``KeyError: 'U1a…'`` and ``KeyError: 'U2b…'`` are one kind).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


def kind_of(error: BaseException) -> str:
    """The error's type and the shape of its message: what a systematic error repeats."""
    shape = _NUMBER.sub("#", _QUOTED.sub("'…'", str(error)))
    return f"{type(error).__module__}.{type(error).__qualname__}: {shape[:200]}"


class OncePerKind:
    """Logs the first error of each kind in full, counts the others, and sums them up at the end.

    Thread-safe: a send's threads report to one instance, made for that send.
    """

    def __init__(self, logger: logging.Logger, run: str) -> None:
        self._log = logger
        self._run = run
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def error(self, error: BaseException, message: str, *args: object, traceback: bool = True) -> None:
        """Log ``message`` (with the traceback) if it is the first of its kind in this run; else count it."""
        kind = kind_of(error)
        with self._lock:
            self._counts[kind] += 1
            first = self._counts[kind] == 1
        if first:
            self._log.error(message + " (later errors of this kind in %s are counted, not logged)", *args, self._run,
                            exc_info=error if traceback else None)

    def summary(self) -> None:
        """One line per kind that repeated: how many more there were than the one logged."""
        with self._lock:
            repeated = [(kind, count) for kind, count in self._counts.items() if count > 1]
        for kind, count in repeated:
            self._log.error("%s: %s more errors of the kind logged above (%s)", self._run, count - 1, kind)
