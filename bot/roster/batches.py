"""Writing imports in batches, and telling the clerk how far a long one has got.

One INSERT or UPDATE statement per batch instead of one per row is what makes a
100,000-row import take seconds rather than minutes (a round trip per row costs
about a millisecond on PostgreSQL). A clerk watching a long import sees a line on
stderr after each batch, so a slow run never looks like a hung one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from bot.i18n import Gettext

BATCH_ROWS = 2_000
LONG_IMPORT_ROWS = 5_000  # fewer rows than this are written in a blink: no progress lines

Progress = Callable[[int, int], None]  # (rows written so far, rows to write)
T = TypeVar("T")


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``size`` items (``itertools.batched`` arrives with Python 3.12)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def progress_printer(echo: Callable[[str], None], _: Gettext) -> Progress:
    """A ``Progress`` that echoes "saved n of m rows" for long imports and stays quiet for short ones."""

    def report(done: int, total: int) -> None:
        if total >= LONG_IMPORT_ROWS:
            echo(_("saving: {done:,} of {total:,} rows").format(done=done, total=total))

    return report
