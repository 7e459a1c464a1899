"""How many events the worker decides in one transaction: as many as fit a time budget.

On SQLite one transaction holds the database's only write lock from its first
statement (the claim) to its commit, and every acknowledgement of the webhook
waits for that lock: a batch of 16 questions decided in one transaction kept
acknowledgements waiting for its whole duration (ack p99 over a second in
``bench/webhook.py``). So on SQLite the batch is sized from the time recent events
took to decide, to stay within a budget; on PostgreSQL (row locks, the
acknowledgements never wait for the worker) there is no budget and the batch is
the largest allowed.
"""

from __future__ import annotations

import math

# Weight of the latest batch in the running estimate of seconds per event.
_SMOOTHING = 0.3


class BatchSize:
    """The next batch's size: ``largest``, or fewer so that deciding them fits ``budget_seconds``."""

    def __init__(self, largest: int, budget_seconds: float | None) -> None:
        self.largest = largest
        self.budget_seconds = budget_seconds
        self._seconds_per_event: float | None = None

    def next(self) -> int:
        if self.budget_seconds is None or self._seconds_per_event is None:
            return self.largest
        fits = math.floor(self.budget_seconds / max(self._seconds_per_event, 1e-6))
        return max(1, min(self.largest, fits))

    def note(self, events: int, seconds: float) -> None:
        """A batch of ``events`` took ``seconds`` (wall clock: waiting for the CPU holds the lock too)."""
        if events <= 0:
            return
        per_event = seconds / events
        if self._seconds_per_event is None:
            self._seconds_per_event = per_event
        else:
            self._seconds_per_event += _SMOOTHING * (per_event - self._seconds_per_event)
