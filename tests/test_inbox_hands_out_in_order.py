"""The worker's search for events to claim: each user's oldest unfinished event, and at a cost linear in the backlog.

``inbox.abandoned`` is run by ``kenshu worker`` every turn. On PostgreSQL its
statement is prepared, and PostgreSQL keeps a generic plan it chose while the
inbox was nearly empty: with the earlier form of the search (no earlier unfinished
event of the same user, NOT EXISTS), that plan read every unfinished event once
for each unfinished event, and a backlog of 1,000 questions cost 200 to 1,200 ms a
turn (``bench/webhook.py``). The cost test counts the rows PostgreSQL read (its
own statistics for the transaction), not time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from bot import clock
from bot.db import Database
from bot.db.tables import InboxEvent, InboxStatus
from bot.devtools import simulator
from bot.line import inbox
from bot.line.webhook import HANDLED_EVENT_TYPES


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.engine.dispose()


def store(db: Database, events: list[dict]) -> list[int]:
    with db.engine.begin() as connection:
        return inbox.store(connection, events, HANDLED_EVENT_TYPES, clock.system_now())


def question(user: str, number: int) -> dict:
    return simulator.text_event(user, "修了証", f"token-{user}-{number}")


def without_user(number: int) -> dict:
    event = question("nobody", number)
    event["source"] = {"type": "group", "groupId": f"C{number:032x}"}
    return event


def search(db: Database, now=None) -> list[int]:
    with db.session() as session:
        return [row.id for row in inbox.abandoned(session, now or clock.system_now(), grace=timedelta(0))]


def test_each_user_waits_for_their_earlier_event_and_events_without_a_user_wait_for_nobody(db):
    a1, b1, a2, n1, n2 = store(db, [question("Ua", 1), question("Ub", 1), question("Ua", 2), without_user(1),
                                     without_user(2)])
    assert search(db) == [a1, b1, n1, n2]

    with db.session() as session:  # a1 and b1 claimed: Ua's next waits while a1's lease is alive
        inbox.claim(session, [a1, b1], "worker-a", clock.system_now())
    assert search(db) == [n1, n2]
    after_the_lease = clock.system_now() + inbox.PROCESSING_LEASE + timedelta(seconds=1)
    assert search(db, after_the_lease) == [a1, b1, n1, n2]  # taken over, still before a2

    with db.session() as session:
        inbox.finish(session, [a1], InboxStatus.DONE, clock.system_now())
        inbox.finish(session, [n1], InboxStatus.FAILED, clock.system_now())
    assert search(db) == [a2, n2]


def rows_read(session: Session) -> int:
    """Rows of inbox_events this transaction has read so far (PostgreSQL's per-transaction statistics)."""
    return session.execute(text(
        "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname = 'inbox_events' AND schemaname = current_schema()")).scalar_one()


def test_a_plan_cached_on_an_empty_inbox_reads_a_backlog_of_a_thousand_a_bounded_number_of_times(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache: SQLite plans this search with the user index whatever its size")
    connection = db.engine.connect()
    try:
        # The worker's connection, as after its first turns: the statement prepared (psycopg
        # does so after 5 runs) and planned generically (PostgreSQL, after 5 more) while empty.
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        connection.connection.driver_connection.prepare_threshold = 0
        session = Session(bind=connection)
        assert inbox.abandoned(session, clock.system_now(), grace=timedelta(0)) == []
        session.commit()

        backlog = store(db, [question(f"U{number % 250:032x}", number) for number in range(1000)])
        before = rows_read(session)
        found = inbox.abandoned(session, clock.system_now(), grace=timedelta(0), limit=16)
        read = rows_read(session) - before
        session.rollback()
    finally:
        connection.close()

    assert [row.id for row in found] == backlog[:16]
    assert read <= 3 * len(backlog), f"{read} rows read to find 16 of a backlog of {len(backlog)}"


def test_a_finished_event_no_longer_holds_back_its_users_next(db):
    first, second = store(db, [question("Ua", 1), question("Ua", 2)])
    with db.engine.begin() as connection:
        connection.execute(update(InboxEvent).where(InboxEvent.id == first).values(status=InboxStatus.IGNORED))
    assert search(db) == [second]
