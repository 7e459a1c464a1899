"""One clock at a time: a lock held for the life of the leading process.

APScheduler's job store must never be shared by two running schedulers, so a
second ``kenshu clock`` waits here as a hot standby. The lock dies with its
holder (the PostgreSQL session closes, the kernel drops the file lock), so the
standby takes over within one poll of the leader's death, with no lease to expire.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, make_url, text

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLock:
    """A session-level advisory lock on a connection kept only for it.

    The lock key is derived from the schema, so clocks of separate databases
    or schemas on one server do not block each other.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is None:
            self._connection = self._engine.connect()
        acquired = self._connection.scalar(
            text("SELECT pg_try_advisory_lock(hashtext('kenshu-clock:' || current_schema()))"))
        self._connection.commit()
        return bool(acquired)

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.scalar(text("SELECT 1"))
            self._connection.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure of the lock's session means the lock is gone
            return False

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class FileLock:
    """``flock`` on a file next to the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def leader_lock(database_url: str, engine: Engine) -> LeaderLock:
    """The right lock for the database: advisory on PostgreSQL, a file lock on SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresLock(engine)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FileLock(Path(url.database + ".clock.lock"))
    raise ValueError(f"no leader lock for {url.get_backend_name()} databases")


def wait_for_leadership(lock: LeaderLock, poll_seconds: float = POLL_SECONDS) -> None:
    """Block until this process holds the lock, saying once that it is on standby."""
    if lock.try_acquire():
        return
    log.info("another clock is running; standing by")
    while not lock.try_acquire():
        time.sleep(poll_seconds)
