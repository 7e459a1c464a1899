"""Per-endpoint token buckets mirroring LINE's documented rate limits.

LINE limits each endpoint per channel (push 2,000 req/s, multicast 200 req/s,
broadcast 60 req/h, rich menu create/delete 100 req/h, loading 100 req/s, other
endpoints 2,000 req/s) and answers 429 beyond that. The fanout benchmark relies
on seeing those 429s, so the fake enforces them with refilling buckets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from bot.devtools.fake_line.timing import Clock


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``requests`` allowed per ``per_seconds``, with a burst of ``requests``."""

    requests: float
    per_seconds: float = 1.0

    @property
    def refill_per_second(self) -> float:
        return self.requests / self.per_seconds


OTHER_ENDPOINTS = RateLimit(2000, 1.0)
DEFAULT_RATE_LIMITS: dict[str, RateLimit] = {
    "push": RateLimit(2000, 1.0),
    "multicast": RateLimit(200, 1.0),
    "broadcast": RateLimit(60, 3600.0),
    "loading": RateLimit(100, 1.0),
    "richmenu_create": RateLimit(100, 3600.0),
    "richmenu_delete": RateLimit(100, 3600.0),
}


class _Bucket:
    def __init__(self, limit: RateLimit, now: float) -> None:
        self.limit = limit
        self.tokens = float(limit.requests)
        self.updated = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.limit.requests, self.tokens + elapsed * self.limit.refill_per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """One bucket per endpoint name; unlisted endpoints share LINE's 2,000 req/s."""

    def __init__(self, clock: Clock, limits: dict[str, RateLimit | float | None] | None = None,
                 *, enabled: bool = True) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits: dict[str, RateLimit | None] = dict(DEFAULT_RATE_LIMITS)
        self._buckets: dict[str, _Bucket] = {}
        self.enabled = enabled
        for endpoint, limit in (limits or {}).items():
            self.set_limit(endpoint, limit)

    def set_limit(self, endpoint: str, limit: RateLimit | float | None) -> None:
        """A number means requests per second; None removes the limit."""
        if isinstance(limit, (int, float)):
            limit = RateLimit(float(limit), 1.0)
        with self._lock:
            self._limits[endpoint] = limit
            self._buckets.pop(endpoint, None)

    def allow(self, endpoint: str) -> bool:
        """Take a token for ``endpoint``; False means answer 429."""
        if not self.enabled:
            return True
        with self._lock:
            limit = self._limits.get(endpoint, OTHER_ENDPOINTS)
            if limit is None:
                return True
            now = self._clock()
            bucket = self._buckets.get(endpoint)
            if bucket is None:
                bucket = self._buckets[endpoint] = _Bucket(limit, now)
            return bucket.take(now)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
