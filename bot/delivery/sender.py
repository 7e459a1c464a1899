"""Sending through the gateway with LINE's rules: rate limits, bounded retries, 409 as sent.

Retryable errors (timeouts, 429 rate limit, 5xx) back off exponentially with
full jitter and are retried with the same retry key, so a request that did
reach LINE is never delivered twice. A 409 means LINE already accepted that
key: the message went out. Other 4xx (and the monthly quota, which a retry
cannot fix) are failures recorded with LINE's message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linebot.v3.messaging import Message

from bot.db.tables import DeliveryStatus
from bot.delivery.ratelimit import MULTICAST_REQUESTS_PER_SECOND, PUSH_REQUESTS_PER_SECOND, TokenBucket
from bot.line.gateway import LineApiError, LineGateway

MAX_MULTICAST_RECIPIENTS = 500
QUOTA_EXHAUSTED_MESSAGE = "monthly limit"  # LINE: "You have reached your monthly limit."


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` tries; the n-th wait is uniform in [0, min(max_delay, base * 2**n)]."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Outcome:
    """How one request ended: sent (200 or 409) or failed, after how many attempts."""

    status: DeliveryStatus
    attempts: int
    error: str | None = None


@dataclass(frozen=True)
class Push:
    line_user_id: str
    messages: list[Message]
    retry_key: str


def _retry_worthy(error: LineApiError) -> bool:
    return error.retryable and QUOTA_EXHAUSTED_MESSAGE not in error.message


class Sender:
    """Multicast and push through one gateway, within LINE's rate limits, from ``workers`` threads at once.

    Thread-safe: the engine calls it from a pool of ``workers`` threads, and the
    per-endpoint token buckets are shared by all of them.
    """

    def __init__(
        self,
        line: LineGateway,
        policy: RetryPolicy = RetryPolicy(),
        workers: int | None = None,
        push_rate: float = PUSH_REQUESTS_PER_SECOND,
        multicast_rate: float = MULTICAST_REQUESTS_PER_SECOND,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # At most one thread per connection the gateway keeps alive: a thread more
        # would open a fresh connection for each request and throw it away after.
        self.line = line
        self.policy = policy
        self.workers = min(workers or line.pool_size, line.pool_size)
        self._sleep = sleep
        self._rng = random.Random()
        self._push_bucket = TokenBucket(push_rate, sleep=sleep)
        self._multicast_bucket = TokenBucket(multicast_rate, sleep=sleep)

    def multicast(self, line_user_ids: Sequence[str], messages: Sequence[Message], retry_key: str) -> Outcome:
        if len(line_user_ids) > MAX_MULTICAST_RECIPIENTS:
            raise ValueError(f"a multicast goes to at most {MAX_MULTICAST_RECIPIENTS} users")
        return self._send(self._multicast_bucket, lambda: self.line.multicast(line_user_ids, messages, retry_key))

    def push(self, push: Push) -> Outcome:
        return self._send(self._push_bucket, lambda: self.line.push(push.line_user_id, push.messages, push.retry_key))

    def _send(self, bucket: TokenBucket, request: Callable[[], None]) -> Outcome:
        for attempt in range(1, self.policy.attempts + 1):
            bucket.acquire()
            try:
                request()
                return Outcome(DeliveryStatus.SENT, attempt)
            except LineApiError as error:
                if error.already_accepted:
                    return Outcome(DeliveryStatus.SENT, attempt)
                if not _retry_worthy(error) or attempt == self.policy.attempts:
                    suffix = f" (gave up after {attempt} attempts)" if _retry_worthy(error) else ""
                    return Outcome(DeliveryStatus.FAILED, attempt, f"LINE {error.status}: {error.message}{suffix}")
                self._sleep(self.policy.delay(attempt, self._rng))
        raise AssertionError("unreachable: the loop returns on its last attempt")
