"""Random batches with failures injected at each step: every event ends once, every answer is sent once, in order.

Review probe of the held-back SQLite batch (and PostgreSQL's one transaction): a few users send random mixes of
questions, follows and unfollows in one batch; a handler raises for some events ("boom"), the held-back write of some
outbox rows fails once, and the COMMIT of the batch's writes fails once. Whatever happens, each event ends in one
final state, each answered event has one outbox row and one reply, the failing ones are recorded failed, nothing is
logged twice, and each user's replies come in the order of their events. The outbox and COMMIT faults are
injected where the driver sends a row's parameters as a tuple (SQLite); on PostgreSQL only the handlers fail.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.db.tables import AskedQuestion, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.line.worker import EventWorker
from bot.services import Services
from tests.helpers import failing_on, make_app, question, stored

REPLY = "/v2/bot/message/reply"


@pytest.mark.parametrize("seed", range(6))
def test_random_batches_with_failures_answer_each_event_once_and_in_order(
        database_url: str, fake_line: FakeLine, seed: int) -> None:
    rng = random.Random(seed)
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    users = [f"U{seed:016x}{n:016x}" for n in range(4)]
    for known in users[:2]:  # two known senders, two new ones
        worker.handle_batch(stored(web, [question(fake_line, known, "修了証")]))
    failing_on(worker.services.answerer, "boom")
    events: list[dict[str, Any]] = []
    for _ in range(12):
        who = rng.choice(users)
        kind = rng.choices(["q", "boom", "follow", "unfollow"], [6, 1, 1, 1])[0]
        if kind == "q":
            events.append(question(fake_line, who, rng.choice(["修了証", "ECMOの日程", "申込〆切"])))
        elif kind == "boom":
            events.append(question(fake_line, who, "boom"))
        elif kind == "follow":
            events.append(simulator.follow_event(who, fake_line.state.issue_reply_token(who)))
        else:
            events.append(simulator.unfollow_event(who))
    ids = stored(web, events)
    engine = worker.services.db.engine
    poisoned = set(rng.sample(ids, 2))
    failed: list[str] = []

    def fail_outbox_once(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        """The first write of a poisoned event's outbox row fails (its id leads the row's parameters)."""
        if statement.startswith("INSERT INTO outbox_answers") and isinstance(parameters, tuple) and parameters:
            conn.info["batch_outbox"] = True
            inbox_id = parameters[0]
            if inbox_id in poisoned and rng.random() < 0.7:
                poisoned.discard(inbox_id)
                failed.append(f"outbox {inbox_id}")
                raise RuntimeError("disk I/O error on the outbox")

    commit_fail = [rng.random() < 0.5]

    def fail_commit_once(conn: Any) -> None:
        if conn.info.pop("batch_outbox", False) and commit_fail[0]:
            commit_fail[0] = False
            failed.append("commit")
            raise RuntimeError("disk I/O error at commit")

    def forget(conn: Any) -> None:
        conn.info.pop("batch_outbox", None)

    event.listen(engine, "before_cursor_execute", fail_outbox_once)
    event.listen(engine, "rollback", forget)
    event.listen(engine, "commit", fail_commit_once)
    try:
        claimed = worker.handle_batch(ids)
    finally:
        event.remove(engine, "before_cursor_execute", fail_outbox_once)
        event.remove(engine, "commit", fail_commit_once)
        event.remove(engine, "rollback", forget)
    assert claimed == len(ids)

    with Services.of(web).db.session() as session:
        status = dict(session.execute(select(InboxEvent.id, InboxEvent.status).where(InboxEvent.id.in_(ids))).all())
        outbox = session.execute(select(OutboxAnswer.inbox_event_id, func.count()).where(
            OutboxAnswer.inbox_event_id.in_(ids)).group_by(OutboxAnswer.inbox_event_id)).all()
        logged = session.scalar(select(func.count()).select_from(AskedQuestion).where(
            AskedQuestion.text.in_(["修了証", "ECMOの日程", "申込〆切"]))) or 0
    tokens = {e["replyToken"]: (i, e) for i, e in enumerate(events) if "replyToken" in e}
    replies = [r for r in fake_line.state.requests(REPLY) if r.accepted and (r.body or {}).get("replyToken") in tokens]
    used = [tokens[r.body["replyToken"]][0] for r in replies]
    note = f"failures {failed}, events {[(e['type'], e.get('message', {}).get('text')) for e in events]}"
    assert all(count == 1 for _, count in outbox), note
    for i, (inbox_id, e) in enumerate(zip(ids, events)):
        boom = e.get("message", {}).get("text") == "boom"
        assert status[inbox_id] == (InboxStatus.FAILED if boom else InboxStatus.DONE), (i, note)
    assert len(used) == len(set(used)), note  # no reply sent twice
    asked = [i for i, e in enumerate(events) if e["type"] == "message" and e["message"]["text"] != "boom"]
    assert sorted(set(asked) - set(used)) == [], note  # every question answered
    for who in users:
        mine = [i for i in used if events[i]["source"]["userId"] == who]
        assert mine == sorted(mine), note  # in order
    assert logged - 2 == len(asked), note  # each question logged once (2: the known senders' first)
