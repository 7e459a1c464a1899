"""A batch's per-event writes sent together: one executemany per statement instead of one statement per event.

The worker decides a batch of events (on PostgreSQL in one transaction; on SQLite
without the write lock, then writing them in one transaction), and each decision
wrote its question log row, the sender's conversation memory, two remembered lines
and their prune, and the outbox row: five statements' worth of SQLAlchemy's and the
driver's CPU per answer (and on PostgreSQL five round trips; on SQLite the write
lock taken once per answer). Inside
``batched``, writes made through ``execute`` are kept and sent at the end, grouped
by statement (in the order each statement was first used), each group as one
executemany. Nothing reads them early: any other statement the session runs (a
read, or a write not made here) sends the kept writes first, so the session sees
what it wrote. Reordering between statements is safe because a kept write never
depends on another kept write of a different statement, and within a statement the
order is kept. Two moments send them too, so that they land in the transaction they
were made in: a ``SAVEPOINT`` opening (sent inside it, a rollback to the savepoint would
drop earlier events' writes with the failing one's, and the batch would commit without
them), and a commit. If sending fails, the session is poisoned until ``batched`` ends: the
failure is raised as ``HeldBackWritesFailed`` (never an ``IntegrityError`` a handler
might catch and pass over), the writes not sent are kept, and every later send (a
commit's, a savepoint's, the block's end) raises again, so the transaction cannot
commit without them. Outside ``batched`` (a failing event decided again alone)
``execute`` runs the statement at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Executable, Row, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

_KEPT = "kenshu.deferred_writes"
_COUNT = "kenshu.deferred_writes.count"
_WATCHED = "kenshu.deferred_writes.watched"
_FAILED = "kenshu.deferred_writes.failed"

OnRow = Callable[[Row[Any]], None]


class HeldBackWritesFailed(Exception):
    """Sending held-back writes failed: the transaction lacks them and must not commit (see the module)."""


def execute(session: Session, statement: Executable, parameters: dict[str, Any] | list[dict[str, Any]],
            on_row: OnRow | None = None) -> None:
    """Run this write now, or within ``batched`` with the batch's others; ``on_row`` gets each RETURNING row.

    RETURNING rows are handed out by position, so a statement with ``on_row`` must keep
    the parameters' order: ``returning(..., sort_by_parameter_order=True)``, with an
    insert sentinel on the table where the database does not promise that order
    (SQLite), or SQLAlchemy sends it as one statement a row.
    """
    many = parameters if isinstance(parameters, list) else [parameters]
    kept: list[tuple[Executable, dict[str, Any], OnRow | None]] | None = session.info.get(_KEPT)
    session.info[_COUNT] = session.info.get(_COUNT, 0) + 1
    if kept is None:
        result = session.execute(statement, many if len(many) > 1 else many[0])
        if on_row is not None:
            _hand_out(result.all(), [on_row] * len(many))
        return
    kept.extend((statement, values, on_row) for values in many)


def writes(session: Session) -> int:
    """How many writes ``execute`` has taken on this session, sent or kept (a reader's "changed since")."""
    return session.info.get(_COUNT, 0)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Keep ``execute``'s writes until the block ends (or another statement needs them sent)."""
    if not session.info.get(_WATCHED):
        event.listen(session, "do_orm_execute", _send_before)
        event.listen(session, "after_transaction_create", _send_before_savepoint)
        event.listen(session, "before_commit", send)
        session.info[_WATCHED] = True
    session.info[_KEPT] = []
    session.info.pop(_FAILED, None)
    try:
        yield
        send(session)
    finally:
        session.info.pop(_KEPT, None)
        session.info.pop(_FAILED, None)


def send(session: Session, connection: Connection | None = None) -> None:
    """Send the kept writes: one executemany per statement, in the order the statements were first used.

    ``connection``: where to send them (a savepoint's parent's); by default the session's.
    Raises ``HeldBackWritesFailed`` if this or an earlier send in the block failed.
    """
    failed = session.info.get(_FAILED)
    if failed is not None:
        raise HeldBackWritesFailed("held-back writes failed earlier; this transaction lacks them") from failed
    kept = session.info.get(_KEPT)
    if not kept:
        return
    session.info[_KEPT] = []
    groups: dict[int, tuple[Executable, list[dict[str, Any]], list[OnRow | None]]] = {}
    for statement, values, on_row in kept:
        group = groups.setdefault(id(statement), (statement, [], []))
        group[1].append(values)
        group[2].append(on_row)
    if connection is None:
        connection = session.connection()  # not session.execute: that would come back here
    ordered = list(groups.values())
    for sent, (statement, many, on_rows) in enumerate(ordered):
        try:
            result = connection.execute(statement, many)
            if any(on_rows):
                _hand_out(result.all(), on_rows)
        except Exception as error:
            unsent = {id(group[0]) for group in ordered[sent:]}
            session.info[_KEPT] = [write for write in kept if id(write[0]) in unsent]
            session.info[_FAILED] = error
            raise HeldBackWritesFailed(f"sending held-back writes failed: {error!r}") from error


def _hand_out(rows: list[Row[Any]], on_rows: list[OnRow | None]) -> None:
    """Give each write's ``on_row`` its RETURNING row, by position (see ``execute``)."""
    for row, on_row in zip(rows, on_rows, strict=True):
        if on_row is not None:
            on_row(row)


def _send_before(state: ORMExecuteState) -> None:
    send(state.session)


def _send_before_savepoint(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint is opening: send the kept writes first, on its parent's connection (not yet in the savepoint)."""
    if transaction.nested and session.info.get(_KEPT) and transaction.parent is not None:
        send(session, transaction.parent.connection(None))
