"""The worker decides a batch of events in one transaction, reading its senders' facts once for the batch.

What a question reads about its sender (row, handoff conversation, last answer,
enrolments, subscriptions, previous question) is loaded for the whole batch, one
query per fact, and the batch has no savepoints; these tests hold that to what
deciding the events one by one gave: a failing event rolls back alone, a sender's
second event in a batch sees what the first changed, and the reads do not grow
with the batch. The decisions' writes are sent together at the batch's end
(``bot.db.deferred_writes``), so they do not grow with it either, nor, on SQLite, the
times the write lock is taken; an event whose writes fail then falls back alone.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, insert, select

from bot import clock
from bot.db import deferred_writes, write_lock
from bot.db.tables import AnswerStatus, AskedQuestion, HandoffMessage, InboxEvent, InboxStatus, LineUser, OutboxAnswer
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine, FaultConfig
from bot.line import worker as worker_module
from bot.line.worker import EventWorker
from bot.services import Services
from bot.trainees import handoff
from tests.helpers import failing_on, make_app, question, replies_to, statements_sent, stored

REPLY = "/v2/bot/message/reply"


def count(web: Flask, table: Any) -> int:
    with Services.of(web).db.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0




def test_one_failing_event_in_a_batch_rolls_back_alone_and_the_others_are_answered_and_logged_once(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(1, 4)]
    failing_on(worker.services.answerer, "boom")
    ids = stored(web, [question(fake_line, users[0], "修了証"), question(fake_line, users[1], "boom"),
                       question(fake_line, users[2], "ECMOの日程")])

    assert worker.handle_batch(ids) == 3

    assert [len(replies_to(fake_line, user)) for user in users] == [1, 0, 1]
    with Services.of(web).db.session() as session:
        assert list(session.scalars(select(InboxEvent.status).order_by(InboxEvent.id))) == [
            InboxStatus.DONE, InboxStatus.FAILED, InboxStatus.DONE]
    assert count(web, AskedQuestion) == 2  # the batch's first try left nothing behind
    assert count(web, HandoffMessage) == 4  # each answered exchange remembered once


def test_a_senders_second_event_in_a_batch_sees_what_the_first_changed(database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    user = "U" + "5" * 32
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証")]))  # known, with a history
    tap = simulator.postback_event(user, "action=handoff", fake_line.state.issue_reply_token(user))

    worker.handle_batch(stored(web, [tap, question(fake_line, user, "申込方法は？")]))

    # The tap handed the chat to the secretariat, so the question went to a clerk, unanswered.
    assert len(replies_to(fake_line, user)) == 2  # the first answer and the tap's confirmation
    with Services.of(web).db.session() as session:
        to_staff = list(session.scalars(select(HandoffMessage.text).where(HandoffMessage.to_staff.is_(True))))
    assert to_staff == ["申込方法は？"]


def test_a_batch_of_eight_questions_reads_the_database_as_often_as_a_batch_of_one(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(11, 20)]
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in users]))
    engine = worker.services.db.engine
    with statements_sent(engine, "SELECT") as reads:
        worker.handle_batch(stored(web, [question(fake_line, users[0], "ECMOの日程")]))
    with statements_sent(engine, "SELECT") as reads_of_eight:
        worker.handle_batch(stored(web, [question(fake_line, user, "ECMOの日程") for user in users[1:]]))

    assert len(reads_of_eight) == len(reads)
    assert sum(len(replies_to(fake_line, user)) for user in users) == 2 * len(users)


def test_a_batch_of_eight_questions_writes_its_decisions_in_as_many_statements_as_a_batch_of_one(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(21, 30)]
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in users]))
    engine = worker.services.db.engine
    # The decision's writes: the question log, the sender's memory, the remembered lines, the outbox row.
    decision_writes = ("INSERT", "DELETE", "UPDATE LINE_USERS")
    with statements_sent(engine, *decision_writes) as writes:
        worker.handle_batch(stored(web, [question(fake_line, users[0], "ECMOの日程")]))
    with statements_sent(engine, *decision_writes) as writes_of_eight:
        worker.handle_batch(stored(web, [question(fake_line, user, "ECMOの日程") for user in users[1:]]))

    assert len(writes) == 5
    assert len(writes_of_eight) == len(writes)
    assert sum(len(replies_to(fake_line, user)) for user in users) == 2 * len(users)
    with Services.of(web).db.session() as session:  # each answer's outbox row is its own, and was marked sent
        assert session.scalar(select(func.count(func.distinct(OutboxAnswer.id)))
                              .where(OutboxAnswer.status == AnswerStatus.SENT)) == 2 * len(users)
    assert count(web, AskedQuestion) == 2 * len(users)
    assert count(web, HandoffMessage) == 4 * len(users)


def test_under_a_backlog_the_worker_claims_half_a_batch_or_more_at_a_time_while_answers_are_sent(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    fake_line.state.faults.configure(FaultConfig(latency_ms=100, paths=(REPLY,)))  # sending is the slow part
    users = [f"U{n:032x}" for n in range(100, 164)]
    stored(web, [question(fake_line, user, "修了証") for user in users])
    claims: list[int] = []
    claim_and_decide = worker._claim_and_decide

    def noting_claims(inbox_ids: list[int], limit: int | None = None) -> tuple[int, list[Any]]:
        won, answers = claim_and_decide(inbox_ids, limit)
        claims.append(won)
        return won, answers

    worker._claim_and_decide = noting_claims  # type: ignore[method-assign]
    runner = threading.Thread(target=worker.run_worker, kwargs={"threads": 4, "nice": 0})
    runner.start()
    try:
        deadline = time.monotonic() + 120
        while sum(len(replies_to(fake_line, user)) for user in users) < len(users) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
        runner.join()

    assert sum(len(replies_to(fake_line, user)) for user in users) == len(users)
    assert len(claims) <= len(users) // 8  # batches of 8 to 16, not one per answer sent


def test_while_a_batch_is_being_sent_the_worker_claims_the_next_full_batch(
        database_url: str, fake_line: FakeLine) -> None:
    """The batch just handed to the sending threads is still in flight when the next turn claims: with room for
    one batch in flight the turns took half batches, paying a turn's statements every eight answers."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(200, 248)]
    stored(web, [question(fake_line, user, "修了証") for user in users])
    claims: list[int] = []
    release = threading.Event()
    claim_and_decide, send = worker._claim_and_decide, worker._send

    def noting_claims(inbox_ids: list[int], limit: int | None = None) -> tuple[int, list[Any]]:
        won, answers = claim_and_decide(inbox_ids, limit)
        claims.append(won)
        return won, answers

    def held_send(answer: Any) -> Any:
        release.wait(120)  # every answer stays in flight until the claims are counted
        return send(answer)

    worker._claim_and_decide = noting_claims  # type: ignore[method-assign]
    worker._send = held_send  # type: ignore[method-assign]
    runner = threading.Thread(target=worker.run_worker, kwargs={"threads": 4, "nice": 0, "batch": 16})
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while len([won for won in claims if won]) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        taken_while_sending = [won for won in claims if won]
    finally:
        release.set()
        deadline = time.monotonic() + 120
        while sum(len(replies_to(fake_line, user)) for user in users) < len(users) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker.stop()
        runner.join()

    assert taken_while_sending[:2] == [16, 16]
    assert [len(replies_to(fake_line, user)) for user in users] == [1] * len(users)


