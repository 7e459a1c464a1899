"""An acknowledgement takes SQLite's write lock by polling every 0.5 to 2 ms, not in SQLite's growing sleeps.

The waits go through a sleep the test owns: it records each one and releases the
other writer's lock after a few, so nothing here is timed.
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


def events(count: int) -> list[dict]:
    return [simulator.text_event(f"U{n:032x}", "修了証", f"token-{n}") for n in range(count)]


def stored_count(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(InboxEvent))


def test_a_writer_polls_the_lock_in_short_steps_and_writes_once_it_is_released(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks: nothing to poll")
    other = sqlite3.connect(sqlite_path(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the worker, holding the lock through a batch
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 6:
            other.execute("COMMIT")

    with db.engine.connect() as connection:
        write_lock.take(connection, sleep=sleep)
        with connection.begin():
            assert inbox.store(connection, events(1), HANDLED_EVENT_TYPES, clock.system_now())
            with pytest.raises(sqlite3.OperationalError, match="locked"):  # held from the first statement on
                sqlite3.connect(sqlite_path(db), timeout=0).execute("BEGIN IMMEDIATE")
    other.close()

    assert len(waits) == 6 and max(waits) <= write_lock.POLL_CEILING
    assert stored_count(db) == 1


def test_a_writer_gives_up_after_the_busy_timeout(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks: nothing to poll")
    other = sqlite3.connect(sqlite_path(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    try:
        with db.engine.connect() as connection, pytest.raises(sqlite3.OperationalError, match="locked"):
            write_lock.take(connection, sleep=sleep, monotonic=lambda: now[0])
    finally:
        other.close()
    assert now[0] >= write_lock.GIVE_UP_SECONDS


def test_writing_commits_on_success_and_rolls_back_on_error(db):
    with write_lock.writing(db.engine) as connection:
        inbox.store(connection, events(2), HANDLED_EVENT_TYPES, clock.system_now())
    with pytest.raises(RuntimeError), write_lock.writing(db.engine) as connection:
        inbox.store(connection, events(3), HANDLED_EVENT_TYPES, clock.system_now())
        raise RuntimeError("the request failed after its INSERT")
    assert stored_count(db) == 2
    with write_lock.writing(db.engine) as connection:  # the lock was released with the rollback
        inbox.store(connection, events(4), HANDLED_EVENT_TYPES, clock.system_now())
    assert stored_count(db) == 6
