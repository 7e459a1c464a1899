"""The webhook inbox: events are stored before the 200 and claimed once for handling.

A unique ``webhookEventId`` makes a redelivered event a no-op. Handling starts by
claiming the row (an UPDATE that only one worker can win), so two threads or two
gunicorn workers never handle the same event; rows left pending or stuck in
processing by a crash are claimed again after a grace period.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from bot.db.tables import InboxEvent, InboxStatus

PENDING_GRACE = timedelta(seconds=30)
PROCESSING_LEASE = timedelta(minutes=10)  # far beyond any handler; a crashed one's events wait this long


def event_id_of(event: dict[str, Any]) -> str:
    """LINE's id for the event, or a stable digest for a malformed event without one."""
    event_id = event.get("webhookEventId")
    if isinstance(event_id, str) and 0 < len(event_id) <= 64:
        return event_id
    return "nohash-" + hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:40]


def _source_user(event: dict[str, Any]) -> str | None:
    source = event.get("source")
    user_id = source.get("userId") if isinstance(source, dict) else None
    return user_id if isinstance(user_id, str) else None


@cache
def _insert_once(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, built once: this is the webhook's hot path."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(InboxEvent.__table__)
        .on_conflict_do_nothing(index_elements=["webhook_event_id"])
        .returning(InboxEvent.id, InboxEvent.status)
    )


def store(session: Session, events: Iterable[dict[str, Any]], known_types: set[str], now: datetime) -> list[int]:
    """Insert new events; return the ids of the rows that were not already there."""
    connection = session.connection()
    statement = _insert_once(connection.dialect.name)
    new_ids: list[int] = []
    for event in events:
        event_type = str(event.get("type", ""))[:32]
        delivery = event.get("deliveryContext")
        row = connection.execute(
            statement,
            {
                "webhook_event_id": event_id_of(event),
                "event_type": event_type,
                "source_user_id": _source_user(event),
                "is_redelivery": bool(isinstance(delivery, dict) and delivery.get("isRedelivery")),
                "payload": event,
                "status": InboxStatus.PENDING if event_type in known_types else InboxStatus.IGNORED,
                "attempts": 0,
                "received_at": now,
            },
        ).first()
        if row is not None and row.status == InboxStatus.PENDING:
            new_ids.append(row.id)
    return new_ids


def claim(session: Session, inbox_id: int, now: datetime) -> bool:
    """Take the event for handling; False if another worker has it or it is done."""
    result = session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.id == inbox_id,
            or_(
                InboxEvent.status == InboxStatus.PENDING,
                and_(InboxEvent.status == InboxStatus.PROCESSING, InboxEvent.claimed_at < now - PROCESSING_LEASE),
            ),
        )
        .values(status=InboxStatus.PROCESSING, claimed_at=now, attempts=InboxEvent.attempts + 1)
    )
    return result.rowcount == 1


def abandoned(
    session: Session, now: datetime, grace: timedelta = PENDING_GRACE, limit: int = 100
) -> list[Row[tuple[int, str | None]]]:
    """Events nobody is handling, oldest first: pending past ``grace``, or with an expired lease."""
    rows = session.execute(
        select(InboxEvent.id, InboxEvent.source_user_id)
        .where(
            or_(
                and_(InboxEvent.status == InboxStatus.PENDING, InboxEvent.received_at <= now - grace),
                and_(InboxEvent.status == InboxStatus.PROCESSING, InboxEvent.claimed_at < now - PROCESSING_LEASE),
            )
        )
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    return list(rows)


def finish(session: Session, inbox_id: int, status: InboxStatus, now: datetime, error: str | None = None) -> None:
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == inbox_id)
        .values(status=status, handled_at=now, error=error[:2000] if error else None)
    )