def test_a_batch_of_eight_questions_commits_and_takes_the_write_lock_as_often_as_a_batch_of_one(
        database_url: str, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the decisions' writes are held back and written together: the lock is taken for the claim and
    once more for the batch's writes, however many events it has. On PostgreSQL (one transaction, as before the
    writes were held back) this only guards existing behaviour."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(41, 50)]
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in users]))
    deciding = threading.current_thread()  # not the heartbeat's
    commits: list[str] = []
    locks: list[str] = []
    engine = worker.services.db.engine
    begin_immediate = write_lock.begin_immediate

    def note_commit(_connection: Any) -> None:
        if threading.current_thread() is deciding:
            commits.append("commit")

    def note_lock(raw: Any, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is deciding:
            locks.append("lock")
        begin_immediate(raw, *args, **kwargs)

    one = stored(web, [question(fake_line, users[0], "ECMOの日程")])
    eight = stored(web, [question(fake_line, user, "ECMOの日程") for user in users[1:]])
    monkeypatch.setattr(write_lock, "begin_immediate", note_lock)
    event.listen(engine, "commit", note_commit)
    try:
        worker._claim_and_decide(one)
        alone = (len(commits), len(locks))
        commits.clear(), locks.clear()
        claimed, answers = worker._claim_and_decide(eight)
    finally:
        event.remove(engine, "commit", note_commit)

    assert (claimed, len(answers)) == (8, 8)
    assert (len(commits), len(locks)) == alone
    if database_url.startswith("sqlite"):
        assert alone == (2, 2)  # the claim, then the batch's writes
    with Services.of(web).db.session() as session:  # each answer has its own outbox row
        assert sorted(answer.outbox_id for answer in answers) == sorted(session.scalars(
            select(OutboxAnswer.id).where(OutboxAnswer.inbox_event_id.in_([answer.inbox_id for answer in answers]))))


def test_an_event_whose_writes_fail_when_the_batch_is_written_falls_back_alone_and_the_others_are_answered_once(
        database_url: str, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The decision succeeds and its write fails only when sent with the batch's: the batch is decided again one
    event at a time, so only that event fails. The log tells a failed write (``HeldBackWritesFailed``) from a
    failed decision; on PostgreSQL the fall-back itself is older than held-back writes and is guarded here."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(51, 54)]
    worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in users]))
    real_remember = handoff.remember

    def remember_breaking_on_boom(session: Any, user: Any, asked: str, answered: str, *args: Any) -> None:
        # A line without an author: the database refuses it, when it is sent.
        real_remember(session, user, asked, answered, *args)
        if asked == "boom":
            deferred_writes.execute(session, insert(HandoffMessage.__table__),
                                    {"user_id": user.id, "author": None, "text": asked, "at": clock.now()})

    monkeypatch.setattr(handoff, "remember", remember_breaking_on_boom)
    ids = stored(web, [question(fake_line, users[0], "ECMOの日程"), question(fake_line, users[1], "boom"),
                       question(fake_line, users[2], "ECMOの日程")])

    assert worker.handle_batch(ids) == 3

    assert "deciding them one by one" in caplog.text
    assert "failed (HeldBackWritesFailed(" in caplog.text  # the batch's write failed, not a decision
    assert [len(replies_to(fake_line, user)) for user in users] == [2, 1, 2]
    with Services.of(web).db.session() as session:
        assert list(session.scalars(select(InboxEvent.status).where(InboxEvent.id.in_(ids))
                                    .order_by(InboxEvent.id))) == [
            InboxStatus.DONE, InboxStatus.FAILED, InboxStatus.DONE]
    assert count(web, AskedQuestion) == 3 + 2  # the first batch's, and this one's answered two, once each
    assert count(web, OutboxAnswer) == 3 + 2


