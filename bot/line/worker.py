"""The event worker: handles stored webhook events on threads of the web process, inline, or in a worker.

The webhook view only stores and acknowledges; this is where events meet the
handlers, through the routes ``create_app`` hands over. One event's failure is
logged on its row and never touches the others.

An event goes through three steps. *Claim*: a lease on its inbox row, renewed by a
heartbeat while this worker holds it (``bot.line.inbox``). *Decide*: the handler
runs in one transaction, and its answer is written to the outbox in that commit
(``bot.line.outbox``). *Send*: after the commit, the answer goes to LINE
(``bot.line.answer_sender``: the reply token, retried while valid, else a push with
a retry key); then the outbox row and the event are closed together. A worker that
dies at any step leaves a lease that expires within seconds; whoever takes the
event over decides it again if no answer was committed, or sends the committed one.

Modes (``KENSHU_DISPATCH``): ``threads`` handles on threads of the web process (one
process, simplest to run); ``inline`` before the 200 (the CLI chat, tests);
``worker`` leaves handling to a separate ``kenshu worker`` process, so answering
questions never competes with acknowledging LINE for the web process's CPU.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any

from flask import Flask
from linebot.v3.webhooks import Event
from sqlalchemy.exc import IntegrityError

from bot import clock
from bot.db.tables import AnswerStatus, InboxStatus, LineUser
from bot.line import inbox, outbox
from bot.line.answer_sender import AnswerSender
from bot.line.context import EventContext
from bot.line.outbox import Answer, Outcome
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


class LeaseLost(RuntimeError):
    """This worker stalled past its lease and another took the event over; it backs off."""


Sent = tuple[Answer, Outcome]


class _Heartbeat:
    """Renews this worker's leases every ``HEARTBEAT_INTERVAL`` while it holds any event.

    The thread runs only while events are held, so an idle app (or a test's) keeps
    no thread and no connection busy.
    """

    def __init__(self, worker: EventWorker) -> None:
        self._worker = worker
        self._lock = threading.Lock()
        self._held = 0
        self._thread: threading.Thread | None = None

    def hold(self, count: int) -> None:
        with self._lock:
            self._held += count
            if self._thread is None and self._held > 0:
                self._thread = threading.Thread(target=self._beat, name="kenshu-heartbeat", daemon=True)
                self._thread.start()

    def release(self, count: int) -> None:
        with self._lock:
            self._held -= count

    def _beat(self) -> None:
        worker = self._worker
        while True:
            worker._stop.wait(inbox.HEARTBEAT_INTERVAL.total_seconds())
            with self._lock:
                if self._held <= 0:
                    self._thread = None
                    return
            try:
                with worker.services.db.session() as session:
                    inbox.renew(session, worker.worker_id, clock.system_now())
            except Exception:
                log.exception("lease heartbeat failed; will try again")


class EventWorker:
    """Runs the routes' handlers for inbox rows, exactly once per claimed row, and sends their answers."""

    def __init__(
        self,
        services: Services,
        routes: Sequence[EventRoute],
        mode: str,
        threads: int,
        sender: AnswerSender | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"KENSHU_DISPATCH must be one of {', '.join(MODES)}, not {mode!r}")
        self.services = services
        self.routes = tuple(routes)
        self.mode = mode
        self.threads = threads
        self.sender = sender or AnswerSender(services.line, note_push=self.note_push)
        self.worker_id = uuid.uuid4().hex  # names this worker's leases
        self._heartbeat = _Heartbeat(self)
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
        """Take the events the webhook just stored (handled now, later on a thread, or by ``kenshu worker``).

        The events of one webhook body stay together, in order, on one thread.
        """
        if not inbox_ids:
            return
        if self.mode == "inline":
            self.handle_batch(inbox_ids)
        elif self.mode == "threads":
            self.start()
            assert self._executor is not None
            self._executor.submit(self.handle_batch, inbox_ids)

    def recover(self, grace: timedelta = inbox.PENDING_GRACE) -> int:
        """Handle events a crashed process stored but never finished; returns how many."""
        db = self.services.db
        handled = 0
        while True:
            with db.session() as session:
                rows = inbox.abandoned(session, clock.system_now(), grace=grace)
            if not rows:
                return handled
            taken = 0
            for row in rows:
                taken += self.handle_batch([row.id])
            if not taken:
                return handled
            handled += taken

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
        busy machine, the web processes acknowledging LINE are served first. A
        user's events are handled one at a time, in order (the inbox hands out no
        event while an earlier one of the same user is unfinished, here or in
        another worker). Finished events are closed in one transaction per turn.
        """
        if nice:
            os.nice(nice)
        db = self.services.db
        in_flight: dict[Future[list[Sent]], tuple[int, str | None]] = {}
        with ThreadPoolExecutor(threads, thread_name_prefix="kenshu-worker") as pool:
            while not self._stop.is_set():
                finished = [future for future in in_flight if future.done()]
                if finished:
                    self._close([sent for future in finished for sent in self._result(future, in_flight[future][0])])
                    for future in finished:
                        del in_flight[future]
                    self._heartbeat.release(len(finished))
                room = 2 * threads - len(in_flight)
                claimed = []
                if room > 0:
                    busy_users = {user for _, user in in_flight.values() if user}
                    with db.session() as session:
                        candidates = inbox.abandoned(session, clock.system_now(), grace=timedelta(0), limit=room)
                        chosen = []
                        for row in candidates:
                            if row.source_user_id and row.source_user_id in busy_users:
                                continue
                            chosen.append(row)
                            if row.source_user_id:
                                busy_users.add(row.source_user_id)
                        users = {row.id: row.source_user_id for row in chosen}
                        claimed = inbox.claim(session, list(users), self.worker_id, clock.system_now())
                    self._heartbeat.hold(len(claimed))
                    prior = self._prior_answers(claimed)
                    for row in claimed:
                        future = pool.submit(self._handle_claimed, row, prior.get(row.id))
                        in_flight[future] = (row.id, users[row.id])
                if in_flight:
                    wait(in_flight, timeout=0 if claimed else poll_seconds, return_when=FIRST_COMPLETED)
                else:
                    self._stop.wait(poll_seconds)
            wait(in_flight)
            self._close([sent for future, (inbox_id, _) in in_flight.items() for sent in self._result(future, inbox_id)])

    @staticmethod
    def _result(future: Future[list[Sent]], inbox_id: int) -> list[Sent]:
        try:
            return future.result()
        except Exception:  # _handle_claimed records its own failures; this is a bug in that
            log.exception("handling inbox event %s failed", inbox_id)
            return []

    def handle(self, inbox_id: int) -> bool:
        """Claim and handle one event; False if it was not ours to handle."""
        return self.handle_batch([inbox_id]) == 1

    def handle_batch(self, inbox_ids: list[int]) -> int:
        """Claim these events and handle those won, in order, on this thread; how many were won."""
        with self.services.db.session() as session:
            claimed = inbox.claim(session, inbox_ids, self.worker_id, clock.system_now())
        if not claimed:
            return 0
        self._heartbeat.hold(len(claimed))
        try:
            prior = self._prior_answers(claimed)
            for row in claimed:
                self._close(self._handle_claimed(row, prior.get(row.id)))
        finally:
            self._heartbeat.release(len(claimed))
        return len(claimed)

    def _prior_answers(self, claimed: Sequence[Any]) -> dict[int, Answer]:
        """Answers committed by a worker that held these events before (takeovers only)."""
        taken_over = [row.id for row in claimed if row.attempts > 1]
        if not taken_over:
            return {}
        with self.services.db.session() as session:
            return outbox.undelivered(session, taken_over)

    def _handle_claimed(self, row: Any, prior: Answer | None) -> list[Sent]:
        """Decide (unless a previous holder did) and send; the answer sent and how, for ``_close``."""
        try:
            answer = prior if prior is not None else self._decide(row)
            if answer is None:
                return []
            if not answer.messages:  # already sent and marked; only the event is left open
                return [(answer, Outcome(AnswerStatus.SENT, None, 0))]
            return [(answer, self.sender.send(answer))]
        except LeaseLost as lost:
            log.warning("inbox event %s: %s", row.id, lost)
            return []
        except Exception as error:
            log.exception("handling inbox event %s failed", row.id)
            with self.services.db.session() as session:
                inbox.finish(session, [row.id], InboxStatus.FAILED, clock.system_now(), repr(error))
            return []

    def _decide(self, row: Any) -> Answer | None:
        """Run the handler; its changes, and its answer in the outbox, commit together."""
        services = self.services
        payload = dict(row.payload)
        with services.db.session() as session:
            try:
                event = parse_event(payload)
            except MalformedEvent as malformed:
                # Nothing a handler could act on, and nothing to retry: recorded, not failed.
                log.info("ignored inbox event %s: %s", row.id, malformed)
                inbox.finish(session, [row.id], InboxStatus.IGNORED, clock.system_now(), str(malformed))
                return None
            user_id = user_for_event(session, payload, clock.now())
            context = EventContext(
                event=event,
                payload=payload,
                session=session,
                services=services,
                user=session.get(LineUser, user_id) if user_id is not None else None,
                now=clock.now(),
            )
            route_event(context, self.routes)
            now = clock.system_now()
            token = context.reply_token
            if not (context.replies and token):
                if not inbox.finish(session, [row.id], InboxStatus.DONE, now, held_by=self.worker_id):
                    raise LeaseLost("lease taken over by another worker; its changes are rolled back")
                return None
            user = context.user
            # The unique outbox row per event is the fence: of two workers deciding one
            # event (one stalled past its lease), only one commit can write it.
            try:
                return outbox.record(
                    session,
                    row.id,
                    row.webhook_event_id,
                    token,
                    user.line_user_id if user is not None and not user.is_blocked else None,
                    context.replies,
                    outbox.event_time(payload, row.received_at),
                    now,
                )
            except IntegrityError:
                raise LeaseLost("another worker decided this event's answer first") from None

    def note_push(self, answer: Answer, retry_key: str) -> None:
        """Persist that this answer is now going by push (see ``outbox.note_push``)."""
        with self.services.db.session() as session:
            outbox.note_push(session, answer.outbox_id, retry_key)

    def _close(self, sent: list[Sent]) -> None:
        """Mark the answers and close their events, in one transaction."""
        if not sent:
            return
        now = clock.system_now()
        with self.services.db.session() as session:
            outbox.mark(session, [(answer.outbox_id, outcome) for answer, outcome in sent], now)
            done = [answer.inbox_id for answer, outcome in sent if outcome.status != AnswerStatus.FAILED]
            inbox.finish(session, done, InboxStatus.DONE, now)
            for answer, outcome in sent:
                if outcome.status == AnswerStatus.FAILED:
                    inbox.finish(session, [answer.inbox_id], InboxStatus.FAILED, now, f"answer not sent: {outcome.error}")
