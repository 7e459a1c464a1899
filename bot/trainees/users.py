"""The user registry: every LINE user who follows or writes to the bot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.tables import LineUser


def find(session: Session, line_user_id: str) -> LineUser | None:
    return session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))


def get_or_create(session: Session, line_user_id: str, now: datetime) -> LineUser:
    """The user's row, created on first contact (safe when two events race)."""
    user = find(session, line_user_id)
    if user is not None:
        return user
    try:
        with session.begin_nested():
            user = LineUser(line_user_id=line_user_id, created_at=now)
            session.add(user)
    except IntegrityError:
        user = find(session, line_user_id)
        assert user is not None
    return user


def create(session: Session, line_user_ids: list[str], now: datetime) -> dict[str, LineUser]:
    """Rows for these users, none of whom has one yet, in one INSERT; by LINE user id.

    For a batch of first contacts (the event worker): ``get_or_create`` one by one
    costs a read, a savepoint and an insert each. A row that exists after all (two
    creators racing) raises ``IntegrityError``; the caller's transaction then rolls back.
    Rows go in in id order, so two creators of the same users take their index locks
    in one order and wait for each other instead of deadlocking on PostgreSQL.
    """
    if not line_user_ids:
        return {}
    rows = session.scalars(insert(LineUser).returning(LineUser),
                           [{"line_user_id": user_id, "created_at": now} for user_id in sorted(line_user_ids)])
    return {user.line_user_id: user for user in rows}


def sender_id(payload: dict[str, Any]) -> str | None:
    """The LINE user id of the sender of a one-to-one event (group and room events have none)."""
    source = payload.get("source")
    if not isinstance(source, dict) or source.get("type") != "user":
        return None
    user_id = source.get("userId")
    return user_id if isinstance(user_id, str) and user_id else None


def user_for_event(session: Session, payload: dict[str, Any], now: datetime) -> LineUser | None:
    """The row of the sender of a one-to-one event (group and room events have none).

    The row itself, not its id: the session's identity map holds rows weakly, so
    looking it up again by id would read it from the database a second time.

    Any event creates the sender's row except an unfollow: it ends the relationship,
    so from someone the bot does not know (for example after 「データ削除」) it must
    not bring their LINE id back.
    """
    user_id = sender_id(payload)
    if user_id is None:
        return None
    if payload.get("type") == "unfollow":
        return find(session, user_id)
    return get_or_create(session, user_id, now)
