"""Every question gets exactly one answer, whatever LINE answers and wherever a worker dies.

LINE's reply token works once, for about a minute from the event. These tests
break things at each step and read what the fake LINE API accepted:

- LINE failing 30% of replies with 500 or 429: the reply is retried while the token
  lasts, every user gets one answer, every event ends done;
- LINE failing for the whole minute: the answer goes by push, once, with a retry key;
- a worker that dies holding events: another takes them over once its lease is not
  renewed (seconds, not minutes), and not while its heartbeat renews it;
- a worker that dies between the commit and the send: the answer it committed is
  sent by the worker that takes over, once; if the dead worker's reply had reached
  LINE, or its push, nothing more goes out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from bot import clock
from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.line import inbox
from bot.line.answer_sender import AnswerSender, Backoff
from bot.line.worker import EventWorker
from bot.services import Services
from tests.helpers import make_app, post_events

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"


class Killed(BaseException):
    """The process dies here: nothing after this line runs (not an error the worker could catch)."""


def accepted_sends_to(fake_line: FakeLine, user: str) -> list[Any]:
    """The requests LINE accepted that reached ``user`` (reply or push): one per answer."""
    return [record for path in (REPLY, PUSH) for record in fake_line.state.requests(path)
            if record.accepted and user in record.recipients]


def inbox_statuses(app: Flask) -> list[str]:
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(InboxEvent.status).order_by(InboxEvent.id)))


def outbox_rows(app: Flask) -> list[OutboxAnswer]:
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(OutboxAnswer).order_by(OutboxAnswer.id)))


def question(fake_line: FakeLine, user: str, text: str = "修了証の条件は？", **fields: Any) -> dict[str, Any]:
    return simulator.text_event(user, text, fake_line.state.issue_reply_token(user)) | fields


def store_only(database_url: str, fake_line: FakeLine, events: list[dict[str, Any]]) -> Flask:
    """The web process of ``KENSHU_DISPATCH=worker``: stores and acknowledges, handles nothing."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    assert post_events(web.test_client(), events).status_code == 200
    return web


def worker_of(database_url: str, fake_line: FakeLine) -> EventWorker:
    return EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))


@pytest.mark.parametrize("status", [500, 429])
def test_with_30_percent_of_replies_failing_every_user_gets_exactly_one_answer(database_url, fake_line, status):
    users = [f"U{n:032x}" for n in range(1, 61)]
    events = [question(fake_line, user) for user in users]
    fake_line.state.set_faults(error_rate=0.3, error_status=status, paths=[REPLY], seed=9)
    web = store_only(database_url, fake_line, events)

    assert worker_of(database_url, fake_line).recover(grace=timedelta(0)) == len(users)

    failed = [record for record in fake_line.state.requests(REPLY) if record.status == status]
    assert len(failed) >= 10  # LINE did fail about one reply in three
    assert {user: len(accepted_sends_to(fake_line, user)) for user in users} == {user: 1 for user in users}
    assert fake_line.state.requests(PUSH) == []  # every token was still good: no quota spent
    assert inbox_statuses(web) == [InboxStatus.DONE] * len(users)
    assert {(row.status, row.via) for row in outbox_rows(web)} == {(AnswerStatus.SENT, "reply")}


def test_a_reply_failing_until_the_token_minute_is_up_goes_by_push_once_with_a_retry_key(database_url, fake_line):
    user = "U" + "a" * 32
    sent_at = datetime.now(clock.JST) - timedelta(seconds=54)  # a token with six seconds left
    event = question(fake_line, user, timestamp=int(sent_at.timestamp() * 1000))
    fake_line.state.set_faults(error_rate=1.0, error_status=503, paths=[REPLY])
    web = store_only(database_url, fake_line, [event])

    assert worker_of(database_url, fake_line).recover(grace=timedelta(0)) == 1

    assert fake_line.state.requests(REPLY) and all(r.status == 503 for r in fake_line.state.requests(REPLY))
    [push] = accepted_sends_to(fake_line, user)
    assert push.path == PUSH and push.retry_key
    [row] = outbox_rows(web)
    assert (row.status, row.via, row.retry_key) == (AnswerStatus.SENT, "push", push.retry_key)
    assert row.messages is None and row.push_to is None  # sent: what it said and to whom is not kept
    assert inbox_statuses(web) == [InboxStatus.DONE]


