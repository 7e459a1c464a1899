"""A trainee's questions: the conversation's memory and the log the secretariat reviews.

Every question is logged with what the bot decided (kind, entry, training, the
model's best entries and its probability). When a question follows a
"did you mean" or "which training" reply within the conversation window and
lands on one of the choices offered, that choice is recorded as ``tapped`` on
the earlier question: the trainee told us what they meant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import AskedQuestion, LineUser
from bot.qa import DecisionKind, Reply
from bot.qa.query import CONVERSATION_WINDOW

# Replies that offer choices; the next question may be a tap on one of them.
CHOOSING_KINDS = (DecisionKind.DID_YOU_MEAN.value, DecisionKind.ASK_TRAINING.value, DecisionKind.OUT_OF_SCOPE.value)


def log_question(session: Session, user: LineUser, text: str, reply: Reply, now: datetime) -> AskedQuestion:
    """Remember the question for the conversation and log it; note a tap on the previous choices."""
    decision = reply.decision
    _note_tap(session, user, reply, now)
    if decision.training_id:
        user.last_training_id = decision.training_id
    if decision.kind is DecisionKind.ANSWER:
        user.last_entry_id = decision.entry_id
    user.last_asked_at = now
    row = AskedQuestion(
        line_user_id=user.id,
        text=text,
        locale=decision.locale,
        kind=decision.kind.value,
        entry_id=decision.entry_id,
        training_id=decision.training_id,
        probability=decision.confidence,
        candidates=list(decision.candidates),
        topic=decision.candidates[0] if decision.candidates else None,
        asked_at=now,
    )
    session.add(row)
    return row


def _note_tap(session: Session, user: LineUser, reply: Reply, now: datetime) -> None:
    previous = session.scalars(
        select(AskedQuestion).where(AskedQuestion.line_user_id == user.id)
        .order_by(AskedQuestion.asked_at.desc(), AskedQuestion.id.desc()).limit(1)
    ).first()
    if previous is None or previous.kind not in CHOOSING_KINDS or previous.tapped is not None:
        return
    if now - previous.asked_at > CONVERSATION_WINDOW:
        return
    decision = reply.decision
    if decision.kind is not DecisionKind.ANSWER:
        return
    if previous.kind == DecisionKind.ASK_TRAINING.value:
        chosen = decision.training_id if decision.entry_id == previous.entry_id else None
    else:
        chosen = decision.entry_id
    if chosen and chosen in previous.candidates:
        previous.tapped = chosen
