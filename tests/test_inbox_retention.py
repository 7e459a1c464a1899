"""Finished webhook events, with the trainee's id and words, are forgotten after a week.

The clock's hourly job deletes them with their outbox rows; anything that can still
matter stays: events a week old or younger (a redelivery must find them), events not
finished, and events whose answer is still waiting to be sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot import clock
from bot.db import Database
from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools import simulator
from bot.line import inbox, outbox
from bot.line import inbox_retention
from bot.line.inbox_retention import KEEP_FINISHED, forget_old_events, prune_finished
from bot.line.webhook import HANDLED_EVENT_TYPES

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=clock.JST)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.engine.dispose()


def stored(db: Database, received_at: datetime, status: InboxStatus, answer: AnswerStatus | None = None) -> int:
    """One text event received at ``received_at``, left in ``status``, with an answer in ``answer``."""
    event = simulator.text_event("U" + "a" * 32, "電話は090-1234-5678です", "token")
    with db.engine.begin() as connection:
        [inbox_id] = inbox.store(connection, [event], HANDLED_EVENT_TYPES, received_at)
    with db.session() as session:
        session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id).values(status=status))
        if answer is not None:
            outbox.record(session, inbox_id, event["webhookEventId"], "token", None,
                          [{"type": "text", "text": "回答"}], received_at, received_at)
            session.execute(update(OutboxAnswer).where(OutboxAnswer.inbox_event_id == inbox_id).values(status=answer))
    return inbox_id


def remaining(db: Database) -> set[int]:
    with db.session() as session:
        return set(session.scalars(select(InboxEvent.id)))


def test_finished_events_older_than_a_week_are_deleted_with_their_answers(db):
    old = NOW - KEEP_FINISHED - timedelta(minutes=1)
    answered = stored(db, old, InboxStatus.DONE, AnswerStatus.SENT)
    ignored = stored(db, old, InboxStatus.IGNORED)
    failed = stored(db, old, InboxStatus.FAILED, AnswerStatus.FAILED)
    with db.session() as session:
        assert prune_finished(session, NOW, limit=100) == 3
    assert not remaining(db) & {answered, ignored, failed}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxAnswer)) == 0


def test_what_can_still_matter_is_kept(db):
    old = NOW - KEEP_FINISHED - timedelta(minutes=1)
    recent = stored(db, NOW - KEEP_FINISHED + timedelta(minutes=1), InboxStatus.DONE, AnswerStatus.SENT)
    waiting = stored(db, old, InboxStatus.PENDING)
    in_hand = stored(db, old, InboxStatus.PROCESSING)
    unsent = stored(db, old, InboxStatus.DONE, AnswerStatus.PENDING)
    with db.session() as session:
        assert prune_finished(session, NOW, limit=100) == 0
    assert remaining(db) == {recent, waiting, in_hand, unsent}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxAnswer)) == 2


def test_the_clock_job_deletes_in_chunks_until_nothing_old_is_left(db, monkeypatch):
    monkeypatch.setattr(inbox_retention, "CHUNK", 2)
    old = clock.system_now() - KEEP_FINISHED - timedelta(hours=1)
    for _ in range(5):
        stored(db, old, InboxStatus.DONE, AnswerStatus.SENT)
    kept = stored(db, clock.system_now(), InboxStatus.DONE, AnswerStatus.SENT)
    assert forget_old_events(db) == 5
    assert remaining(db) == {kept}


def test_the_clock_job_judges_age_by_the_system_time_not_the_bots_season(db, monkeypatch):
    """KENSHU_NOW may be months away (rehearsing a season): minutes-old events stay, so a redelivery is a no-op."""
    just_now = stored(db, clock.system_now() - timedelta(minutes=5), InboxStatus.DONE, AnswerStatus.SENT)
    monkeypatch.setenv("KENSHU_NOW", (clock.system_now() + timedelta(days=30)).isoformat())
    assert forget_old_events(db) == 0
    assert remaining(db) == {just_now}
