"""Dispatches: one send of some content to an audience, created once per key.

The key is the idempotency handle: a reminder fired twice by two clock
processes, or an announcement command retried after a crash, finds the dispatch
that already exists instead of creating a second one (the unique constraint on
``key`` settles races between processes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import system_now
from bot.db.tables import Delivery, Dispatch, DispatchStatus
from bot.delivery import content as content_rules


class DispatchError(RuntimeError):
    """A dispatch cannot be found or is not in a state that allows the operation."""


def find(session: Session, key: str) -> Dispatch | None:
    return session.scalar(select(Dispatch).where(Dispatch.key == key))


def create_dispatch(
    session: Session,
    key: str,
    kind: str,
    audience: str,
    content: dict[str, Any],
    scheduled_at: datetime,
    note: str | None = None,
) -> Dispatch:
    """The dispatch with this key, created (status ``scheduled``) if it does not exist yet.

    The content is validated first, so nothing LINE would refuse is ever stored.
    A second call with the same key returns the existing row unchanged.
    """
    content_rules.validate(content)
    existing = find(session, key)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            dispatch = Dispatch(
                key=key,
                kind=kind,
                audience=audience,
                content=content,
                status=DispatchStatus.SCHEDULED,
                scheduled_at=scheduled_at,
                created_at=system_now(),
                note=note,
            )
            session.add(dispatch)
    except IntegrityError:
        dispatch = find(session, key)  # another process created it between our read and insert
        assert dispatch is not None
    return dispatch


def scheduled(session: Session, kind: str | None = None) -> Sequence[Dispatch]:
    """Dispatches waiting for their time, soonest first."""
    query = select(Dispatch).where(Dispatch.status == DispatchStatus.SCHEDULED)
    if kind is not None:
        query = query.where(Dispatch.kind == kind)
    return session.scalars(query.order_by(Dispatch.scheduled_at, Dispatch.id)).all()


def due_ids(session: Session, now: datetime, stalled_before: datetime) -> list[int]:
    """Dispatches whose time has come, and those whose sender died mid-send.

    A dispatch still ``sending`` counts as abandoned when neither it nor its
    ledger has moved since ``stalled_before``: a live sender marks rows every
    batch, so a periodic caller never starts a second sender beside it.
    """
    last_progress = (
        select(func.max(Delivery.updated_at)).where(Delivery.dispatch_id == Dispatch.id).scalar_subquery()
    )
    stalled = (Dispatch.status == DispatchStatus.SENDING) & (
        func.coalesce(last_progress, Dispatch.started_at) < stalled_before
    )
    due = (Dispatch.status == DispatchStatus.SCHEDULED) & (Dispatch.scheduled_at <= now)
    return list(session.scalars(select(Dispatch.id).where(due | stalled).order_by(Dispatch.scheduled_at, Dispatch.id)))


def cancel(session: Session, dispatch_id: int) -> Dispatch:
    """Cancel a dispatch that has not started; one already sending or sent cannot be recalled."""
    dispatch = session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise DispatchError(f"no dispatch {dispatch_id}")
    changed = session.execute(
        update(Dispatch)
        .where(Dispatch.id == dispatch_id, Dispatch.status == DispatchStatus.SCHEDULED)
        .values(status=DispatchStatus.CANCELLED, finished_at=system_now())
    ).rowcount
    session.refresh(dispatch)
    if not changed:
        raise DispatchError(f"dispatch {dispatch_id} is {dispatch.status} and cannot be cancelled")
    return dispatch
