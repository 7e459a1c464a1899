"""The webhook inbox: events are stored before the 200 and claimed once for handling.

A unique ``webhookEventId`` makes a redelivered event a no-op. Handling starts by
claiming rows (one UPDATE that only one worker can win for each row), so two
threads or two gunicorn workers never handle the same event. A claim is a lease
named after the worker that holds it; the worker's heartbeat renews its leases
every ``HEARTBEAT_INTERVAL``, so the events of a worker that died are taken over
once ``PROCESSING_LEASE`` passes without a beat, within seconds. Rows left pending
by a crash are claimed again after a grace period. A user's events are handed out
in the order LINE sent them: none while an earlier one of theirs is unfinished.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Row,
    Select,
    Text,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from bot.db.tables import InboxEvent, InboxStatus

PENDING_GRACE = timedelta(seconds=30)
# A worker renews its leases every HEARTBEAT_INTERVAL; one silent for PROCESSING_LEASE is dead.
HEARTBEAT_INTERVAL = timedelta(seconds=2)
PROCESSING_LEASE = timedelta(seconds=10)


MAX_ID_LENGTH = 64  # inbox_events.webhook_event_id and source_user_id, line_users.line_user_id


def _fits_an_id_column(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def event_id_of(event: dict[str, Any]) -> str:
    """LINE's id for the event, or a stable digest for a malformed event without one."""
    event_id = event.get("webhookEventId")
    if _fits_an_id_column(event_id):
        return event_id  # type: ignore[return-value]
    return "nohash-" + hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:40]


def _source_user(event: dict[str, Any]) -> str | None:
    source = event.get("source")
    user_id = source.get("userId") if isinstance(source, dict) else None
    return user_id if isinstance(user_id, str) else None


def _unstorable(event: dict[str, Any]) -> str | None:
    """Why the event cannot be stored as sent, or None.

    PostgreSQL refuses NUL characters in text, NaN/Infinity in JSON and strings that
    are not valid Unicode (lone surrogates); an id column refuses more than 64
    characters. One such event would fail the whole body's transaction, losing its
    good events, so it is stored apart (see ``store``) on both databases alike.
    """
    user_id = _source_user(event)
    if user_id is not None and not _fits_an_id_column(user_id):
        return "source.userId is not a LINE user id"
    try:
        json.dumps(event, allow_nan=False)
    except ValueError:
        return "NaN or Infinity in the event"
    pending: list[Any] = [event]
    while pending:  # not recursive: json.loads accepts nesting deeper than our stack allows
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "NUL character in the event"
            try:
                value.encode()
            except UnicodeEncodeError:
                return "invalid Unicode in the event"
    return None


@cache
def _insert_once(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, built once: this is the webhook's hot path."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(InboxEvent.__table__)
        .on_conflict_do_nothing(index_elements=["webhook_event_id"])
        .returning(InboxEvent.id, InboxEvent.status)
    )


def store(connection: Connection, events: Iterable[dict[str, Any]], known_types: set[str], now: datetime) -> list[int]:
    """Insert new events; return the ids of the rows that were not already there.

    Core on a plain connection, no ORM session: this is all an acknowledgement does,
    and a session's set-up and teardown cost more CPU than the INSERT.
    """
    statement = _insert_once(connection.dialect.name)
    new_ids: list[int] = []
    for event in events:
        event_type = str(event.get("type", ""))[:32]
        delivery = event.get("deliveryContext")
        values = {
            "webhook_event_id": event_id_of(event),
            "event_type": event_type,
            "source_user_id": _source_user(event),
            "is_redelivery": bool(isinstance(delivery, dict) and delivery.get("isRedelivery")),
            "payload": event,
            "status": InboxStatus.PENDING if event_type in known_types else InboxStatus.IGNORED,
            "attempts": 0,
            "received_at": now,
            "error": None,
        }
        reason = _unstorable(event)
        if reason is not None:
            # Kept for the record as escaped JSON text, never handled.
            values |= {
                "event_type": event_type.replace("\x00", ""),
                "source_user_id": None,
                "payload": {"unstorable": json.dumps(event, sort_keys=True)},
                "status": InboxStatus.IGNORED,
                "handled_at": now,
                "error": reason,
            }
        row = connection.execute(statement, values).first()
        if row is not None and row.status == InboxStatus.PENDING:
            new_ids.append(row.id)
    return new_ids


