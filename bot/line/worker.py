"""The event worker: handles stored webhook events on threads of the web process, inline, or in a worker.

The webhook view only stores and acknowledges; this is where events meet the
handlers, through the routes ``create_app`` hands over. One event's failure is
logged on its row and never touches the others.

Modes (``KENSHU_DISPATCH``): ``threads`` handles on threads of the web process (one
process, simplest to run); ``inline`` before the 200 (the CLI chat, tests);
``worker`` leaves handling to a separate ``kenshu worker`` process, so answering
questions never competes with acknowledging LINE for the web process's CPU.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta

from flask import Flask
from linebot.v3.webhooks import Event

from bot import clock
from bot.db.tables import InboxEvent, InboxStatus, LineUser
from bot.line import inbox
from bot.line.context import EventContext
from bot.line.routes import EventRoute, route_event
from bot.services import Services
from bot.trainees.users import user_for_event

log = logging.getLogger(__name__)

RECOVERY_INTERVAL_SECONDS = 10.0
MODES = ("threads", "inline", "worker")
_EXTENSION_KEY = "kenshu.event_worker"


class MalformedEvent(ValueError):
    """An event of a type the bot handles whose fields the SDK cannot read; it is ignored, not failed."""


def parse_event(payload: dict) -> object:
    """The SDK's typed event; MalformedEvent, with a one-line reason, when its fields do not fit."""
    try:
        return Event.from_dict(payload)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        detail = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
        raise MalformedEvent(f"malformed {payload.get('type')} event: {detail}"[:300]) from error


class EventWorker:
    """Runs the routes' handlers for inbox rows, exactly once per claimed row."""

    def __init__(self, services: Services, routes: Sequence[EventRoute], mode: str, threads: int) -> None:
        if mode not in MODES:
            raise ValueError(f"KENSHU_DISPATCH must be one of {', '.join(MODES)}, not {mode!r}")
        self.services = services
        self.routes = tuple(routes)
        self.mode = mode
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._recovery: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stop = threading.Event()

    def install(self, app: Flask) -> EventWorker:
        """Make this the event worker of ``app`` (done once, by ``create_app``)."""
        app.extensions[_EXTENSION_KEY] = self
        return self

    @classmethod
    def of(cls, app: Flask) -> EventWorker:
        """The event worker ``create_app`` built for ``app`` (gunicorn's hooks, ``kenshu worker``)."""
        return app.extensions[_EXTENSION_KEY]

    def start(self) -> None:
        """Start worker threads and the recovery loop (threads mode; idempotent)."""
        if self.mode != "threads" or self._executor is not None:
            return
        with self._start_lock:
            if self._executor is not None:
                return
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="kenshu-events")
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
        """Take the events the webhook just stored (handled now, later on a thread, or by ``kenshu worker``)."""
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
        db = self.services.db
        handled = 0
        while True:
            with db.session() as session:
                rows = inbox.abandoned(session, clock.system_now(), grace=grace)
            if not rows:
                return handled
            for row in rows:
                handled += self.handle(row.id)

    def _recovery_loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.recover(grace=timedelta(0) if first else inbox.PENDING_GRACE)
            except Exception:
                log.exception("inbox recovery failed; will try again")
            first = False
            self._stop.wait(RECOVERY_INTERVAL_SECONDS)

    def run_worker(self, threads: int, poll_seconds: float = 0.05, nice: int = 10) -> None:
        """The ``kenshu worker`` loop: claim stored events oldest first, handle them on ``threads`` threads.

        Runs until ``stop``. The worker lowers its own CPU priority so that, on a
        busy machine, the web processes acknowledging LINE are served first.
        """
        if nice:
            os.nice(nice)
        db = self.services.db
        # One event per user at a time, oldest first: a follow and the unfollow right
        # after it are applied in the order the user did them.
        in_flight: dict[Future[None], str | None] = {}
        with ThreadPoolExecutor(threads, thread_name_prefix="kenshu-worker") as pool:
            while not self._stop.is_set():
                room = 2 * threads - len(in_flight)
                claimed = 0
                if room > 0:
                    with db.session() as session:
                        candidates = inbox.abandoned(session, clock.system_now(), grace=timedelta(0), limit=room)
                    busy_users = {user for user in in_flight.values() if user}
                    for row in candidates:
                        user = row.source_user_id
                        if (user and user in busy_users) or not self._claim(row.id):
                            continue
                        in_flight[pool.submit(self._handle_claimed, row.id)] = user
                        if user:
                            busy_users.add(user)
                        claimed += 1
                if in_flight:
                    done, _ = wait(in_flight, timeout=0 if claimed else poll_seconds, return_when=FIRST_COMPLETED)
                    for future in done:
                        del in_flight[future]
                else:
                    self._stop.wait(poll_seconds)

    def _claim(self, inbox_id: int) -> bool:
        with self.services.db.session() as session:
            return inbox.claim(session, inbox_id, clock.system_now())

    def handle(self, inbox_id: int) -> bool:
        """Claim and handle one event; False if it was not ours to handle."""
        if not self._claim(inbox_id):
            return False
        self._handle_claimed(inbox_id)
        return True

    def _handle_claimed(self, inbox_id: int) -> None:
        services = self.services
        try:
            # The handler's changes and "done" commit together; the reply goes after the
            # commit (a crash in between loses one reply rather than sending it twice).
            # The sender's row is created in a transaction of its own, so the handler's
            # transaction writes only at its end (SQLite has one writer at a time).
            with services.db.session() as session:
                row = session.get(InboxEvent, inbox_id)
                assert row is not None
                payload = dict(row.payload)
                try:
                    event = parse_event(payload)
                except MalformedEvent as malformed:
                    # Nothing a handler could act on, and nothing to retry: recorded, not failed.
                    log.info("ignored inbox event %s: %s", inbox_id, malformed)
                    inbox.finish(session, inbox_id, InboxStatus.IGNORED, clock.system_now(), str(malformed))
                    return
                user_id = user_for_event(session, payload, clock.now())
            with services.db.session() as session:
                context = EventContext(
                    event=event,
                    payload=payload,
                    session=session,
                    services=services,
                    user=session.get(LineUser, user_id) if user_id is not None else None,
                    now=clock.now(),
                )
                route_event(context, self.routes)
                inbox.finish(session, inbox_id, InboxStatus.DONE, clock.system_now())
            try:
                context.send_replies()
            finally:  # a push planned by the handler is committed: it goes even if the reply failed
                context.run_after_replies()
        except Exception as error:
            log.exception("handling inbox event %s failed", inbox_id)
            with services.db.session() as session:
                inbox.finish(session, inbox_id, InboxStatus.FAILED, clock.system_now(), repr(error))
