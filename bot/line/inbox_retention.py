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

from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer

KEEP_FINISHED = timedelta(days=7)
FINISHED = (InboxStatus.DONE, InboxStatus.IGNORED, InboxStatus.FAILED)


def prune_finished(session: Session, now: datetime) -> int:
    """Delete finished events received before ``now - KEEP_FINISHED``; the number deleted.

    An event whose answer is still pending is kept whatever its age: whoever sends
    the answer reads it from there.
    """
    cutoff = now - KEEP_FINISHED
    unsent = exists().where(OutboxAnswer.inbox_event_id == InboxEvent.id, OutboxAnswer.status == AnswerStatus.PENDING)
    old = select(InboxEvent.id).where(
        InboxEvent.status.in_(FINISHED), InboxEvent.received_at < cutoff, ~unsent
    ).scalar_subquery()
    # The outbox rows first: SQLite enforces the foreign key's cascade only when told to.
    session.execute(delete(OutboxAnswer).where(OutboxAnswer.inbox_event_id.in_(old)))
    return session.execute(delete(InboxEvent).where(InboxEvent.id.in_(old))).rowcount
