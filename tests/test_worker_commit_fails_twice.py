"""A COMMIT that fails again when a failed batch is decided one event at a time sends nothing for that event.

The SQLite worker writes a batch's decisions in one commit; if that fails it decides
each event again in its own transaction (``EventWorker._decide_each``). A cause that
made the batch's COMMIT fail (a full disk, an I/O error) may well make the next one
fail too. The event whose own commit failed has no outbox row and is recorded failed
(PostgreSQL: left to its lease), so its answer must not be sent: sent, it would be
closed as done, and the outbox id it carries (from the rolled-back insert) may by then
be another event's row, which would be marked with this answer's outcome.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools.fake_line import FakeLine
from bot.line.worker import EventWorker
from bot.services import Services
from tests.helpers import make_app, question, stored

REPLY = "/v2/bot/message/reply"


def test_an_event_whose_commit_fails_after_its_batchs_did_is_not_sent_and_marks_no_other_events_answer(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    a, b, c = (f"U{n:032x}" for n in (0xa2, 0xb2, 0xc2))
    for known in (a, b, c):
        worker.handle_batch(stored(web, [question(fake_line, known, "修了証")]))
    events = [question(fake_line, a, "ECMOの日程"), question(fake_line, b, "申込〆切"), question(fake_line, c, "修了証")]
    ids = stored(web, events)
    engine = worker.services.db.engine
    failures_left = [2]  # the batch's commit, then the first event's own

    def note_outbox_insert(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO outbox_answers"):
            conn.info["writes_outbox"] = True

    def fail_commit(conn: Any) -> None:
        if conn.info.pop("writes_outbox", False) and failures_left[0]:
            failures_left[0] -= 1
            raise RuntimeError("disk I/O error")

    def forget(conn: Any) -> None:
        conn.info.pop("writes_outbox", None)

    event.listen(engine, "before_cursor_execute", note_outbox_insert)
    event.listen(engine, "commit", fail_commit)
    event.listen(engine, "rollback", forget)
    try:
        worker.handle_batch(ids)
    finally:
        event.remove(engine, "before_cursor_execute", note_outbox_insert)
        event.remove(engine, "commit", fail_commit)
        event.remove(engine, "rollback", forget)

    assert failures_left == [0]
    sent_tokens = [r.body["replyToken"] for r in fake_line.state.requests(REPLY) if r.accepted]
    with Services.of(web).db.session() as session:
        status = dict(session.execute(select(InboxEvent.id, InboxEvent.status).where(InboxEvent.id.in_(ids))).all())
        rows = dict(session.execute(select(OutboxAnswer.inbox_event_id, OutboxAnswer.status)
                                    .where(OutboxAnswer.inbox_event_id.in_(ids))).all())
    # The first event's decision was rolled back twice: no outbox row, not sent, not done.
    assert ids[0] not in rows
    assert events[0]["replyToken"] not in sent_tokens
    assert status[ids[0]] != InboxStatus.DONE
    # The others: answered once each, each outbox row marked by its own answer's send.
    assert [sent_tokens.count(e["replyToken"]) for e in events[1:]] == [1, 1]
    assert [rows[i] for i in ids[1:]] == [AnswerStatus.SENT, AnswerStatus.SENT]
    assert [status[i] for i in ids[1:]] == [InboxStatus.DONE, InboxStatus.DONE]
