"""While the worker decides answers, acknowledgements can still write; a decision whose lease was lost is not sent.

On SQLite an acknowledgement needs the database's one write lock. The worker's
claim commits first and the batch is decided with its writes held back, then
written in one transaction that takes the lock, so the deciding (the sender's
facts, the answering engine) leaves the lock free. The probes below write from another connection that does not
wait at all (SQLite: a busy timeout of 0; PostgreSQL: a lock timeout), so a held
lock shows as an error, not as a delay: nothing here is timed.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import AskedQuestion, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.line import inbox
from bot.line.webhook import HANDLED_EVENT_TYPES
from bot.line.worker import EventWorker
from bot.qa import Question
from tests.helpers import make_app, question, replies_to, stored, while_deciding



def test_an_acknowledgement_is_stored_while_each_question_of_a_batch_is_being_decided(
        database_url: str, fake_line: FakeLine, impatient: Engine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(31, 34)]
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in users]))  # known, with a history
    newcomer = "U" + "8" * 32  # their row is written before their question is decided
    ids = stored(web, [question(fake_line, user, "ECMOの日程") for user in [*users, newcomer]])
    acknowledged: list[str] = []

    def acknowledge(asked: Question) -> None:
        late = simulator.text_event(f"U{len(acknowledged):032x}", "申込〆切", f"late-{len(acknowledged)}")
        try:
            with impatient.begin() as connection:
                inbox.store(connection, [late], HANDLED_EVENT_TYPES, clock.system_now())
            acknowledged.append("stored")
        except OperationalError as error:
            acknowledged.append(str(error.orig))

    while_deciding(worker, acknowledge)

    assert worker.handle_batch(ids) == 4

    # The first question's decision, and those after an earlier one's writes, left the lock free.
    assert acknowledged == ["stored"] * 4
    assert [len(replies_to(fake_line, user)) for user in [*users, newcomer]] == [2, 2, 2, 1]


def test_a_decision_whose_lease_was_taken_over_before_it_was_written_is_not_sent(
        database_url: str, fake_line: FakeLine, impatient: Engine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    stalled, other = "U" + "6" * 32, "U" + "7" * 32
    worker.handle_batch(stored(web, [question(fake_line, user, "ECMOの日程") for user in (stalled, other)]))
    ids = stored(web, [question(fake_line, stalled, "修了証"), question(fake_line, other, "ECMOの日程")])
    taken: list[int] = []

    def take_over_while_stalled(asked: Question) -> None:
        # Another worker sees this worker's lease run out (as if it stalled here) and claims the event.
        if asked.text == "修了証":
            later = clock.system_now() + inbox.PROCESSING_LEASE + timedelta(seconds=1)
            with Session(impatient) as session, session.begin():
                taken.extend(row.id for row in inbox.claim(session, [ids[0]], "another-worker", later))

    while_deciding(worker, take_over_while_stalled)

    worker.handle_batch(ids)

    with Session(impatient) as session:
        holder = session.execute(select(InboxEvent.status, InboxEvent.claimed_by).where(InboxEvent.id == ids[0])).one()
        answers = session.scalar(select(func.count()).where(OutboxAnswer.inbox_event_id == ids[0]))
        logged = session.scalar(select(func.count()).select_from(AskedQuestion).where(AskedQuestion.text == "修了証"))
    if database_url.startswith("sqlite"):
        assert taken == [ids[0]]  # the lock was free while deciding, so the other worker could claim
    if taken:
        # The decision was dropped with everything it wrote; the event is the other worker's to answer.
        assert tuple(holder) == (InboxStatus.PROCESSING, "another-worker")
        assert (answers, logged, len(replies_to(fake_line, stalled))) == (0, 0, 1)  # 1: the earlier question
    else:
        # PostgreSQL: the claim's row lock kept the other worker out (its claim skips locked rows).
        assert holder.status == InboxStatus.DONE and len(replies_to(fake_line, stalled)) == 2
    assert len(replies_to(fake_line, other)) == 2


def test_an_answer_decided_early_in_a_batch_keeps_its_lease_while_later_questions_are_decided(
        database_url: str, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody takes over an answered event while its worker is still deciding the rest of the batch.

    The lease is shortened so that a lease left unrenewed through a slow decision would
    run out: on SQLite the heartbeat renews it from the claim's commit on; on PostgreSQL
    the batch's transaction holds the rows, which other workers' claims skip.
    """
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    other = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    first, second = "U" + "6" * 32, "U" + "7" * 32
    worker.handle_batch(stored(web, [question(fake_line, user, "ECMOの日程") for user in (first, second)]))
    ids = stored(web, [question(fake_line, first, "修了証"), question(fake_line, second, "ECMOの日程")])
    monkeypatch.setattr(inbox, "PROCESSING_LEASE", inbox.HEARTBEAT_INTERVAL * 1.75)
    taken_over: list[int] = []

    def slow_second_decision(asked: Question) -> None:
        if asked.text == "ECMOの日程" and not taken_over:
            time.sleep((inbox.HEARTBEAT_INTERVAL * 2.5).total_seconds())
            taken_over.append(other.handle_batch([ids[0]]))

    while_deciding(worker, slow_second_decision)
    assert worker.handle_batch(ids) == 2
    assert taken_over == [0]
    assert len(replies_to(fake_line, first)) == 2  # the first batch's answer and this one, once
    assert not [record for record in fake_line.state.requests("/v2/bot/message/push") if first in record.recipients]


