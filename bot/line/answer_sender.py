"""Sending one answer: the reply token while it is valid, retried through 429 and 5xx, else a push.

LINE accepts a reply token once, for about a minute from the event's timestamp.
A 429 or 5xx (or no answer at all) is retried with exponential backoff and full
jitter for as long as the token can still be used. When it cannot (expired,
rejected, or the minute ran out while LINE kept failing), the answer goes by push,
if it still matters: there is someone to push to and it is less than a day old.
The push carries an X-Line-Retry-Key derived from the event, so every retry, and a
takeover's, is one delivery for LINE (a 409 means it was already accepted).

A 400 on a token that cannot have expired yet, after an attempt whose outcome we
do not know (a worker that died, a timeout), means that attempt used it: the
answer went out, and a push would send it twice. That reading holds because the
switch to push is recorded before pushing (``note_push``): a takeover of an
answer that was being pushed pushes again with the same key and never reads a
refused token. That record also reads the row's push address back: an answer
whose recipient asked to be forgotten after it was decided is dropped, not pushed.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import clock
from bot.db.tables import AnswerStatus
from bot.line.gateway import LineApiError, LineGateway
from bot.line.outbox import Answer, Outcome, retry_key_for

log = logging.getLogger(__name__)

REPLY_TOKEN_LIFETIME = timedelta(seconds=60)  # LINE: "about a minute" from the event
REPLY_TOKEN_MARGIN = timedelta(seconds=5)  # the last attempt starts this long before the minute is up
PUSH_WORTH_FOR = timedelta(hours=23)  # past this an answer is stale, and LINE forgets retry keys after 24 h
QUOTA_EXHAUSTED_MESSAGE = "monthly limit"


@dataclass(frozen=True)
class Backoff:
    """The n-th wait is uniform in [0, min(max_delay, base * 2**(n-1))] (full jitter)."""

    base_delay: float = 0.2
    max_delay: float = 5.0
    push_attempts: int = 8

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class AnswerSender:
    """Sends answers through one gateway; thread-safe (the worker's threads share it)."""

    def __init__(
        self,
        line: LineGateway,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = clock.system_now,
        note_push: Callable[[Answer, str], bool] = lambda answer, retry_key: True,
    ) -> None:
        self.line = line
        self.note_push = note_push
        self.backoff = backoff
        self._sleep = sleep
        self._now = now
        self._rng = random.Random()

    def send(self, answer: Answer) -> Outcome:
        """Reply, retrying while the token lasts; else push if the answer still matters."""
        attempts = 0
        reason = "no reply token"
        if answer.pushing:
            return self._push(answer, 0, "a previous holder had started pushing")
        if answer.reply_token:
            # Past the deadline only one attempt is made: a rejected token costs a request,
            # and a clock that disagrees with LINE's should not cost the trainee their answer.
            deadline = answer.event_at + REPLY_TOKEN_LIFETIME - REPLY_TOKEN_MARGIN
            maybe_used = answer.maybe_sent
            while True:
                attempts += 1
                try:
                    self.line.reply_serialized(answer.reply_token, answer.messages)
                    return Outcome(AnswerStatus.SENT, "reply", attempts)
                except LineApiError as error:
                    if error.status == 400:
                        if maybe_used and self._now() < deadline:
                            # Still within its minute, so not expired: an earlier attempt used it.
                            return Outcome(AnswerStatus.SENT, "reply", attempts,
                                           error="reply token already used by an earlier attempt")
                        reason = f"reply token rejected ({error.message})"
                        break
                    if not error.retryable:
                        return Outcome(AnswerStatus.FAILED, "reply", attempts, error=str(error))
                    maybe_used = maybe_used or error.status == 0 or error.status >= 500
                    reason = str(error)
                    delay = self.backoff.delay(attempts, self._rng)
                    if self._now() + timedelta(seconds=delay) >= deadline:
                        break
                    self._sleep(delay)
        return self._push(answer, attempts, reason)

    def _push(self, answer: Answer, attempts: int, reason: str) -> Outcome:
        if answer.push_to is None:
            return Outcome(AnswerStatus.DROPPED, None, attempts, error=f"{reason}; nobody to push to")
        if self._now() - answer.event_at > PUSH_WORTH_FOR:
            return Outcome(AnswerStatus.DROPPED, None, attempts, error=f"{reason}; a day old, not pushed")
        retry_key = retry_key_for(answer.webhook_event_id)
        # Recorded before every push, also a takeover's: the row, not this answer in memory, says whether
        # its recipient has since asked to be forgotten (「データ削除」 later in the same batch).
        if not self.note_push(answer, retry_key):
            return Outcome(AnswerStatus.DROPPED, None, attempts, error=f"{reason}; recipient forgotten, not pushed")
        answer.pushing = True
        log.warning("answering event %s by push (%s)", answer.webhook_event_id, reason)
        error: LineApiError | None = None
        for attempt in range(1, self.backoff.push_attempts + 1):
            try:
                self.line.push_serialized(answer.push_to, answer.messages, retry_key=retry_key)
                return Outcome(AnswerStatus.SENT, "push", attempts + attempt, retry_key)
            except LineApiError as failure:
                error = failure
                if failure.already_accepted:
                    return Outcome(AnswerStatus.SENT, "push", attempts + attempt, retry_key)
                if not failure.retryable or QUOTA_EXHAUSTED_MESSAGE in failure.message:
                    break
                if attempt < self.backoff.push_attempts:
                    self._sleep(self.backoff.delay(attempt, self._rng))
        return Outcome(AnswerStatus.FAILED, "push", attempts + attempt, retry_key, f"{reason}; push: {error}")