def test_an_answer_to_someone_the_bot_cannot_push_to_is_dropped_not_failed(database_url, fake_line):
    user = "U" + "b" * 32
    web = store_only(database_url, fake_line, [question(fake_line, user)])
    fake_line.state.reply_token_ttl = 0  # the token expired while the event waited
    fake_line.state.block([user])
    worker = worker_of(database_url, fake_line)
    # Blocked after writing: the bot learns it from the unfollow LINE sends, handled before.
    with Services.of(web).db.session() as session:
        from bot.db.tables import LineUser, UserStatus
        session.add(LineUser(line_user_id=user, status=UserStatus.BLOCKED, created_at=clock.now()))

    assert worker.recover(grace=timedelta(0)) == 1

    assert fake_line.state.requests(PUSH) == []
    [row] = outbox_rows(web)
    assert row.status == AnswerStatus.DROPPED and "nobody to push to" in row.error
    assert inbox_statuses(web) == [InboxStatus.DONE]


def test_a_dead_workers_event_is_taken_over_once_its_lease_is_not_renewed(database_url, fake_line):
    user = "U" + "c" * 32
    web = store_only(database_url, fake_line, [question(fake_line, user)])
    claimed_at = clock.system_now()
    with Services.of(web).db.session() as session:  # a worker claims the event, then dies
        [event_id] = session.scalars(select(InboxEvent.id))
        assert inbox.claim(session, [event_id], "dead-worker", claimed_at)
    survivor = worker_of(database_url, fake_line)

    assert survivor.recover(grace=timedelta(0)) == 0  # its lease still holds
    with time_machine.travel(claimed_at + inbox.PROCESSING_LEASE + timedelta(seconds=1)):
        assert survivor.recover(grace=timedelta(0)) == 1

    assert len(accepted_sends_to(fake_line, user)) == 1
    assert inbox_statuses(web) == [InboxStatus.DONE]


def test_a_live_workers_heartbeat_keeps_its_events(database_url, fake_line):
    user = "U" + "d" * 32
    web = store_only(database_url, fake_line, [question(fake_line, user)])
    claimed_at = clock.system_now()
    with Services.of(web).db.session() as session:
        [event_id] = session.scalars(select(InboxEvent.id))
        inbox.claim(session, [event_id], "slow-worker", claimed_at)
    beat_at = claimed_at + inbox.PROCESSING_LEASE - timedelta(seconds=2)
    with Services.of(web).db.session() as session:
        assert inbox.renew(session, "slow-worker", beat_at) == 1
    other = worker_of(database_url, fake_line)

    with time_machine.travel(claimed_at + inbox.PROCESSING_LEASE + timedelta(seconds=1)):
        assert other.recover(grace=timedelta(0)) == 0  # renewed: not dead
    with time_machine.travel(beat_at + inbox.PROCESSING_LEASE + timedelta(seconds=1)):
        assert other.recover(grace=timedelta(0)) == 1  # no beat since: dead


def _dies_after(real, when: str):  # type: ignore[no-untyped-def]
    """A gateway call that kills the process before (``when="before"``) or after LINE accepts it."""
    def call(*args: Any, **kwargs: Any) -> None:
        if when == "after":
            real(*args, **kwargs)
        raise Killed()
    return call


def _take_over(database_url: str, fake_line: FakeLine, dead: EventWorker) -> int:
    """Another worker, once the dead one's lease has run out."""
    survivor = worker_of(database_url, fake_line)
    with time_machine.travel(clock.system_now() + inbox.PROCESSING_LEASE + timedelta(seconds=1)):
        return survivor.recover(grace=timedelta(0))


