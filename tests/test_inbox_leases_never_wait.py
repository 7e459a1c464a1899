"""A claim or a heartbeat never waits on an inbox row another transaction holds locked.

On PostgreSQL the worker's heartbeat (renewing its leases) once deadlocked with the
transaction closing answered events: each had updated a row the other was about to
update. The benchmark's worker lost turns to it and left events to lease expiry.
Claims and heartbeats now skip locked rows. Each test holds a row locked in one
transaction and runs the claim or the heartbeat in another, with a lock timeout
that turns a wait into an error. SQLite has a single writer, so no row locks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bot import clock
from bot.db import Database
from bot.db.tables import InboxEvent, InboxStatus
from bot.devtools import simulator
from bot.line import inbox
from bot.line.webhook import HANDLED_EVENT_TYPES


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: there are no row locks to skip")
    database = Database(database_url)
    yield database
    database.engine.dispose()


def stored(db: Database, count: int) -> list[int]:
    events = [simulator.text_event(f"U{n:032x}", "修了証", f"token-{n}") for n in range(count)]
    with db.engine.begin() as connection:
        return inbox.store(connection, events, HANDLED_EVENT_TYPES, clock.system_now())


def impatient(session: Session) -> Session:
    """A transaction that fails instead of waiting more than a second for a row lock."""
    session.execute(text("SET LOCAL lock_timeout = '1s'"))
    return session


def test_a_heartbeat_renews_the_other_leases_while_one_row_is_being_closed(db):
    first, second = stored(db, 2)
    with db.session() as session:
        inbox.claim(session, [first, second], "worker-a", clock.system_now())
    closing = db.engine.connect()
    transaction = closing.begin()
    try:
        closing.execute(update(InboxEvent).where(InboxEvent.id == first).values(status=InboxStatus.DONE))
        with db.session() as session:
            assert inbox.renew(impatient(session), "worker-a", clock.system_now()) == 1
    finally:
        transaction.rollback()
        closing.close()
    with db.session() as session:  # once the lock is gone, both are renewed again
        assert inbox.renew(session, "worker-a", clock.system_now()) == 2


def test_a_claim_takes_the_free_events_and_leaves_one_being_claimed_elsewhere(db):
    first, second = stored(db, 2)
    other = db.engine.connect()
    transaction = other.begin()
    try:
        other.execute(update(InboxEvent).where(InboxEvent.id == first).values(status=InboxStatus.PROCESSING,
                                                                            claimed_by="worker-b"))
        with db.session() as session:
            won = inbox.claim(impatient(session), [first, second], "worker-a", clock.system_now())
        assert [row.id for row in won] == [second]
    finally:
        transaction.rollback()
        other.close()
    with db.session() as session:
        assert session.scalars(select(InboxEvent.claimed_by).order_by(InboxEvent.id)).all() == [None, "worker-a"]
