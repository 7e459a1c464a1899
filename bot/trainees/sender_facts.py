"""What handling a message reads about its sender, loaded for a whole batch of senders at once.

The event worker decides a batch of events in one transaction, and each question
reads the same few facts about its sender: the row, the handoff conversation, the
bot's last remembered answer, linked enrolments, subscriptions, the previous
question. One query per fact per event was most of a question's cost. ``load``
reads each fact for every sender of the batch in one query; the worker ``install``s
one sender's facts on the session before that sender's event, and the readers
(``handoff``, ``linking``, ``subscriptions``, ``questions``) take them from
``held`` instead of the database.

Facts hold only while the session has written nothing since they were installed:
a flush, an ORM insert, update or delete, or a pending change drops them, so a
handler that changes something and reads it back reads the database, as before.
They are read in the event's own transaction, after its claim, so they are what
the database says when the event begins (a sender's events are never decided
side by side: the inbox hands out one at a time per user).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, event, select
from sqlalchemy.orm import ORMExecuteState, Session, aliased

from bot.db import deferred_writes
from bot.db.tables import AskedQuestion, Enrolment, HandoffAuthor, HandoffConversation, HandoffMessage, LineUser, Subscription

_HELD = "kenshu.sender_facts"
_WATCHED = "kenshu.sender_facts.watched"


@dataclass
class SenderFacts:
    """One sender's facts as the database held them when the batch was loaded."""

    conversation: HandoffConversation | None = None
    last_decision: str | None = None
    enrolments: list[Enrolment] = field(default_factory=list)
    subscribed_training_ids: tuple[str, ...] = ()
    previous_question: AskedQuestion | None = None


@cache
def _statements() -> dict[str, Select]:
    """The batch queries, built once: building a statement costs more CPU than SQLite takes to run it.

    Each takes the batch's ids as the expanding parameter ``ids``.
    """
    ids = bindparam("ids", expanding=True)
    newest_bot_line, newest_question = aliased(HandoffMessage), aliased(AskedQuestion)
    return {
        "users": select(LineUser).where(LineUser.line_user_id.in_(ids)),
        "conversations": select(HandoffConversation).where(HandoffConversation.user_id.in_(ids)),
        "last_decisions": select(HandoffMessage.user_id, HandoffMessage.decision).where(
            HandoffMessage.user_id.in_(ids),
            HandoffMessage.id == select(newest_bot_line.id).where(
                newest_bot_line.user_id == HandoffMessage.user_id, newest_bot_line.author == HandoffAuthor.BOT,
            ).order_by(newest_bot_line.at.desc(), newest_bot_line.id.desc()).limit(1).scalar_subquery()),
        "enrolments": select(Enrolment).where(Enrolment.user_id.in_(ids)).order_by(Enrolment.id),
        "subscriptions": select(Subscription.user_id, Subscription.training_id).where(Subscription.user_id.in_(ids))
        .order_by(Subscription.id),
        "previous_questions": select(AskedQuestion).where(
            AskedQuestion.line_user_id.in_(ids),
            AskedQuestion.id == select(newest_question.id).where(
                newest_question.line_user_id == AskedQuestion.line_user_id,
            ).order_by(newest_question.asked_at.desc(), newest_question.id.desc()).limit(1).scalar_subquery()),
    }


def load_users(session: Session, line_user_ids: Iterable[str]) -> dict[str, LineUser]:
    """The known senders' rows, by LINE user id, in one query."""
    wanted = sorted(set(line_user_ids))
    if not wanted:
        return {}
    return {user.line_user_id: user for user in session.scalars(_statements()["users"], {"ids": wanted})}


def load(session: Session, users: Iterable[LineUser]) -> dict[int, SenderFacts]:
    """Every fact of these users, by user id: one query per fact, whatever their number."""
    facts = {user.id: SenderFacts() for user in users}
    if not facts:
        return facts
    statements, ids = _statements(), {"ids": sorted(facts)}
    for conversation in session.scalars(statements["conversations"], ids):
        facts[conversation.user_id].conversation = conversation
    for user_id, decision in session.execute(statements["last_decisions"], ids):
        facts[user_id].last_decision = decision
    for enrolment in session.scalars(statements["enrolments"], ids):
        facts[enrolment.user_id].enrolments.append(enrolment)  # type: ignore[index]
    subscribed: dict[int, list[str]] = {}
    for user_id, training_id in session.execute(statements["subscriptions"], ids):
        subscribed.setdefault(user_id, []).append(training_id)
    for user_id, training_ids in subscribed.items():
        facts[user_id].subscribed_training_ids = tuple(training_ids)
    for question in session.scalars(statements["previous_questions"], ids):
        facts[question.line_user_id].previous_question = question  # type: ignore[index]
    return facts


def install(session: Session, user: LineUser, facts: SenderFacts) -> None:
    """Let the readers take ``user``'s facts from ``facts`` until the session next writes."""
    if not session.info.get(_WATCHED):
        event.listen(session, "after_flush", _forget_after_flush)
        event.listen(session, "do_orm_execute", _forget_before_a_write)
        session.info[_WATCHED] = True
    session.info[_HELD] = (user.id, facts, deferred_writes.writes(session))


def held(session: Session, user: LineUser) -> SenderFacts | None:
    """``user``'s installed facts, if the session has changed nothing since; else None (read the database)."""
    installed = session.info.get(_HELD)
    if installed is None or installed[0] != user.id:
        return None
    # A write kept for the batch (``bot.db.deferred_writes``) has not reached the database yet, but it changed it.
    if session.new or session.dirty or session.deleted or deferred_writes.writes(session) != installed[2]:
        session.info.pop(_HELD, None)
        return None
    return installed[1]


def forget(session: Session) -> None:
    session.info.pop(_HELD, None)


def _forget_after_flush(session: Session, _: object) -> None:
    forget(session)


def _forget_before_a_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        forget(state.session)