def test_an_answer_committed_by_a_worker_killed_before_sending_is_sent_by_the_next_one(database_url, fake_line):
    user = "U" + "e" * 32
    web = store_only(database_url, fake_line, [question(fake_line, user)])
    dead = worker_of(database_url, fake_line)
    dead.sender.line.reply_serialized = _dies_after(dead.sender.line.reply_serialized, "before")
    with pytest.raises(Killed):
        dead.recover(grace=timedelta(0))
    assert [row.status for row in outbox_rows(web)] == [AnswerStatus.PENDING]  # decided and committed
    assert accepted_sends_to(fake_line, user) == []

    assert _take_over(database_url, fake_line, dead) == 1

    [reply] = accepted_sends_to(fake_line, user)
    assert reply.path == REPLY  # the token was still good
    assert fake_line.state.requests(PUSH) == []
    assert [(row.status, row.via) for row in outbox_rows(web)] == [(AnswerStatus.SENT, "reply")]
    assert inbox_statuses(web) == [InboxStatus.DONE]


def test_a_reply_that_reached_line_before_the_worker_died_is_not_sent_again(database_url, fake_line):
    user = "U" + "f" * 32
    web = store_only(database_url, fake_line, [question(fake_line, user)])
    dead = worker_of(database_url, fake_line)
    dead.sender.line.reply_serialized = _dies_after(dead.sender.line.reply_serialized, "after")
    with pytest.raises(Killed):
        dead.recover(grace=timedelta(0))

    assert _take_over(database_url, fake_line, dead) == 1

    # The takeover's reply was refused (the token was used, well within its minute): no push.
    assert len(accepted_sends_to(fake_line, user)) == 1
    assert fake_line.state.requests(PUSH) == []
    assert [(row.status, row.via) for row in outbox_rows(web)] == [(AnswerStatus.SENT, "reply")]
    assert inbox_statuses(web) == [InboxStatus.DONE]


def test_a_push_that_reached_line_before_the_worker_died_is_deduplicated_by_its_retry_key(database_url, fake_line):
    user = "U" + "1" * 32
    sent_at = datetime.now(clock.JST) - timedelta(minutes=2)  # the event waited: its token expired
    web = store_only(database_url, fake_line, [question(fake_line, user, timestamp=int(sent_at.timestamp() * 1000))])
    fake_line.state.reply_token_ttl = 0
    dead = worker_of(database_url, fake_line)
    dead.sender.line.push_serialized = _dies_after(dead.sender.line.push_serialized, "after")
    with pytest.raises(Killed):
        dead.recover(grace=timedelta(0))
    assert len(accepted_sends_to(fake_line, user)) == 1

    assert _take_over(database_url, fake_line, dead) == 1

    assert len(fake_line.state.requests(REPLY)) == 1  # only the dead worker tried the token
    pushes = fake_line.state.requests(PUSH)
    assert [record.status for record in pushes] == [200, 409]  # the same key: LINE delivered once
    assert pushes[0].retry_key == pushes[1].retry_key
    assert len(accepted_sends_to(fake_line, user)) == 1
    assert [(row.status, row.via) for row in outbox_rows(web)] == [(AnswerStatus.SENT, "push")]
    assert inbox_statuses(web) == [InboxStatus.DONE]


def test_one_users_questions_are_answered_in_order_when_the_first_answer_is_retried(database_url, fake_line):
    user = "U" + "2" * 32
    first, second = question(fake_line, user, "修了証"), question(fake_line, user, "ECMOの日程")
    store_only(database_url, fake_line, [first, second])
    worker = worker_of(database_url, fake_line)
    real_reply, calls = worker.sender.line.reply_serialized, []

    def reply_failing_the_first_twice(token: str, messages: Any) -> None:
        calls.append(token)
        if token == first["replyToken"] and calls.count(token) <= 2:
            from bot.line.gateway import LineApiError
            raise LineApiError(500, "injected")
        real_reply(token, messages)

    worker.sender = AnswerSender(worker.services.line, Backoff(base_delay=0.01), sleep=lambda _: None,
                                 note_push=worker.note_push)
    worker.sender.line.reply_serialized = reply_failing_the_first_twice
    import threading

    thread = threading.Thread(target=worker.run_worker, kwargs={"threads": 4, "poll_seconds": 0.01, "nice": 0})
    thread.start()
    try:
        deadline = clock.system_now() + timedelta(seconds=20)
        while len(accepted_sends_to(fake_line, user)) < 2 and clock.system_now() < deadline:
            threading.Event().wait(0.05)
    finally:
        worker.stop()
        thread.join()
    tokens = [record.body["replyToken"] for record in accepted_sends_to(fake_line, user)]
    assert tokens == [first["replyToken"], second["replyToken"]]
