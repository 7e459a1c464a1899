"""Sending through the gateway with LINE's rules: rate limits, retries for minutes, 409 as sent.

Retryable errors (timeouts, 429 rate limit, 5xx) are retried with the same
retry key, so a request that did reach LINE is never delivered twice, after
waits that grow exponentially up to a cap, with jitter (so many threads do not
retry in step), until the policy's deadline: LINE's incidents last minutes, and
a send should ride one out rather than give up after a few seconds. A 409 means
LINE already accepted that key: the message went out. Other 4xx (and the monthly
quota, which a retry now cannot fix) are failures recorded with LINE's message.

A failure says whether a later re-send may succeed (``Outcome.resendable``):
LINE unavailable past the deadline, or the quota, yes; a request LINE refused as
malformed, no. ``kenshu announce resume`` re-sends the former with their keys.

Any other error raised while one request is built or sent (a bug, a message that
cannot be encoded) is that request's failure alone, recorded with a one-line
reason and resendable (once fixed, the resume's re-send carries the same key, so a
request that had reached LINE anyway is answered 409): it never costs the other
requests of a batch their outcomes.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linebot.v3.messaging import Message

from bot.db.tables import DeliveryStatus
from bot.delivery.ratelimit import MULTICAST_REQUESTS_PER_SECOND, PUSH_REQUESTS_PER_SECOND, TokenBucket
from bot.delivery.repeated_errors import OncePerKind
from bot.line.gateway import LineApiError, LineGateway

log = logging.getLogger(__name__)

MAX_MULTICAST_RECIPIENTS = 500
QUOTA_EXHAUSTED_MESSAGE = "monthly limit"  # LINE: "You have reached your monthly limit."


# How long one request keeps retrying through a LINE incident (``KENSHU_SEND_RETRY_MINUTES``).
DEFAULT_GIVE_UP_AFTER_SECONDS = 600.0


@dataclass(frozen=True)
class RetryPolicy:
    """Retry until ``give_up_after`` seconds have passed since the first try (and at most
    ``attempts`` tries, when set); the n-th wait is uniform in [cap/2, cap] with
    cap = min(max_delay, base_delay * 2**(n-1)): growing, capped and jittered.

    Half the cap at least, rather than AWS's "full jitter" from zero, so the waits
    really grow: with 32 threads the spread of [cap/2, cap] is enough to keep them
    out of step, and a send never hammers LINE with near-zero waits mid-incident.
    """

    give_up_after: float = DEFAULT_GIVE_UP_AFTER_SECONDS
    base_delay: float = 0.5
    max_delay: float = 30.0
    attempts: int | None = None

    def delay(self, attempt: int, rng: random.Random) -> float:
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(cap / 2, cap)

    def gives_up(self, attempt: int, elapsed: float, next_wait: float) -> bool:
        """True when another try would exceed the attempts or the deadline."""
        return (self.attempts is not None and attempt >= self.attempts) or elapsed + next_wait > self.give_up_after


@dataclass(frozen=True)
class Outcome:
    """How one request ended: sent (200 or 409) or failed, after how many attempts, and whether
    a later re-send with the same retry key may succeed."""

    status: DeliveryStatus
    attempts: int
    error: str | None = None
    resendable: bool = False


@dataclass(frozen=True)
class Push:
    line_user_id: str
    messages: list[Message]
    retry_key: str


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(error: BaseException, limit: int = 300) -> str:
    """The error as one line for the ledger, which the clerk's listings show: no traceback, no stray data.

    A plain ``ValueError`` is the known kind of bad data, raised by our own code with a
    message written for the clerk (details that do not decrypt): its message alone.
    Any other error is named by its type only: its message could quote what was being
    sent (a joining URL or password in a library's validation error), and the ledger is
    read by more people than the log, which has the message and the traceback.
    """
    if type(error) is not ValueError:
        return f"{type(error).__name__} (details in the log)"
    text = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
    # Control characters shown escaped: PostgreSQL refuses a NUL in text, which would fail the batch's marking.
    text = _CONTROL.sub(lambda found: repr(found.group())[1:-1], text)
    return text[:limit]


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # At most one thread per connection the gateway keeps alive: a thread more
        # would open a fresh connection for each request and throw it away after.
        self.line = line
        self.policy = policy
        self.workers = min(workers or line.pool_size, line.pool_size)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        self._push_bucket = TokenBucket(push_rate, sleep=sleep)
        self._multicast_bucket = TokenBucket(multicast_rate, sleep=sleep)

    def multicast(self, line_user_ids: Sequence[str], messages: Sequence[Message], retry_key: str,
                  errors: OncePerKind | None = None) -> Outcome:
        """One multicast; ``errors``, the send's, logs an unexpected error's traceback once per kind."""
        if len(line_user_ids) > MAX_MULTICAST_RECIPIENTS:
            raise ValueError(f"a multicast goes to at most {MAX_MULTICAST_RECIPIENTS} users")
        return self._send(self._multicast_bucket, lambda: self.line.multicast(line_user_ids, messages, retry_key),
                          errors)

    def push(self, push: Push, errors: OncePerKind | None = None) -> Outcome:
        """One push; ``errors``, the send's, logs an unexpected error's traceback once per kind."""
        return self._send(self._push_bucket, lambda: self.line.push(push.line_user_id, push.messages, push.retry_key),
                          errors)

    def _send(self, bucket: TokenBucket, request: Callable[[], None], errors: OncePerKind | None) -> Outcome:
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            bucket.acquire()
            try:
                request()
                return Outcome(DeliveryStatus.SENT, attempt)
            except LineApiError as error:
                if error.already_accepted:
                    return Outcome(DeliveryStatus.SENT, attempt)
                failure = f"LINE {error.status}: {error.message}"
                if not _retry_worthy(error):
                    # The monthly limit: a resume after the plan is raised may go through.
                    return Outcome(DeliveryStatus.FAILED, attempt, failure, resendable=error.retryable)
                wait = self.policy.delay(attempt, self._rng)
                if self.policy.gives_up(attempt, self._clock() - started, wait):
                    return Outcome(DeliveryStatus.FAILED, attempt, f"{failure} (gave up after {attempt} attempts)",
                                   resendable=True)
                self._sleep(wait)
            except Exception as error:  # not LINE's answer: this request's failure alone, never its batch's
                message = "a request to LINE failed with an unexpected error; recorded failed, resendable"
                if errors is None:
                    log.exception(message)
                else:
                    errors.error(error, message)
                return Outcome(DeliveryStatus.FAILED, attempt, f"not sent: unexpected error: {one_line(error)}",
                               resendable=True)
