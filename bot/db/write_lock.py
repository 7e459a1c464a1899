"""Taking SQLite's one write lock by polling it every millisecond or two, just before a transaction's first write.

A writer that finds the lock taken sleeps in SQLite's busy handler, in steps that
grow to 100 ms (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, 100 ... ms). When the
event worker writes many times a second, an acknowledgement asleep in those steps
keeps waking inside the worker's next transaction: ack p99 went from 0.5 to 1.7 s
in ``bench/webhook.py`` once the worker decided faster. Polled every 0.5 to 2 ms, a
writer takes the lock in the gap after the transaction that held it.

``install`` makes this the rule for every transaction of an engine: the lock is
taken (``BEGIN IMMEDIATE``, polled) just before the first statement that writes,
where the driver would otherwise begin a deferred transaction and wait in the busy
handler. The reads before it run outside any transaction (the driver's own habit),
so there is no read snapshot to fail to upgrade, and a transaction that reads for a
while and writes at the end (the event worker deciding an answer) holds the lock
only for its writes. Nothing has been done when an attempt fails, so the retry is
safe. A ``SAVEPOINT`` counts as a write: opened outside a transaction, SQLite would
begin a deferred one with it and commit it at its ``RELEASE``. A write is told by SQLAlchemy's
compiled statement (an UPDATE that begins with a CTE, as the inbox's claim, is one) or,
for text, by its first word.
PostgreSQL has row locks and nothing to poll: there nothing changes.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, event

# Waits between attempts: short at first, then every POLL_CEILING.
POLL_STEPS = (0.0005, 0.001)
POLL_CEILING = 0.002
# As long as SQLite's busy timeout (bot.db's PRAGMA busy_timeout): then the writer gives up.
GIVE_UP_SECONDS = 10.0
_BUSY_TIMEOUT_MS = int(GIVE_UP_SECONDS * 1000)
# Statements that need the write lock, as SQLAlchemy renders them for SQLite.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


def begin_immediate(raw: sqlite3.Connection, sleep=time.sleep, monotonic=time.monotonic) -> None:  # type: ignore[no-untyped-def]
    """Begin a transaction on the driver's connection holding the write lock, polling for it.

    Raises SQLite's "database is locked" after GIVE_UP_SECONDS, as its busy timeout would.
    """
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = monotonic() + GIVE_UP_SECONDS
        attempt = 0
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or monotonic() >= deadline:
                    raise
            sleep(POLL_STEPS[attempt] if attempt < len(POLL_STEPS) else POLL_CEILING)
            attempt += 1
    finally:
        raw.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")


def install(engine: Engine) -> None:
    """On SQLite, every transaction of ``engine`` takes the write lock, polled, just before its first write."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "before_cursor_execute", _before_statement)


def _before_statement(_connection: Connection, cursor: Any, statement: str, _parameters: Any,
                      context: Any, _executemany: bool) -> None:
    raw: sqlite3.Connection = cursor.connection
    # isolation_level None: the caller asked for autocommit, and nobody would end the transaction.
    if raw.in_transaction or raw.isolation_level is None:
        return
    # SQLAlchemy's own word for a compiled INSERT/UPDATE/DELETE, whatever comes first in its SQL: the
    # claim is ``WITH picked AS MATERIALIZED (...) UPDATE``, which the driver, going by the first word
    # too, would run in autocommit (committed at once, its lock waited for in SQLite's growing sleeps).
    if (context is not None and (context.isinsert or context.isupdate or context.isdelete)) \
            or statement.lstrip()[:9].upper().startswith(_WRITES):
        begin_immediate(raw)
