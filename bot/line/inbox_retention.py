"""How long finished webhook events are kept, and their removal.

Each stored event holds what LINE sent: the trainee's LINE id and words. It is kept
while it can still matter: a redelivery of the same ``webhookEventId`` must find it to
be a no-op (LINE redelivers within hours), and an answer not yet sent needs its event.
After ``KEEP_FINISHED`` an event that is finished (handled, ignored or failed) and
whose answer is settled is deleted with its outbox row, so the inbox does not keep
every trainee's words for ever and does not grow without bound.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from bot import clock
from bot.db import Database
from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer

KEEP_FINISHED = timedelta(days=7)
FINISHED = (InboxStatus.DONE, InboxStatus.IGNORED, InboxStatus.FAILED)
# Events deleted per transaction: on SQLite a transaction holds the one write lock that
# every acknowledgement needs, so a first prune of a large inbox goes in short steps.
CHUNK = 1000


def forget_old_events(db: Database) -> int:
    """Delete every finished event past its keeping time, a chunk per transaction; how many.

    Judged on the system's time, as ``received_at`` is stamped: the bot's clock may be
    set to another season (``KENSHU_NOW``), which must neither delete minutes-old events
    (a redelivery would be answered again) nor keep everything.
    """
    deleted = 0
    while True:
        with db.session() as session:
            step = prune_finished(session, clock.system_now(), CHUNK)
        deleted += step
        if step < CHUNK:
            return deleted


def prune_finished(session: Session, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` finished events received before ``now - KEEP_FINISHED``; the number deleted.

    An event whose answer is still pending is kept whatever its age: whoever sends
    the answer reads it from there.
    """
    cutoff = now - KEEP_FINISHED
    unsent = exists().where(OutboxAnswer.inbox_event_id == InboxEvent.id, OutboxAnswer.status == AnswerStatus.PENDING)
    old = list(session.scalars(select(InboxEvent.id).where(
        InboxEvent.status.in_(FINISHED), InboxEvent.received_at < cutoff, ~unsent
    ).order_by(InboxEvent.id).limit(limit)))
    if not old:
        return 0
    # The outbox rows first: SQLite enforces the foreign key's cascade only when told to.
    session.execute(delete(OutboxAnswer).where(OutboxAnswer.inbox_event_id.in_(old)))
    return session.execute(delete(InboxEvent).where(InboxEvent.id.in_(old))).rowcount
