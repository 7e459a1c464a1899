"""「データ削除」: forget a trainee at their request.

Deleted: the LINE user record, their subscriptions and ledger
rows, and the link to their application. Kept: the enrolment itself, which is
the secretariat's record of the application; it becomes unlinked, and its code
stays used (``linked_at``), so linking again needs a new code from the
secretariat. Questions the bot could not answer stay for the secretariat with
their sender removed (the table's foreign key sets it to NULL). Stored webhook
events keep only their id (so a redelivery is still recognised), not the user's
LINE id or what they wrote.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.db.tables import Delivery, Enrolment, InboxEvent, LineUser, Subscription, UnansweredQuestion


def delete_user_data(session: Session, user: LineUser) -> None:
    """Delete everything the bot holds about this LINE user (explicitly, on every backend)."""
    user_id = user.id
    session.execute(update(Enrolment).where(Enrolment.user_id == user_id).values(user_id=None))
    session.execute(
        update(UnansweredQuestion).where(UnansweredQuestion.line_user_id == user_id).values(line_user_id=None)
    )
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.source_user_id == user.line_user_id)
        .values(source_user_id=None, payload={})
    )
    for table in (Subscription, Delivery):
        session.execute(delete(table).where(table.user_id == user_id))
    session.delete(user)
    session.flush()