def _unlocked(ids: Select) -> Select:
    """These rows, less those another transaction holds locked (PostgreSQL's SKIP LOCKED).

    SQLite has one writer at a time, so there is nothing to skip and the clause is
    left out there. On PostgreSQL a claim or a heartbeat then never waits on a row
    another worker is claiming or closing: no lock waits, so no deadlocks.
    """
    return ids.with_for_update(skip_locked=True)


@cache
def _claim_statement(limited: bool) -> Update:
    """The claim, built once (a worker's every turn): parameters ``ids``, ``now``, ``lease_start``, ``worker``,
    and with ``limited`` ``limit``: at most that many of the ids, the oldest free ones.

    The rows are picked in a materialized CTE and the UPDATE joins it, so the pick runs
    exactly once. Written as ``id IN (SELECT ... LIMIT ... FOR UPDATE SKIP LOCKED)``,
    the pick is a subquery PostgreSQL may run again for every row of the join it
    plans (a nested loop): each run skips the rows the previous ones locked, and the
    claim takes more than ``limit`` events (or, were another worker's rows freed in
    between, ones it did not pick). SQLite (3.35+) reads the same statement.
    """
    claimable = _unlocked(select(InboxEvent.id).where(
        InboxEvent.id.in_(bindparam("ids", expanding=True)),
        or_(InboxEvent.status == InboxStatus.PENDING,
            and_(InboxEvent.status == InboxStatus.PROCESSING, InboxEvent.claimed_at < bindparam("lease_start")))))
    if limited:
        claimable = claimable.order_by(InboxEvent.id).limit(bindparam("limit"))
    picked = claimable.cte("picked").prefix_with("MATERIALIZED")
    return (
        update(InboxEvent)
        .where(InboxEvent.id == picked.c.id)
        .values(status=InboxStatus.PROCESSING, claimed_at=bindparam("now"), claimed_by=bindparam("worker"),
                attempts=InboxEvent.attempts + 1)
        .returning(InboxEvent.id, InboxEvent.webhook_event_id, InboxEvent.payload, InboxEvent.received_at,
                   InboxEvent.attempts)
        .execution_options(synchronize_session=False)
    )


def claim(session: Session, inbox_ids: list[int], worker: str, now: datetime,
          limit: int | None = None) -> list[Row[Any]]:
    """Take these events for ``worker`` (a lease from ``now``); those it won, in order.

    An event is won when it is pending or its lease has expired. Each row comes back
    with what handling needs (id, webhook_event_id, payload, received_at, attempts),
    so no second read; ``attempts`` above 1 means someone held it before (a
    takeover: an answer may already be decided).

    With ``limit``, the ids are candidates (``abandoned``'s, more than the worker
    wants) and at most ``limit`` of them are taken, the oldest still free. Worker
    processes searching at the same moment are handed the same oldest candidates;
    each then takes the next free ones instead of losing the whole claim to the first
    (on PostgreSQL the first's claim is uncommitted while it decides, and skipped).
    """
    if not inbox_ids:
        return []
    parameters = {"ids": inbox_ids, "now": now, "lease_start": now - PROCESSING_LEASE, "worker": worker}
    if limit is not None:
        parameters["limit"] = limit
    rows = session.execute(_claim_statement(limit is not None), parameters)
    return sorted(rows, key=lambda row: row.id)