def test_a_malformed_event_whose_lease_was_taken_over_is_left_to_the_worker_that_took_it(
        database_url: str, fake_line: FakeLine, impatient: Engine) -> None:
    """Ignoring a malformed event is a finish like any other: only by the worker that still holds it."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    asker, garbled = "U" + "6" * 32, "U" + "7" * 32
    malformed = simulator.text_event(garbled, "日程", fake_line.state.issue_reply_token(garbled)) | {"message": "nope"}
    ids = stored(web, [question(fake_line, asker, "修了証"), malformed])
    taken: list[int] = []

    def take_over_the_malformed_event_while_stalled(asked: Question) -> None:
        later = clock.system_now() + inbox.PROCESSING_LEASE + timedelta(seconds=1)
        with Session(impatient) as session, session.begin():
            taken.extend(row.id for row in inbox.claim(session, [ids[1]], "another-worker", later))

    while_deciding(worker, take_over_the_malformed_event_while_stalled)

    worker.handle_batch(ids)

    with Session(impatient) as session:
        holder = session.execute(select(InboxEvent.status, InboxEvent.claimed_by).where(InboxEvent.id == ids[1])).one()
    if database_url.startswith("sqlite"):
        # The claim had committed, so the other worker could take the event; it stays with that worker.
        assert taken == [ids[1]]
        assert tuple(holder) == (InboxStatus.PROCESSING, "another-worker")
    else:
        # PostgreSQL: the claim's row lock (same transaction) kept the other worker out; this worker ignored it.
        assert taken == []
        assert holder.status == InboxStatus.IGNORED
    assert len(replies_to(fake_line, asker)) == 1


def test_a_batch_decided_slower_than_the_lease_commits_fresh_leases(
        database_url: str, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker cannot take over answers just committed, however long the batch took to decide."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    other = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    first, second = "U" + "6" * 32, "U" + "7" * 32
    ids = stored(web, [question(fake_line, first, "修了証"), question(fake_line, second, "ECMOの日程")])
    monkeypatch.setattr(inbox, "PROCESSING_LEASE", inbox.HEARTBEAT_INTERVAL * 1.75)

    def slow(asked: Question) -> None:
        if asked.text == "ECMOの日程":
            time.sleep((inbox.HEARTBEAT_INTERVAL * 2.5).total_seconds())

    while_deciding(worker, slow)
    claimed, answers = worker._claim_and_decide(ids)

    assert (claimed, len(answers)) == (2, 2)
    assert other.handle_batch([ids[0]]) == 0  # the first answer's lease is fresh: still this worker's to send
