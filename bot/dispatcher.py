"""Handles stored webhook events: on worker threads, inline, or not at all.

The webhook view only stores and acknowledges; this is where events meet the
handlers. One event's failure is logged on its row and never touches the others.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import Event

from bot import clock, inbox
from bot.event_context import EventContext
from bot.models import InboxEvent, InboxStatus
from bot.users import user_for_event

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

RECOVERY_INTERVAL_SECONDS = 10.0


def parse_event(payload: dict) -> object:
    """The SDK's typed event, or UnknownEvent for shapes it does not know."""
    try:
        return Event.from_dict(payload)
    except (ValueError, TypeError, KeyError, AttributeError):
        return UnknownEvent.new_from_json_dict(payload)


class Dispatcher:
    """Runs the handlers for inbox rows, exactly once per claimed row."""

    def __init__(self, app: Flask, mode: str, workers: int) -> None:
        if mode not in {"threads", "inline", "off"}:
            raise ValueError(f"KENSHU_DISPATCH must be threads, inline or off, not {mode!r}")
        self.app = app
        self.mode = mode
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._recovery: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stop = threading.Event()

    def start(self) -> None:
        """Start worker threads and the recovery loop (threads mode; idempotent)."""
        if self.mode != "threads" or self._executor is not None:
            return
        with self._start_lock:
            if self._executor is not None:
                return
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="kenshu-dispatch")
            self._recovery = threading.Thread(target=self._recovery_loop, name="kenshu-recovery", daemon=True)
            self._recovery.start()

    def stop(self) -> None:
        """Finish the events in hand, then stop (used at shutdown and by tests)."""
        self._stop.set()
        if self._recovery is not None:
            self._recovery.join()
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def submit(self, inbox_ids: list[int]) -> None:
        if self.mode == "inline":
            for inbox_id in inbox_ids:
                self.handle(inbox_id)
        elif self.mode == "threads":
            self.start()
            assert self._executor is not None
            for inbox_id in inbox_ids:
                self._executor.submit(self.handle, inbox_id)

    def recover(self, grace: timedelta = inbox.PENDING_GRACE) -> int:
        """Handle events a crashed process stored but never finished; returns how many."""
        db = self.app.extensions["kenshu"].db
        handled = 0
        while True:
            with db.session() as session:
                ids = inbox.abandoned(session, clock.system_now(), grace=grace)
            if not ids:
                return handled
            for inbox_id in ids:
                handled += self.handle(inbox_id)

    def _recovery_loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.recover(grace=timedelta(0) if first else inbox.PENDING_GRACE)
            except Exception:
                log.exception("inbox recovery failed; will try again")
            first = False
            self._stop.wait(RECOVERY_INTERVAL_SECONDS)

    def handle(self, inbox_id: int) -> bool:
        """Claim and handle one event; False if it was not ours to handle."""
        from handlers import dispatch

        services = self.app.extensions["kenshu"]
        with services.db.session() as session:
            if not inbox.claim(session, inbox_id, clock.system_now()):
                return False
        try:
            with self.app.app_context(), services.db.session() as session:
                row = session.get(InboxEvent, inbox_id)
                assert row is not None
                payload = dict(row.payload)
                context = EventContext(
                    event=parse_event(payload),
                    payload=payload,
                    session=session,
                    services=services,
                    user=user_for_event(session, payload, clock.now()),
                    now=clock.now(),
                )
                dispatch(context)
                inbox.finish(session, inbox_id, InboxStatus.DONE, clock.system_now())
        except Exception as error:
            log.exception("handling inbox event %s failed", inbox_id)
            with services.db.session() as session:
                inbox.finish(session, inbox_id, InboxStatus.FAILED, clock.system_now(), repr(error))
        return True
