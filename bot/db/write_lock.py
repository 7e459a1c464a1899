"""Taking SQLite's one write lock by polling it every millisecond or two, not through SQLite's busy handler.

A writer that finds the lock taken sleeps in SQLite's busy handler, in steps that
grow to 100 ms (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, 100 ... ms). When the
event worker holds the lock for most of each second (a backlog, decided in batches
of up to 25 ms each, back to back), an acknowledgement asleep in those steps keeps
waking inside the next batch: ack p99 went from 0.5 to 1.7 s in ``bench/webhook.py``
once the worker decided faster. Polled every 0.5 to 2 ms, a writer takes the lock in
the gap after the batch that held it. The lock is taken first (``BEGIN IMMEDIATE``),
so nothing has been done when an attempt fails, and the retry is safe.
PostgreSQL has row locks and nothing to poll: there the transaction begins as usual.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

# Waits between attempts: short at first, then every POLL_CEILING.
POLL_STEPS = (0.0005, 0.001)
POLL_CEILING = 0.002
# As long as SQLite's busy timeout (bot.db's PRAGMA busy_timeout): then the writer gives up.
GIVE_UP_SECONDS = 10.0
_BUSY_TIMEOUT_MS = int(GIVE_UP_SECONDS * 1000)


def take(connection: Connection, sleep=time.sleep, monotonic=time.monotonic) -> None:  # type: ignore[no-untyped-def]
    """Begin ``connection``'s transaction holding SQLite's write lock (no-op elsewhere).

    Raises SQLite's "database is locked" after GIVE_UP_SECONDS, as its busy timeout would.
    """
    if connection.dialect.name != "sqlite":
        return
    raw: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    if raw.in_transaction:
        raise RuntimeError("the write lock is taken at the start of a transaction, before any statement")
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


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """Like ``engine.begin()``, holding SQLite's write lock from the start (see ``take``): committed on success."""
    with engine.connect() as connection:
        take(connection)  # on the driver's connection: SQLAlchemy's transaction below commits or rolls it back
        with connection.begin():
            yield connection
