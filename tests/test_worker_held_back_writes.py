"""The SQLite worker decides a batch with its writes held back, then writes them under one lock.

What a fresh-eye review found it could get wrong: the lock held through a decision
(a sender's second event reading their row sent the first's writes), a sender's
row created before their earlier events were decided, and leases left as old as
the claim in the transaction that commits the answers. The order and row tests run
on both databases (PostgreSQL decides in one transaction, and they guard that it
agrees); the lock and lease tests are about SQLite's path and say what they guard
on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from bot import clock
from bot.db.tables import LineUser
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.line import inbox
from bot.line.webhook import HANDLED_EVENT_TYPES
from bot.line.worker import EventWorker
from bot.qa import Question
from bot.services import Services
from tests.helpers import make_app, question, replies_to, stored, while_deciding


def sender_row(web: Any, line_user_id: str) -> LineUser | None:
    with Services.of(web).db.session() as session:
        return session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))


def test_a_senders_second_event_in_a_batch_is_decided_without_the_write_lock_and_so_are_the_events_after_it(
        database_url: str, fake_line: FakeLine, impatient: Engine) -> None:
    """Reading the sender's row again would send the first event's held-back writes and hold the lock through
    the rest of the batch's decisions; the events decided so far are written first instead. (PostgreSQL: the
    acknowledgements never wait there; this guards that.)"""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    a, b = "U" + "1" * 32, "U" + "2" * 32
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in (a, b)]))
    ids = stored(web, [question(fake_line, a, "ECMOの日程"), question(fake_line, a, "修了証"),
                       question(fake_line, b, "ECMOの日程")])
    acknowledged: list[str] = []

    def acknowledge(asked: Question) -> None:
        late = simulator.text_event(f"U{len(acknowledged) + 100:032x}", "申込〆切", f"late-{len(acknowledged)}")
        try:
            with impatient.begin() as connection:
                inbox.store(connection, [late], HANDLED_EVENT_TYPES, clock.system_now())
            acknowledged.append("stored: " + asked.text)
        except OperationalError as error:
            acknowledged.append(f"{error.orig}: {asked.text}")

    while_deciding(worker, acknowledge)

    assert worker.handle_batch(ids) == 3
    assert acknowledged == ["stored: ECMOの日程", "stored: 修了証", "stored: ECMOの日程"]
    assert [len(replies_to(fake_line, user)) for user in (a, b)] == [3, 2]


def test_an_unknown_senders_unfollow_then_message_leaves_them_following(
        database_url: str, fake_line: FakeLine) -> None:
    """As one event at a time: the unfollow finds nobody, the message then creates an active row."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    x = "U" + "3" * 32

    worker.handle_batch(stored(web, [simulator.unfollow_event(x), question(fake_line, x, "ECMOの日程")]))

    user = sender_row(web, x)
    assert user is not None and user.blocked_at is None and not user.is_blocked
    assert len(replies_to(fake_line, x)) == 1


def test_a_sender_whose_only_event_is_malformed_gets_no_row(database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    asker, garbled = "U" + "4" * 32, "U" + "5" * 32
    malformed = simulator.text_event(garbled, "日程", fake_line.state.issue_reply_token(garbled)) | {"message": "nope"}

    assert worker.handle_batch(stored(web, [question(fake_line, asker, "ECMOの日程"), malformed])) == 2

    assert sender_row(web, garbled) is None
    assert sender_row(web, asker) is not None


def test_the_transaction_that_commits_a_batchs_answers_renews_their_leases(
        database_url: str, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim whose lease has run out by the time the batch is written (here: dated a minute back) is renewed by
    that write, before the heartbeat's first beat: another worker cannot take the answers just committed.
    (PostgreSQL renews its leases as the batch's last statement already; this guards that.)"""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    other = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    first, second = "U" + "6" * 32, "U" + "7" * 32
    ids = stored(web, [question(fake_line, first, "修了証"), question(fake_line, second, "ECMOの日程")])
    real_claim = inbox.claim

    def claim_a_minute_back(session: Any, inbox_ids: list[int], worker_id: str, now: datetime,
                            *args: Any) -> Any:
        if worker_id == worker.worker_id:
            now -= timedelta(minutes=1)
        return real_claim(session, inbox_ids, worker_id, now, *args)

    monkeypatch.setattr(inbox, "claim", claim_a_minute_back)
    claimed, answers = worker._claim_and_decide(ids)

    assert (claimed, len(answers)) == (2, 2)
    assert other.handle_batch(ids) == 0
