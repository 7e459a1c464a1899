"""Waking ``kenshu worker`` when the webhook stores events, instead of making it poll.

On PostgreSQL the webhook's transaction sends ``NOTIFY`` (``announce``), delivered
when it commits, and the idle worker waits on a ``LISTEN`` connection: a new event
is claimed as soon as it is stored, and an idle worker queries the inbox about
once a second instead of twenty times (it still looks that often, for leases to
take over and for events stored by a process that did not announce them). SQLite
has no signal between processes; there the worker keeps its short poll.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "kenshu_new_events"
# How often a listening worker looks at the inbox anyway (leases that ran out, a lost notification).
LISTENING_POLL_SECONDS = 1.0
STOP_CHECK_SECONDS = 0.25


def announce(session: Session) -> None:
    """Wake listening workers once this transaction commits (PostgreSQL); nothing on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


class NewEvents:
    """What an idle worker waits on: a notification (PostgreSQL) or its poll interval."""

    def __init__(self, engine: Engine, stop: threading.Event, poll_seconds: float) -> None:
        self._engine = engine
        self._stop = stop
        self._poll_seconds = poll_seconds
        self._listener: psycopg.Connection | None = None
        self.listening = engine.dialect.name == "postgresql"

    def wait(self) -> None:
        """Return when events may have been stored, after the poll interval at most, or at stop."""
        if not self.listening:
            self._stop.wait(self._poll_seconds)
            return
        try:
            if self._listener is None:
                # Listening from now on; events stored before it are found by the turn that follows.
                self._listen()
                return
            listener = self._listener
            deadline = time.monotonic() + max(self._poll_seconds, LISTENING_POLL_SECONDS)
            while not self._stop.is_set() and (left := deadline - time.monotonic()) > 0:
                # In slices, so that a stopping worker does not sit out the whole interval.
                if any(True for _ in listener.notifies(timeout=min(left, STOP_CHECK_SECONDS), stop_after=1)):
                    break
            for _ in listener.notifies(timeout=0):  # the others sent meanwhile: one turn looks at them all
                pass
        except psycopg.Error:
            log.exception("listening for new events failed; polling until it reconnects")
            self.close()
            self._stop.wait(self._poll_seconds)

    def _listen(self) -> None:
        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._listener = psycopg.connect(url, autocommit=True)
        self._listener.execute(f"LISTEN {CHANNEL}")

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None
