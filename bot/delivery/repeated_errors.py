"""A send's errors in the log: each kind once, with its traceback, and the rest counted.

A systematic error (a renderer's bug, a message every push fails to encode) fails
every recipient of a send the same way. The ledger records each of them with its
one-line reason; the log needs the traceback once, not once per push: 100,000 of
them drown the log and every other line in it. Errors are of one kind when they
were raised at the same line, have the same type and the same message once numbers,
ids and quoted values are blanked out (``KeyError: 'U1a…'`` and ``KeyError: 'U2b…'``
are one kind); past ``MAX_KINDS`` kinds in a run, the rest count as one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# Ids and addresses, quoted or not (U4af8…, 0x7f…): a LINE user id in a message is no new kind.
_TOKEN = re.compile(r"\b(?:0x[0-9a-fA-F]+|U[0-9a-f]{32}|[0-9A-Za-z]*\d[0-9A-Za-z]{5,})\b")
_NUMBER = re.compile(r"\d+")
# Kinds told apart in one run; beyond them the rest count as one, so memory stays bounded.
MAX_KINDS = 50
OTHER_KINDS = "(other kinds)"


def kind_of(error: BaseException) -> str:
    """The error's type, where it was raised and the shape of its message: what a systematic error repeats
    (KeyError 'url' and KeyError 'password' raised at different lines are two kinds)."""
    try:
        message = str(error)
    except Exception:  # an error whose str() fails is still one error of its type, never the send's end
        message = ""
    shape = _NUMBER.sub("#", _TOKEN.sub("…", _QUOTED.sub("'…'", message)))
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f" at {frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame is not None else ""
    return f"{type(error).__module__}.{type(error).__qualname__}{where}: {shape[:200]}"


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
            if kind not in self._counts and len(self._counts) >= MAX_KINDS:
                kind = OTHER_KINDS
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
            if kind == OTHER_KINDS:
                self._log.error("%s: %s errors of further kinds, past the first %d kinds, not logged", self._run,
                                count - 1, MAX_KINDS)
            else:
                self._log.error("%s: %s more errors of the kind logged above (%s)", self._run, count - 1, kind)
