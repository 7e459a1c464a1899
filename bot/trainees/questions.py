"""A trainee's questions: the conversation's memory and the log the secretariat reviews.

Every question is logged with what the bot decided (kind, entry, training, the
model's best entries and its probability). When a question follows a
"did you mean" or "which training" reply within the conversation window and
lands on one of the choices offered, that choice is recorded as ``tapped`` on
the earlier question: the trainee told us what they meant. ``topic`` is the entry
the question is about as far as the bot knows (a tap corrects it); the review
queue and the week's most asked topics group by it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Insert, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.db import deferred_writes
from bot.db.tables import AskedQuestion, LineUser
from bot.qa import Decision, DecisionKind, Reply
from bot.qa.query import CONVERSATION_WINDOW
from bot.trainees import sender_facts

# Replies that offer choices; the next question may be a tap on one of them.
CHOOSING_KINDS = (DecisionKind.DID_YOU_MEAN.value, DecisionKind.ASK_TRAINING.value, DecisionKind.OUT_OF_SCOPE.value)


@cache
def _statements() -> tuple[Insert, Update]:
    """The question log's insert and the update of the sender's conversation memory, built once.

    As Core statements they leave nothing for the session's unit of work: flushing the
    sender's changed row through the ORM, once per question, cost more CPU than every
    other write of the question together.
    """
    users = LineUser.__table__
    remembered = update(users).where(users.c.id == bindparam("user_id")).values(
        last_training_id=bindparam("training_id"), last_entry_id=bindparam("entry_id"),
        last_asked_at=bindparam("asked_at"))
    return insert(AskedQuestion.__table__), remembered


def log_question(session: Session, user: LineUser, text: str, reply: Reply, now: datetime) -> None:
    """Remember the question for the conversation and log it; note a tap on the previous choices."""
    decision = reply.decision
    _note_tap(session, user, reply, now)
    memory = {
        "last_training_id": decision.training_id or user.last_training_id,
        "last_entry_id": decision.entry_id if decision.kind is DecisionKind.ANSWER else user.last_entry_id,
        "last_asked_at": now,
    }
    log, remembered = _statements()
    # Sent with the batch's others when the worker batches them (``bot.db.deferred_writes``).
    deferred_writes.execute(session, log, {
        "line_user_id": user.id,
        "text": text,
        "locale": decision.locale,
        "kind": decision.kind.value,
        "entry_id": decision.entry_id,
        "training_id": decision.training_id,
        "probability": decision.confidence,
        "candidates": list(decision.candidates),
        "topic": _topic(decision),
        "asked_at": now,
    })
    deferred_writes.execute(session, remembered, {"user_id": user.id, "training_id": memory["last_training_id"],
                                                  "entry_id": memory["last_entry_id"], "asked_at": now})
    for name, value in memory.items():  # the row in hand says what the database now holds, with nothing to flush
        set_committed_value(user, name, value)


def _topic(decision: Decision) -> str | None:
    """The entry a question is about, as far as the bot knows: the one answered (or asked "which
    training" about), else on "did you mean" and out of scope the model's best guess."""
    if decision.entry_id:
        return decision.entry_id
    unsure = decision.kind in (DecisionKind.DID_YOU_MEAN, DecisionKind.OUT_OF_SCOPE)
    return decision.candidates[0] if unsure and decision.candidates else None


def _note_tap(session: Session, user: LineUser, reply: Reply, now: datetime) -> None:
    facts = sender_facts.held(session, user)
    previous = facts.previous_question if facts is not None else session.scalars(
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
        if chosen and chosen in previous.candidates:
            previous.tapped = chosen
    elif decision.entry_id in previous.candidates:
        previous.tapped = previous.topic = decision.entry_id  # the trainee said what the question was about