def test_a_batch_of_eight_first_contacts_reads_and_inserts_no_more_often_than_a_batch_of_one(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(31, 40)]  # none known yet: their rows are created by the batch
    engine = worker.services.db.engine
    # What deciding sends (closing the answers, one transaction each in handle_batch, is left out).
    deciding = ("SELECT", "INSERT", "SAVEPOINT", "WITH")
    with statements_sent(engine, *deciding) as statements:
        worker.handle_batch(stored(web, [question(fake_line, users[0], "修了証")]))
    with statements_sent(engine, *deciding) as statements_of_eight:
        worker.handle_batch(stored(web, [question(fake_line, user, "修了証") for user in users[1:]]))

    assert len(statements_of_eight) <= len(statements), statements_of_eight
    assert [len(replies_to(fake_line, user)) for user in users] == [1] * len(users)
    with Services.of(web).db.session() as session:
        assert set(session.scalars(select(LineUser.line_user_id))) == set(users)
    assert count(web, AskedQuestion) == len(users)


def test_a_first_contacts_event_is_parsed_once_for_the_batch(
        database_url: str, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Telling whether a first contact's event creates their row parses it; its decision uses that parse."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{n:032x}" for n in range(41, 44)]  # none known yet; the first asks twice
    ids = stored(web, [question(fake_line, users[0], "修了証"), question(fake_line, users[0], "ECMOの日程"),
                       *(question(fake_line, user, "修了証") for user in users[1:])])
    parsed: list[str] = []
    real_parse = worker_module.parse_event

    def parse_event(payload: dict[str, Any]) -> object:
        parsed.append(payload["webhookEventId"])
        return real_parse(payload)

    monkeypatch.setattr(worker_module, "parse_event", parse_event)

    assert worker.handle_batch(ids) == 4

    assert len(parsed) == len(set(parsed)) == 4
    assert [len(replies_to(fake_line, user)) for user in users] == [2, 1, 1]
