"""A LINE incident of minutes: sends ride it out, and what outlasts the deadline is resumed, never twice.

The sender's waits go through a clock the test owns, so minutes of backoff pass
in milliseconds: the incident ends once the sender has waited its length.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence

from flask import Flask
from linebot.v3.messaging import Message

from bot import clock
from bot.db.tables import DeliveryStatus
from bot.delivery import RetryPolicy, Sender, create_dispatch, run_dispatch, text_content
from bot.devtools.fake_line import FakeLine, FaultConfig
from bot.line.gateway import LineApiError, LineGateway
from bot.services import Services
from tests.helpers import ECMO_TRAINING, add_users, ledger, received_counts, run_cli

MULTICAST = "/v2/bot/message/multicast"


class WaitingClock:
    """Time as the sender sees it: it passes only while the sender waits (nothing really sleeps).

    The sender's threads wait side by side, so the time that has passed is the
    longest any one thread has waited, not their sum.
    """

    def __init__(self) -> None:
        self.waited = 0.0
        self._lock = threading.Lock()
        self._own = threading.local()
        self._at: list[tuple[float, Callable[[], None]]] = []

    def now(self) -> float:
        return getattr(self._own, "waited", 0.0)

    def sleep(self, seconds: float) -> None:
        self._own.waited = self.now() + seconds
        with self._lock:
            self.waited = max(self.waited, self._own.waited)
            due = [action for at, action in self._at if at <= self.waited]
            self._at = [(at, action) for at, action in self._at if at > self.waited]
        for action in due:
            action()

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        self._at.append((seconds, action))


def announcement(app: Flask, text: str) -> int:
    with Services.of(app).db.session() as session:
        return create_dispatch(session, "incident", "announcement", f"training:{ECMO_TRAINING}",
                               text_content(text), clock.now()).id


def test_a_three_minute_incident_answering_500_delays_the_send_but_fails_nobody(app: Flask, fake_line: FakeLine):
    fake_line.state.set_quota(None)
    users = add_users(app, 3000, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(error_rate=1.0, error_status=500, paths=(MULTICAST,)))
    waits = WaitingClock()
    waits.after(180, fake_line.state.faults.clear)  # LINE is back three minutes (of backoff) later
    dispatch_id = announcement(app, "障害が明けても一度だけ")

    tally = run_dispatch(Services.of(app), dispatch_id, sender=Sender(Services.of(app).line, sleep=waits.sleep))

    assert (tally.sent, tally.failed) == (3000, 0)
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert Counter(r.status for r in fake_line.state.requests(MULTICAST))[200] == 6
    assert waits.waited >= 180 and max(row.attempts for row in ledger(app, dispatch_id)) >= 10


def test_nine_multicasts_in_ten_failing_is_ridden_out(app: Flask, fake_line: FakeLine):
    fake_line.state.set_quota(None)
    users = add_users(app, 3000, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(error_rate=0.9, error_status=500, paths=(MULTICAST,)), seed=3)
    waits = WaitingClock()
    dispatch_id = announcement(app, "九割が500でも届く")

    tally = run_dispatch(Services.of(app), dispatch_id, sender=Sender(Services.of(app).line, sleep=waits.sleep))

    assert (tally.sent, tally.failed) == (3000, 0)
    assert received_counts(fake_line) == Counter({user: 1 for user in users})


def test_the_backoff_grows_is_capped_and_jittered():
    policy = RetryPolicy(base_delay=0.5, max_delay=30.0)
    rng = random.Random(1)
    delays = [policy.delay(attempt, rng) for attempt in range(1, 12)]
    assert 0.25 <= delays[0] <= 0.5
    assert delays[4] > delays[0] * 4  # attempt 5 waits 4-8 s, attempt 1 0.25-0.5 s
    assert all(15.0 <= delay <= 30.0 for delay in delays[6:])  # capped at 30 s, never below half of it
    assert len({round(delay, 6) for delay in delays[6:]}) == len(delays[6:])  # jittered: no two alike


class LostAnswers:
    """LINE during an incident, as the sender sees it through this gateway.

    The very first multicast reaches LINE and is accepted, but its answer is lost
    (a timeout); every later request fails with 503 without reaching LINE.
    """

    def __init__(self, line: LineGateway) -> None:
        self.line = line
        self.pool_size = line.pool_size
        self._first = threading.Lock()

    def multicast(self, user_ids: Sequence[str], messages: Sequence[Message], retry_key: str | None = None) -> None:
        if self._first.acquire(blocking=False):
            self.line.multicast(user_ids, messages, retry_key)
            raise LineApiError(0, "LINE unreachable: ReadTimeoutError")
        raise LineApiError(503, "Service Unavailable")


def test_resume_resends_what_outlasted_the_deadline_with_the_same_keys_and_nobody_gets_it_twice(
        app: Flask, fake_line: FakeLine):
    fake_line.state.set_quota(None)
    users = add_users(app, 3000, training=ECMO_TRAINING)
    dispatch_id = announcement(app, "長い障害のあとで再送")
    waits = WaitingClock()
    impatient = Sender(LostAnswers(Services.of(app).line), RetryPolicy(give_up_after=60), sleep=waits.sleep,  # type: ignore[arg-type]
                       clock=waits.now)

    tally = run_dispatch(Services.of(app), dispatch_id, sender=impatient)

    assert (tally.sent, tally.failed) == (0, 3000)  # a minute of 503s: the deadline passed
    rows = ledger(app, dispatch_id)
    assert all(row.error.startswith("LINE ") and row.resendable for row in rows)
    planned_keys = Counter(row.retry_key for row in rows)
    first = fake_line.state.requests(MULTICAST)
    assert len(first) == 1 and first[0].accepted  # the one that got through before the answers were lost

    output = run_cli(app, "announce", "resume", str(dispatch_id))

    resent = fake_line.state.requests(MULTICAST)[1:]
    assert sorted(r.retry_key for r in resent) == sorted(planned_keys)  # one request a batch, with its key
    assert [r.status for r in resent].count(409) == 1  # LINE recognised the batch it had accepted
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert {row.status for row in ledger(app, dispatch_id)} == {DeliveryStatus.SENT}
    assert "3000" in output


def test_a_send_that_failed_as_malformed_is_not_resent(app: Flask, fake_line: FakeLine):
    add_users(app, 2, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(error_rate=1.0, error_status=400, paths=(MULTICAST,)))
    dispatch_id = announcement(app, "不正")
    run_dispatch(Services.of(app), dispatch_id)
    fake_line.state.faults.clear()

    run_cli(app, "announce", "resume", str(dispatch_id))

    assert len(fake_line.state.requests(MULTICAST)) == 1
    assert {row.status for row in ledger(app, dispatch_id)} == {DeliveryStatus.FAILED}


def test_the_announce_command_says_what_a_resume_would_send_again(app: Flask, fake_line: FakeLine):
    add_users(app, 2, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(error_rate=1.0, error_status=503, paths=(MULTICAST,)))
    Services.of(app).send_policy = RetryPolicy(give_up_after=0.01, base_delay=0.001, max_delay=0.002)

    output = run_cli(app, "announce", "--audience", f"training:{ECMO_TRAINING}", "--text", "届くまで", "--locale", "en")

    assert "2 failed and can be sent again once the cause is fixed" in output and "kenshu announce resume" in output