def renew(session: Session, worker: str, now: datetime) -> int:
    """The heartbeat: extend the leases ``worker`` holds; how many it renewed.

    A row another transaction has locked is skipped, not waited for: it is being
    closed (or claimed) right now, and waiting for it while that transaction waits
    for a row this one renewed is a deadlock (PostgreSQL). A lease skipped once is
    renewed by the next beat, long before it runs out.
    """
    held = _unlocked(select(InboxEvent.id).where(
        InboxEvent.status == InboxStatus.PROCESSING, InboxEvent.claimed_by == worker))
    result = session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(held))
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def still_held(session: Session, inbox_ids: list[int], worker: str, renew_at: datetime | None = None) -> int:
    """How many of these events ``worker`` still holds, holding them until the caller's transaction ends.

    For a worker whose claim committed before its decision (SQLite, ``bot.line.worker``):
    run in the transaction that writes the decision, it tells whether the event was
    taken over meanwhile, and nobody can take it over before that transaction ends.
    With ``renew_at`` the leases held are renewed from then in the same statement;
    without it they are left as they were (the heartbeat renews them).
    """
    # Without renew_at it writes nothing new: a write, so that it holds the row (SQLite: the lock).
    values: dict[str, Any] = {"claimed_by": worker} if renew_at is None else {"claimed_by": worker,
                                                                               "claimed_at": renew_at}
    result = session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(inbox_ids), InboxEvent.status == InboxStatus.PROCESSING,
               InboxEvent.claimed_by == worker)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@cache
def _abandoned_statement() -> Select:
    """Built once (a worker's every turn): parameters ``received_before``, ``lease_start``, ``limit``.

    Each unfinished event is numbered within its user's (a window over the unfinished
    events only); an event is handed out when it is its user's first. The cost is one
    pass over the unfinished events, whatever plan the database picks. The form it
    replaces, "no earlier unfinished event of the same user" (NOT EXISTS), was fast
    when PostgreSQL looked each event's user up in ``ix_inbox_user_order``; but the
    worker's statements are prepared, and the plan PostgreSQL cached while the inbox
    was nearly empty scanned every unfinished event for each unfinished event: 200 to
    1,200 ms a turn with a backlog of 1,000, 39 of the worker's 49 s in one run of
    ``bench/webhook.py``.
    """
    unfinished = (
        select(InboxEvent.id, InboxEvent.source_user_id, InboxEvent.status, InboxEvent.received_at,
               InboxEvent.claimed_at,
               func.row_number().over(partition_by=InboxEvent.source_user_id, order_by=InboxEvent.id).label("place"))
        .where(InboxEvent.status.in_([InboxStatus.PENDING, InboxStatus.PROCESSING]))
        .subquery("unfinished")
    )
    event = unfinished.c
    return (
        select(event.id, event.source_user_id)
        .where(
            or_(event.place == 1, event.source_user_id.is_(None)),  # events without a user wait for nobody
            or_(and_(event.status == InboxStatus.PENDING, event.received_at <= bindparam("received_before")),
                and_(event.status == InboxStatus.PROCESSING, event.claimed_at < bindparam("lease_start"))),
        )
        .order_by(event.id)
        .limit(bindparam("limit"))
    )


def abandoned(
    session: Session, now: datetime, grace: timedelta = PENDING_GRACE, limit: int = 100
) -> list[Row[tuple[int, str | None]]]:
    """Events nobody is handling, oldest first, each only once its user's earlier events are finished."""
    return list(session.execute(_abandoned_statement(), {
        "received_before": now - grace, "lease_start": now - PROCESSING_LEASE, "limit": limit}))


def finish(
    session: Session,
    inbox_ids: list[int],
    status: InboxStatus,
    now: datetime,
    error: str | None = None,
    held_by: str | None = None,
) -> int:
    """Close these events with ``status``; how many were closed.

    With ``held_by``, only events that worker still holds: one whose lease was taken
    over (the worker stalled past it) is left to the worker that took it. An event
    whose sender's data was deleted while it was in flight (``forget_on_close``,
    ``bot.trainees.deletion.forget_events``) loses their LINE id, its payload and
    its error as it closes.
    """
    if not inbox_ids:
        return 0
    statement = update(InboxEvent).where(InboxEvent.id.in_(inbox_ids))
    if held_by is not None:
        statement = statement.where(InboxEvent.status == InboxStatus.PROCESSING, InboxEvent.claimed_by == held_by)
    forget = InboxEvent.forget_on_close
    result = session.execute(
        statement.values(
            status=status, handled_at=now,
            error=case((forget, null()), else_=literal(error[:2000], Text)) if error else None,
            source_user_id=case((forget, null()), else_=InboxEvent.source_user_id),
            payload=case((forget, literal({}, JSON)), else_=InboxEvent.payload),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
