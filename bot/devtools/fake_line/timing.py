"""Clocks for the fake: real monotonic time by default, a hand-moved one in tests.

Reply tokens expire, retry keys are remembered for 24 h and rate limits refill
per second; tests must drive all of that without sleeping, so every time-based
decision reads an injected ``Clock`` (seconds as a float).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
Sleeper = Callable[[float], None]

monotonic: Clock = time.monotonic
real_sleep: Sleeper = time.sleep


class ManualClock:
    """A clock that only moves when told to; sleeping advances it instantly."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Use as the fake's sleeper so injected latency costs no wall time."""
        self.advance(seconds)
