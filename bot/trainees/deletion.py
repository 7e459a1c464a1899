"""「データ削除」: forget a trainee at their request.

After deletion no table names the LINE user or holds what they wrote:

- deleted: the LINE user record, their subscriptions, ledger rows, the record of
  their personal requests (「私の研修」, joining details again), every question
  they asked (their own words, which may hold a phone number or a name; one the
  secretariat already assigned to an entry stays in data/ as an example, without
  who asked it), and their chat with the secretariat (the conversation, its
  messages and the clerks' replies, and the remembered lines with the bot);
- stored webhook events keep only their id (so a redelivery is still recognised),
  not the user's LINE id, what they wrote, or an error about it (an event still
  in flight, such as the deletion's own, once it is closed);
- kept: the enrolment, the secretariat's record of the application; it becomes
  unlinked, and its code stays used (``linked_at``), so linking again needs a new
  code from the secretariat; and the link-code throttle, which is keyed by a hash
  that names nobody (``bot.trainees.link_throttle``) and must not reset.

Events that arrive afterwards and do not bring the trainee back (an unfollow) are
forgotten the same way (``forget_events``), rather than recreating the user.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.db.tables import (
    AskedQuestion,
    Delivery,
    Enrolment,
    HandoffConversation,
    HandoffMessage,
    InboxEvent,
    InboxStatus,
    LineUser,
    PersonalRequest,
    Subscription,
)
from bot.line.outbox import forget_recipient


def delete_user_data(session: Session, user: LineUser) -> None:
    """Delete everything the bot holds about this LINE user (explicitly, on every backend)."""
    user_id = user.id
    session.execute(update(Enrolment).where(Enrolment.user_id == user_id).values(user_id=None))
    session.execute(delete(AskedQuestion).where(AskedQuestion.line_user_id == user_id))
    for table in (Subscription, Delivery, PersonalRequest, HandoffMessage, HandoffConversation):
        session.execute(delete(table).where(table.user_id == user_id))
    forget_events(session, user.line_user_id)
    session.delete(user)
    session.flush()


def forget_events(session: Session, line_user_id: str) -> None:
    """Strip the user's LINE id and words from their stored webhook events.

    Events still waiting to be handled are left alone: they were sent after this
    moment (a message that brings the trainee back), and each is forgotten in turn
    if it does not. Events in flight (this deletion's own, until its reply is sent)
    keep the user's id while they are: a user's events are handed out one at a
    time (``bot.line.inbox``), and without it their next event would be handed to
    another worker before this one is answered. They are stripped when closed
    (``inbox.finish``). Answers not yet sent to them lose their push address.
    """
    forget_recipient(session, line_user_id)
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.source_user_id == line_user_id, InboxEvent.status == InboxStatus.PROCESSING)
        .values(forget_on_close=True)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.source_user_id == line_user_id,
               InboxEvent.status.not_in([InboxStatus.PENDING, InboxStatus.PROCESSING]))
        .values(source_user_id=None, payload={}, error=None)
        .execution_options(synchronize_session=False)
    )
