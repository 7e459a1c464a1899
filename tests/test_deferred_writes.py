"""Writes held back for a batch (``bot.db.deferred_writes``) land in the transaction they were made in.

They are sent at the batch's end, or when another statement needs them; these tests
hold the two moments that could otherwise carry them off: a savepoint rolled back
(kept writes sent inside it would go with it) and a commit inside the batch (they
would be left for a later transaction that may never commit). And a send that
fails: the transaction lacks those writes, so it must not commit, even if the
failure surfaced where a handler passes over an ``IntegrityError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, create_engine, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import deferred_writes, write_lock

_METADATA = MetaData()
NOTES = Table("deferred_write_notes", _METADATA, Column("id", Integer, primary_key=True),
              Column("key", Integer, unique=True, nullable=False, insert_sentinel=True))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    write_lock.install(engine)  # as the app's engine: SQLite's lock taken before the first write
    _METADATA.create_all(engine)
    yield engine
    engine.dispose()


def keys(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.scalars(select(NOTES.c.key).order_by(NOTES.c.key)))


def test_writes_kept_before_a_savepoint_stay_when_the_savepoint_rolls_back(engine: Engine) -> None:
    with Session(engine) as session:
        with deferred_writes.batched(session):
            deferred_writes.execute(session, insert(NOTES), {"key": 1})  # an earlier event's write
            with pytest.raises(RuntimeError):
                with session.begin_nested():  # a later event's savepoint: it reads, then fails
                    session.execute(select(NOTES.c.id))
                    raise RuntimeError("a handler's bug")
            deferred_writes.execute(session, insert(NOTES), {"key": 2})
        session.commit()

    assert keys(engine) == [1, 2]


def test_a_commit_inside_a_batch_commits_the_writes_kept_so_far(engine: Engine) -> None:
    with Session(engine) as session:
        with deferred_writes.batched(session):
            deferred_writes.execute(session, insert(NOTES), {"key": 3})
            session.commit()
            deferred_writes.execute(session, insert(NOTES), {"key": 4})
        session.rollback()  # only what came after the commit

    assert keys(engine) == [3]


def test_returning_rows_go_to_their_own_writes_in_one_statement(engine: Engine) -> None:
    """Handed out by position: SQLAlchemy sorts RETURNING by the parameters, by the table's insert sentinel where the
    database does not promise the order (SQLite), and still sends one statement for the lot."""
    returned: dict[int, int] = {}
    inserts: list[str] = []

    def note(key: int) -> Any:
        return lambda row: returned.__setitem__(key, row.id)

    def note_insert(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    statement = insert(NOTES).returning(NOTES.c.id, sort_by_parameter_order=True)
    event.listen(engine, "before_cursor_execute", note_insert)
    with Session(engine) as session:
        with deferred_writes.batched(session):
            for key in (30, 10, 20):
                deferred_writes.execute(session, statement, {"key": key}, on_row=note(key))
        session.commit()
        ids = dict(session.execute(select(NOTES.c.key, NOTES.c.id)).all())
    event.remove(engine, "before_cursor_execute", note_insert)

    assert returned == ids
    assert len(inserts) == 1


def test_a_failed_send_passed_over_by_a_handler_still_stops_the_commit_and_keeps_the_writes_not_sent(
        engine: Engine) -> None:
    with Session(engine) as session:
        session.execute(insert(NOTES), {"key": 5})
        session.commit()
        with pytest.raises(deferred_writes.HeldBackWritesFailed):
            with deferred_writes.batched(session):
                deferred_writes.execute(session, insert(NOTES), {"key": 5})  # an earlier event's: refused when sent
                deferred_writes.execute(session, insert(NOTES), {"key": 6})  # another statement: a later group
                try:
                    with session.begin_nested():  # a later event's savepoint sends them, and its handler
                        pass                      # passes over a duplicate of its own
                except IntegrityError:
                    pass
                assert [write[1] for write in session.info[deferred_writes._KEPT]] == [{"key": 6}]
                session.commit()
        session.rollback()

    assert keys(engine) == [5]


def test_after_a_send_failing_at_a_savepoint_the_session_rolls_back_and_its_next_transaction_writes(
        engine: Engine, impatient: Engine) -> None:
    """Review probe: the failure surfaces inside ``begin_nested()`` itself (the savepoint's transaction is already
    made); the worker's rollback must leave the session usable and release SQLite's write lock."""
    with Session(engine) as session:
        session.execute(insert(NOTES), {"key": 7})
        session.commit()
        with pytest.raises(deferred_writes.HeldBackWritesFailed):
            with deferred_writes.batched(session):
                deferred_writes.execute(session, insert(NOTES), {"key": 7})
                with session.begin_nested():
                    session.execute(insert(NOTES), {"key": 8})
        session.rollback()
        with impatient.begin() as other:  # the lock is free again
            other.execute(insert(NOTES), {"key": 9})
        with deferred_writes.batched(session):
            deferred_writes.execute(session, insert(NOTES), {"key": 10})
        session.commit()

    assert keys(engine) == [7, 9, 10]
