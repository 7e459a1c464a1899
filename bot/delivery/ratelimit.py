"""A blocking token bucket, one per LINE endpoint, so the sender stays under LINE's limits.

LINE documents per-channel limits (push 2,000 requests/s, multicast 200
requests/s) and answers 429 beyond them. Waiting for a token before each
request keeps a fast fan-out under the limit instead of relying on 429s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# A margin under LINE's documented limits: other processes of the channel send too.
PUSH_REQUESTS_PER_SECOND = 1800.0
MULTICAST_REQUESTS_PER_SECOND = 180.0


class TokenBucket:
    """``rate`` tokens per second, holding at most ``burst``; ``acquire`` waits for one."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 10)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            self._sleep(wait)
