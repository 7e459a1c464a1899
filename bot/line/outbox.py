"""The answer outbox: an answer is written with the commit that decides it, and marked once sent.

The event worker decides an answer inside the handler's transaction and writes it
here in that same commit; it sends it only after the commit. A worker killed in
between leaves the row pending, and whoever takes the event over sends it, once
(see ``bot.line.answer_sender``). The row is then the answer's ledger row: how it
went (reply or push, attempts, retry key, LINE's error), with the messages and the
push address cleared, so nothing the trainee was told stays behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from linebot.v3.messaging import Message
from sqlalchemy import Insert, Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.db import deferred_writes
from bot.db.tables import AnswerStatus, InboxEvent, OutboxAnswer

# Fixed forever: a takeover must derive the same X-Line-Retry-Key as the worker that died.
RETRY_KEY_NAMESPACE = uuid.UUID("0b8f6f43-51d8-4c46-a0a3-5f0e2c1d9b7e")


def retry_key_for(webhook_event_id: str) -> str:
    """The X-Line-Retry-Key of the push that carries this event's answer, in every process."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, f"answer/{webhook_event_id}"))


def event_time(payload: dict[str, Any], received_at: datetime) -> datetime:
    """When LINE sent the event (its ``timestamp``), which starts the reply token's minute."""
    stamp = payload.get("timestamp")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and stamp > 0:
        try:
            return datetime.fromtimestamp(stamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return received_at


@dataclass
class Answer:
    """An answer to send: decided now (models in hand) or read back by a takeover."""

    outbox_id: int
    inbox_id: int
    webhook_event_id: str
    reply_token: str | None
    push_to: str | None
    messages: list[dict[str, Any]]  # LINE's JSON, serialised once (see LineGateway.reply_serialized)
    event_at: datetime
    # Someone may already have tried to send it: a worker that died, or an earlier
    # attempt whose outcome LINE did not tell (a timeout, a 5xx).
    maybe_sent: bool = False
    # A previous holder had given up on the reply token and started pushing (``note_push``).
    pushing: bool = False


@dataclass(frozen=True)
class Outcome:
    """How sending one answer ended."""

    status: AnswerStatus
    via: str | None
    attempts: int
    retry_key: str | None = None
    error: str | None = None


@cache
def _insert() -> Insert:
    """The outbox row's insert, built once (one per answer; see ``bot.trainees.sender_facts``).

    Its RETURNING rows come back in the answers' order (``record`` pairs them by position):
    the event's id is the table's insert sentinel, so SQLAlchemy sends the rows as one
    statement on SQLite too, and checks each row it returns against its parameters.
    """
    table = OutboxAnswer.__table__
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def record(
    session: Session,
    inbox_id: int,
    webhook_event_id: str,
    reply_token: str | None,
    push_to: str | None,
    messages: Sequence[Message | dict[str, Any]],
    event_at: datetime,
    now: datetime,
) -> Answer:
    """Write the decided answer in the caller's transaction; the answer to send once it commits.

    Within a batch of the worker (``bot.db.deferred_writes``) the row is written with the
    batch's others, and the answer's ``outbox_id`` is filled in then.
    """
    json_messages = [message if isinstance(message, dict) else message.to_dict() for message in messages]
    answer = Answer(0, inbox_id, webhook_event_id, reply_token, push_to, json_messages, event_at)

    def written(row: Row[Any]) -> None:
        answer.outbox_id = row.id

    deferred_writes.execute(session, _insert(), {
        "inbox_event_id": inbox_id,
        "reply_token": reply_token,
        "push_to": push_to,
        "messages": json_messages,
        "event_at": event_at,
        "status": AnswerStatus.PENDING,
        "attempts": 0,
        "created_at": now,
    }, on_row=written)
    return answer


def undelivered(session: Session, inbox_ids: Sequence[int]) -> dict[int, Answer]:
    """The answers already decided but not sent for these events (a takeover's to-do), by event."""
    if not inbox_ids:
        return {}
    rows = session.execute(
        select(OutboxAnswer, InboxEvent.webhook_event_id)
        .join(InboxEvent, InboxEvent.id == OutboxAnswer.inbox_event_id)
        .where(OutboxAnswer.inbox_event_id.in_(inbox_ids))
    ).all()
    found: dict[int, Answer] = {}
    for row, webhook_event_id in rows:
        answer = Answer(row.id, row.inbox_event_id, webhook_event_id, row.reply_token, row.push_to,
                        list(row.messages or []), row.event_at, maybe_sent=True, pushing=row.via == "push")
        found[row.inbox_event_id] = answer if row.status == AnswerStatus.PENDING else _settled(answer)
    return found


def _settled(answer: Answer) -> Answer:
    """An answer already marked: nothing left to send (its event only needs closing)."""
    answer.messages = []
    return answer


def note_push(session: Session, outbox_id: int, retry_key: str) -> bool:
    """Record, before a push, that this answer goes by push with this retry key; whether it may still be pushed.

    A takeover then pushes again with the same key (LINE deduplicates) instead of
    trying the reply token, whose refusal would be read as "an earlier reply used it".
    False when the row has lost its push address since the answer was decided: a
    「データ削除」 decided later in the same batch (``forget_recipient``), whose answer
    in memory still names the user. A row already settled (no longer pending) returns True, as before:
    whatever push follows carries the retry key LINE already accepted.
    """
    pending = session.execute(
        update(OutboxAnswer)
        .where(OutboxAnswer.id == outbox_id, OutboxAnswer.status == AnswerStatus.PENDING)
        .values(via="push", retry_key=retry_key)
        .returning(OutboxAnswer.push_to)
        .execution_options(synchronize_session=False)
    ).first()
    return pending is None or pending.push_to is not None


def mark(session: Session, outcomes: Sequence[tuple[int, Outcome]], now: datetime) -> None:
    """Record how each answer went (by outbox id) and forget what it said and to whom.

    One executemany for the lot: a worker marks the answers of many events at once.
    Only a pending row is marked, so an answer is never recorded twice.
    """
    if not outcomes:
        return
    statement = (
        update(OutboxAnswer.__table__)
        .where(OutboxAnswer.__table__.c.id == bindparam("outbox_id"),
               OutboxAnswer.__table__.c.status == AnswerStatus.PENDING)
        .values(
            status=bindparam("new_status"),
            via=bindparam("new_via"),
            retry_key=bindparam("new_retry_key"),
            attempts=OutboxAnswer.__table__.c.attempts + bindparam("new_attempts"),
            error=bindparam("new_error"),
            finished_at=now,
            messages=None,
            push_to=None,
        )
    )
    session.connection().execute(
        statement,
        [
            {
                "outbox_id": outbox_id,
                "new_status": outcome.status.value,
                "new_via": outcome.via,
                "new_retry_key": outcome.retry_key,
                "new_attempts": outcome.attempts,
                "new_error": outcome.error[:2000] if outcome.error else None,
            }
            for outbox_id, outcome in outcomes
        ],
    )


def forget_recipient(session: Session, line_user_id: str) -> None:
    """「データ削除」: answers not yet sent to this user no longer say where to push them."""
    session.execute(
        update(OutboxAnswer)
        .where(OutboxAnswer.push_to == line_user_id)
        .values(push_to=None)
        .execution_options(synchronize_session=False)
    )
