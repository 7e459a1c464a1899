"""A writer takes SQLite's write lock by polling every 0.5 to 2 ms, not in SQLite's growing sleeps, at its first write.

The waits go through a sleep the test owns: it records each one and releases the
other writer's lock after a few, so nothing here is timed. Whether the lock is held
is asked of another connection that does not wait (a busy timeout of 0).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot import clock
from bot.db import Database, write_lock
from bot.db.tables import InboxEvent
from bot.devtools import simulator
from bot.line import inbox
from bot.line.webhook import HANDLED_EVENT_TYPES


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.engine.dispose()


def sqlite_path(db: Database) -> str:
    return db.engine.url.database  # type: ignore[return-value]


def lock_is_free(db: Database) -> bool:
    probe = sqlite3.connect(sqlite_path(db), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        probe.close()


def only_sqlite(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks: nothing to poll")


def events(count: int) -> list[dict]:
    return [simulator.text_event(f"U{n:032x}", "修了証", f"token-{n}") for n in range(count)]


def stored_count(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(InboxEvent))


def test_a_writer_polls_the_lock_in_short_steps_and_writes_once_it_is_released(db):
    only_sqlite(db)
    other = sqlite3.connect(sqlite_path(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the worker, writing a decision
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 6:
            other.execute("COMMIT")

    with db.engine.connect() as connection:
        write_lock.begin_immediate(connection.connection.driver_connection, sleep=sleep)
        with connection.begin():
            assert inbox.store(connection, events(1), HANDLED_EVENT_TYPES, clock.system_now())
            assert not lock_is_free(db)
    other.close()

    assert len(waits) == 6 and max(waits) <= write_lock.POLL_CEILING
    assert stored_count(db) == 1


def test_a_writer_gives_up_after_the_busy_timeout(db):
    only_sqlite(db)
    other = sqlite3.connect(sqlite_path(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    try:
        with db.engine.connect() as connection, pytest.raises(sqlite3.OperationalError, match="locked"):
            write_lock.begin_immediate(connection.connection.driver_connection, sleep=sleep,
                                       monotonic=lambda: now[0])
    finally:
        other.close()
    assert now[0] >= write_lock.GIVE_UP_SECONDS


def test_a_transaction_holds_the_lock_from_its_first_write_to_its_end_and_not_while_it_only_reads(db):
    only_sqlite(db)
    with db.engine.begin() as connection:
        connection.scalar(select(func.count()).select_from(InboxEvent))
        assert lock_is_free(db)
        inbox.store(connection, events(2), HANDLED_EVENT_TYPES, clock.system_now())
        assert not lock_is_free(db)
    assert lock_is_free(db)
    with pytest.raises(RuntimeError), db.engine.begin() as connection:
        inbox.store(connection, events(3), HANDLED_EVENT_TYPES, clock.system_now())
        raise RuntimeError("the request failed after its INSERT")
    assert lock_is_free(db) and stored_count(db) == 2


def test_a_savepoint_opened_first_belongs_to_the_transaction_and_is_not_committed_at_its_release(db):
    only_sqlite(db)
    with pytest.raises(RuntimeError), db.engine.connect() as connection, connection.begin():
        with connection.begin_nested():  # the first statement: SQLite would begin a transaction of its own here
            inbox.store(connection, events(1), HANDLED_EVENT_TYPES, clock.system_now())
        raise RuntimeError("the outer transaction fails after the savepoint was released")
    assert stored_count(db) == 0 and lock_is_free(db)


def test_an_autocommit_connection_is_left_to_commit_each_statement(db):
    only_sqlite(db)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        inbox.store(connection, events(1), HANDLED_EVENT_TYPES, clock.system_now())
        assert lock_is_free(db)
    assert stored_count(db) == 1


def test_a_claim_written_with_its_pick_first_takes_the_lock_as_a_write_and_rolls_back_with_its_transaction(db):
    """The claim is ``WITH picked AS MATERIALIZED (...) UPDATE ...``: it starts with WITH, not UPDATE. Taken for a
    read, the driver ran it in autocommit (its implicit BEGIN too goes by the first word): the claim committed at
    once, whatever its transaction did next, and its lock was waited for in SQLite's growing sleeps."""
    only_sqlite(db)
    with db.engine.begin() as connection:
        ids = inbox.store(connection, events(1), HANDLED_EVENT_TYPES, clock.system_now())
    with pytest.raises(RuntimeError), db.session() as session:
        assert [row.id for row in inbox.claim(session, ids, "worker-1", clock.system_now())] == ids
        assert not lock_is_free(db)
        raise RuntimeError("the claim's transaction fails")
    assert lock_is_free(db)
    with db.session() as session:
        assert session.scalar(select(InboxEvent.status).where(InboxEvent.id == ids[0])) == "pending"
