"""A batch decided together answers as the same events decided one at a time, and leaves the same rows.

The held-back SQLite batch (and PostgreSQL's one transaction) decide events whose
handlers read what earlier events of the batch wrote: a follow then a message, a
link code then 「私の研修」, an unfollow then a follow, a confirmed 「データ削除」 then
a message. Each scenario runs twice on fresh users, once one event per batch and
once as a single interleaved batch, and every user must receive the same messages
in the same order and end with the same row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from bot.db.tables import Enrolment, InboxEvent, InboxStatus, LineUser
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.line.worker import EventWorker
from bot.services import Services
from tests.helpers import confirm_buttons, import_one, make_app, question, stored

ROLES = ("follower", "newcomer", "returner", "linker", "deleter")


def user(role: str, run: str) -> str:
    return "U" + f"{ROLES.index(role)}{run}".ljust(32, "0")


def texts(fake_line: FakeLine, line_user_id: str) -> list[str]:
    return [m.get("text") or m.get("altText") or m.get("type") for m in fake_line.state.messages_to(line_user_id)]


def row_of(web: Flask, line_user_id: str) -> tuple[Any, ...] | None:
    with Services.of(web).db.session() as session:
        row = session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))
        if row is None:
            return None
        linked = session.scalar(select(Enrolment.application_no).where(Enrolment.user_id == row.id))
        return (row.is_blocked, row.blocked_at is None, linked is not None)


def scenario(web: Flask, worker: EventWorker, fake_line: FakeLine, tmp_path: Path, run: str) -> list[dict[str, Any]]:
    """Set the users up one event at a time; the events of the scenario, interleaved across users."""
    follower, newcomer, returner, linker, deleter = (user(role, run) for role in ROLES)
    code = import_one(web, tmp_path, application_no=f"N-9{ord(run)}", name="山田 花子")
    for known in (returner, deleter):
        worker.handle_batch(stored(web, [question(fake_line, known, "修了証")]))
    worker.handle_batch(stored(web, [question(fake_line, deleter, "データ削除")]))
    [confirm] = [m for m in fake_line.state.messages_to(deleter) if m.get("type") == "template"]
    delete = confirm_buttons([confirm])["削除する"]["data"]

    def token(line_user_id: str) -> str:
        return fake_line.state.issue_reply_token(line_user_id)

    return [
        simulator.follow_event(follower, token(follower)),
        question(fake_line, linker, f"連携 {code}"),
        question(fake_line, newcomer, "ECMOの日程"),
        simulator.unfollow_event(returner),
        simulator.postback_event(deleter, delete, token(deleter)),
        question(fake_line, follower, "ECMOの日程"),
        question(fake_line, linker, "私の研修"),
        simulator.follow_event(returner, token(returner)),
        question(fake_line, deleter, "ECMOの日程"),
        question(fake_line, newcomer, "修了証"),
        question(fake_line, returner, "ECMOの日程"),
    ]


def test_an_interleaved_batch_answers_and_writes_as_its_events_one_at_a_time(
        database_url: str, fake_line: FakeLine, tmp_path: Path) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))

    for run, batched in (("a", False), ("b", True)):
        before = {role: len(texts(fake_line, user(role, run))) for role in ROLES}
        ids = stored(web, scenario(web, worker, fake_line, tmp_path, run))
        if batched:
            assert worker.handle_batch(ids) == len(ids)
        else:
            assert sum(worker.handle_batch([inbox_id]) for inbox_id in ids) == len(ids)
        with Services.of(web).db.session() as session:
            statuses = session.scalars(select(InboxEvent.status).where(InboxEvent.id.in_(ids))).all()
        assert set(statuses) == {InboxStatus.DONE}, statuses
        for role in ROLES:
            before[role] = texts(fake_line, user(role, run))[before[role]:]
        if batched:
            alone = one_at_a_time
        else:
            one_at_a_time = before
            rows_alone = {role: row_of(web, user(role, run)) for role in ROLES}
    assert before == alone
    assert {role: row_of(web, user(role, "b")) for role in ROLES} == rows_alone


def test_a_failing_commit_of_the_batchs_writes_loses_no_answer_and_sends_none_twice(
        database_url: str, fake_line: FakeLine) -> None:
    """The COMMIT that writes the decided batch fails once (a full disk, a lost connection): the batch rolls back and
    is decided again one event at a time; each question gets one reply and one outbox row, the same sender's in order."""
    from sqlalchemy import event, func

    from bot.db.tables import OutboxAnswer

    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    a, b = user("newcomer", "c"), user("follower", "c")
    worker.handle_batch(stored(web, [question(fake_line, a, "修了証")]))
    ids = stored(web, [question(fake_line, a, "ECMOの日程"), question(fake_line, b, "ECMOの日程"),
                       question(fake_line, a, "修了証")])
    failed: list[str] = []

    def fail_the_first_batch_commit(connection: Any) -> None:
        outbox_rows = connection.execute(select(func.count()).select_from(OutboxAnswer)).scalar()
        if not failed and outbox_rows > 1:
            failed.append("commit")
            raise RuntimeError("disk I/O error")

    engine = worker.services.db.engine
    event.listen(engine, "commit", fail_the_first_batch_commit)
    try:
        assert worker.handle_batch(ids) == 3
    finally:
        event.remove(engine, "commit", fail_the_first_batch_commit)

    assert failed == ["commit"]
    assert [len(texts(fake_line, someone)) for someone in (a, b)] == [1 + 2 + 1, 2]  # 修了証: one message, ECMOの日程: two
    with Services.of(web).db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxAnswer)
                              .where(OutboxAnswer.inbox_event_id.in_(ids))) == 3
        assert set(session.scalars(select(InboxEvent.status).where(InboxEvent.id.in_(ids)))) == {InboxStatus.DONE}


def test_an_event_redelivered_while_its_batch_is_decided_is_acknowledged_and_answered_once(
        database_url: str, fake_line: FakeLine) -> None:
    """LINE redelivers an event whose acknowledgement it missed; here the copy arrives while the worker decides the
    batch with its writes held back: it is stored as the same event, and answered once. (On PostgreSQL the copy's
    insert waits for the batch's transaction, which holds the original's row: it is posted from another thread.)"""
    import threading

    from bot.qa import Question
    from tests.helpers import post_events, while_deciding

    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    a, b = user("newcomer", "d"), user("follower", "d")
    events = [question(fake_line, a, "ECMOの日程"), question(fake_line, b, "修了証")]
    ids = stored(web, events)
    statuses: list[int] = []
    posts: list[threading.Thread] = []

    def post_copy() -> None:
        copy = events[0] | {"deliveryContext": {"isRedelivery": True}}
        statuses.append(post_events(web.test_client(), [copy]).status_code)

    def redeliver(asked: Question) -> None:
        posts.append(threading.Thread(target=post_copy))
        posts[-1].start()
        if database_url.startswith("sqlite"):
            posts[-1].join(5)  # the write lock is free while the batch is decided

    while_deciding(worker, redeliver)
    assert worker.handle_batch(ids) == 2
    for post in posts:
        post.join(15)

    assert statuses == [200, 200]
    with Services.of(web).db.session() as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)
                              .where(InboxEvent.webhook_event_id == events[0]["webhookEventId"])) == 1
    assert [len(texts(fake_line, someone)) for someone in (a, b)] == [2, 1]
