"""Review probe: a worker dies after its batch's first group is committed and before the rest is decided.

The held-back SQLite batch commits its events in groups (a sender's second event starts a new one). If the worker
dies (here: an interrupt inside the answering engine, which no ``except Exception`` catches) after the first group's
answers are committed but before they are sent, the worker that takes the events over must send those answers once,
decide the rest once, and keep each user's order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot import clock
from bot.db.tables import InboxEvent, InboxStatus
from bot.devtools.fake_line import FakeLine
from bot.line.worker import EventWorker
from bot.qa import Question
from bot.services import Services
from tests.helpers import make_app, question, stored

REPLY = "/v2/bot/message/reply"


class Killed(BaseException):
    """The process dying: nothing below the worker catches it."""


def test_a_worker_killed_after_its_first_group_is_taken_over_and_each_question_is_answered_once_in_order(
        database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    dying = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    taker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    a, b, c = (f"U{n:032x}" for n in (0xa1, 0xb1, 0xc1))
    for known in (a, b, c):
        dying.handle_batch(stored(web, [question(fake_line, known, "修了証")]))
    events = [question(fake_line, a, "ECMOの日程"), question(fake_line, b, "申込〆切"),
              question(fake_line, a, "申込〆切"), question(fake_line, c, "ECMOの日程")]
    ids = stored(web, events)
    real_answer = dying.services.answerer.answer
    asked: list[str] = []

    def die_at_the_second_group(question_: Question) -> Any:
        asked.append(question_.text)
        if len(asked) == 3:
            raise Killed()
        return real_answer(question_)

    dying.services.answerer.answer = die_at_the_second_group  # type: ignore[method-assign]
    with pytest.raises(Killed):
        dying.handle_batch(ids)
    with Services.of(web).db.session() as session:  # the dead worker's leases run out
        session.execute(update(InboxEvent).where(InboxEvent.id.in_(ids))
                        .values(claimed_at=clock.system_now() - timedelta(hours=1)))

    assert taker.handle_batch(ids) == 4

    tokens = {e["replyToken"]: i for i, e in enumerate(events)}
    used = [tokens[r.body["replyToken"]] for r in fake_line.state.requests(REPLY)
            if r.accepted and r.body.get("replyToken") in tokens]
    assert sorted(used) == [0, 1, 2, 3]
    assert [i for i in used if i in (0, 2)] == [0, 2]
    with Services.of(web).db.session() as session:
        assert set(session.scalars(select(InboxEvent.status).where(InboxEvent.id.in_(ids)))) == {InboxStatus.DONE}
