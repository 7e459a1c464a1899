"""The event worker: handles stored webhook events on threads of the web process, inline, or in a worker.

The webhook view only stores and acknowledges; this is where events meet the
handlers, through the routes ``create_app`` hands over. One event's failure is
logged on its row and never touches the others.

An event goes through three steps. *Claim*: a lease on its inbox row, renewed by a
heartbeat while this worker holds it (``bot.line.inbox``). *Decide*: the handler
runs in one transaction, and its answer is written to the outbox in that commit
(``bot.line.outbox``); on SQLite the claim commits first, the batch is decided
without the write lock and its writes are then written together, taking the lock
once (see ``EventWorker._claim_then_decide_held_back``). *Send*: after the commit, the answer goes to LINE
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
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any

from flask import Flask
from linebot.v3.webhooks import Event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import clock
from bot.db import deferred_writes
from bot.db.tables import AnswerStatus, InboxStatus, LineUser
from bot.line import inbox, outbox
from bot.line.answer_sender import AnswerSender
from bot.line.context import EventContext, run_after_replies
from bot.line.outbox import Answer, Outcome
from bot.line.routes import EventRoute, route_event
from bot.services import Services
from bot.trainees import sender_facts, users
from bot.trainees.sender_facts import SenderFacts
from bot.trainees.users import sender_id, user_for_event

log = logging.getLogger(__name__)

RECOVERY_INTERVAL_SECONDS = 10.0
# A worker's turn looks at this many candidates for each event it has room for and claims the
# oldest still free: worker processes searching at once are handed the same oldest events.
CANDIDATES_PER_EVENT = 4
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
            time.sleep(inbox.HEARTBEAT_INTERVAL.total_seconds())  # also while stopping: events in hand still count
            with self._lock:
                if self._held <= 0:
                    self._thread = None
                    return
            try:
                with worker.services.db.session() as session:
                    inbox.renew(session, worker.worker_id, clock.system_now())
            except Exception:
                log.exception("lease heartbeat failed; will try again")


def _wait_for(futures: dict[Future[Sent], Any], count: int, seconds: float) -> None:
    """Until ``count`` of ``futures`` are done, or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    pending = {future for future in futures if not future.done()}
    while len(futures) - len(pending) < count and pending and (left := deadline - time.monotonic()) > 0:
        _, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)


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
        # What handlers asked to run once their answer is sent, by inbox event (``EventContext.after_reply``).
        self._after_send: dict[int, list[Callable[[], None]]] = {}
        self._after_send_lock = threading.Lock()
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

    def run_worker(self, threads: int, poll_seconds: float = 0.05, nice: int = 10, batch: int = 16) -> None:
        """The ``kenshu worker`` loop: claim stored events oldest first, decide them in batches, send on threads.

        Runs until ``stop``. Each turn claims up to ``batch`` events and decides them
        (see ``_claim_and_decide``);
        their answers go to LINE on ``threads`` threads while the next batch is
        decided, and the answers sent are closed in one transaction per turn. A
        user's events are handled one at a time, in order (the inbox hands out no
        event while an earlier one of the same user is unfinished, here or in
        another worker). The worker lowers its own CPU priority so that, on a busy
        machine, the web processes acknowledging LINE are served first.
        """
        if nice:
            os.nice(nice)
        in_flight: dict[Future[Sent], tuple[int, str | None]] = {}
        # Decided answers wait for a sending thread, and the longer they wait the older their reply tokens. Room
        # for two batches, or four answers a sending thread when that is more (more threads than half a batch):
        # the batch just handed to the threads is still in flight when the next turn claims, and
        # with room for one the turns took half batches, paying a turn's statements (the close, the search, the
        # claim, the senders' rows and facts, the commits) every eight answers instead of every sixteen.
        held_at_most = max(4 * threads, 2 * batch)
        with ThreadPoolExecutor(threads, thread_name_prefix="kenshu-worker") as pool:
            while not self._stop.is_set():
                finished = [future for future in in_flight if future.done()]
                for future in finished:
                    del in_flight[future]
                self._heartbeat.release(len(finished))
                claimed = 0
                room = min(batch, held_at_most - len(in_flight))
                try:
                    # A database that fails here leaves the events processing: their leases
                    # run out and they are taken over (an answer already sent is not resent).
                    self._close([future.result() for future in finished])
                    if room >= min(batch, held_at_most) // 2 or not in_flight:
                        claimed = self._take_more(pool, in_flight, room)
                except Exception:
                    log.exception("event worker turn failed; will try again")
                    self._stop.wait(poll_seconds)
                if in_flight and not claimed:
                    # Under a backlog, wait for room for half a batch: a turn's own statements (the
                    # close, the search, the claim, the senders' facts) are paid once per batch, and a
                    # turn for every answer sent made batches of one.
                    _wait_for(in_flight, max(1, batch // 2 - room), poll_seconds)
                elif not claimed:
                    self._stop.wait(poll_seconds)
            wait(in_flight)
            try:
                self._close([future.result() for future in in_flight])
            finally:
                self._heartbeat.release(len(in_flight))

    def _take_more(self, pool: ThreadPoolExecutor, in_flight: dict[Future[Sent], tuple[int, str | None]],
                   room: int) -> int:
        """Claim and decide up to ``room`` more events, and hand their answers to ``pool``; how many were claimed."""
        if room <= 0:
            return 0
        busy_users = {user for _, user in in_flight.values() if user}
        with self.services.db.session() as session:
            candidates = inbox.abandoned(session, clock.system_now(), grace=timedelta(0),
                                         limit=CANDIDATES_PER_EVENT * room)
        sender_of = {row.id: row.source_user_id for row in candidates
                     if not (row.source_user_id and row.source_user_id in busy_users)}
        if not sender_of:
            return 0
        claimed, answers = self._claim_and_decide(list(sender_of), limit=room)
        self._heartbeat.hold(len(answers))
        for answer in answers:
            in_flight[pool.submit(self._send, answer)] = (answer.inbox_id, sender_of[answer.inbox_id])
        return claimed

    def handle(self, inbox_id: int) -> bool:
        """Claim and handle one event; False if it was not ours to handle."""
        return self.handle_batch([inbox_id]) == 1

    def handle_batch(self, inbox_ids: list[int]) -> int:
        """Claim these events and handle those won, in order, on this thread; how many were won."""
        claimed, answers = self._claim_and_decide(inbox_ids)
        self._heartbeat.hold(len(answers))
        try:
            for answer in answers:
                self._close([self._send(answer)])
        finally:
            self._heartbeat.release(len(answers))
        return claimed

    def _claim_and_decide(self, inbox_ids: list[int], limit: int | None = None) -> tuple[int, list[Answer]]:
        """Claim these events (with ``limit``, at most that many of them: see ``inbox.claim``) and decide them;
        (how many were won, answers to send in order).

        What the handlers read about the senders is loaded for the whole batch, one
        query per fact (``bot.trainees.sender_facts``). Events taken over from a worker
        that died come with the answer it committed, which is sent, not decided again.
        On PostgreSQL the claim and the decisions are one transaction without
        savepoints (two statements an event): if any of its events fails, the whole
        transaction rolls back and each event is decided again alone, in a savepoint,
        so a failing handler rolls back alone and is recorded failed. On SQLite, whose
        one write lock every acknowledgement needs, see ``_claim_then_decide_held_back``.
        """
        if self.services.db.engine.dialect.name == "sqlite":
            return self._claim_then_decide_held_back(inbox_ids, limit)
        if len(inbox_ids) > 1:
            try:
                return self._claim_and_decide_together(inbox_ids, alone=False, limit=limit)
            except Exception as error:
                log.warning("deciding a batch of %s events failed (%r); deciding them one by one",
                            len(inbox_ids), error)
        claimed, answers = 0, []
        for inbox_id in inbox_ids:
            if limit is not None and claimed >= limit:
                break
            try:
                won, decided = self._claim_and_decide_together([inbox_id], alone=True)
            except Exception:
                log.exception("deciding inbox event %s failed", inbox_id)
                continue
            claimed += won
            answers += decided
        return claimed, answers

    def _claim_and_decide_together(self, inbox_ids: list[int], alone: bool,
                                   limit: int | None = None) -> tuple[int, list[Answer]]:
        """Claim and decide in one transaction; ``alone`` (one event, in a savepoint) records a failing handler,
        else any failure is raised and rolls the whole batch back."""
        found: dict[int, Answer | None] = {}
        after: dict[int, list[Callable[[], None]]] = {}
        with self.services.db.session() as session:
            claimed, to_decide = self._claim(session, inbox_ids, found, limit)
            senders = self._load_senders(session, to_decide)
            parsed: dict[int, object] = {}
            if not alone:
                # First contacts' rows in one INSERT, in the batch's transaction (it rolls back with them); one
                # by one their decisions would each read, insert in a savepoint, and read their facts again.
                senders |= users.create(session, self._first_contacts(to_decide, senders, parsed), clock.now())
            facts = self._load_facts(session, to_decide, senders)
            if not alone:
                # The decisions' writes go as one executemany per statement (``bot.db.deferred_writes``).
                with deferred_writes.batched(session):
                    for row in to_decide:
                        found[row.id] = self._decide_one(session, row, after, senders, facts, parsed)
            for row in to_decide if alone else []:
                try:
                    with session.begin_nested():
                        found[row.id] = self._decide_one(session, row, after, senders, facts, parsed)
                except LeaseLost as lost:
                    session.expire_all()  # values written as committed (``log_question``) were rolled back
                    log.warning("inbox event %s: %s", row.id, lost)
                except Exception as error:
                    session.expire_all()
                    log.exception("handling inbox event %s failed", row.id)
                    inbox.finish(session, [row.id], InboxStatus.FAILED, clock.system_now(), repr(error))
            # The leases date from the claim, and the heartbeat covers them only from this commit on:
            # a slow batch would commit leases already run out, for another worker to take at once.
            inbox.renew(session, self.worker_id, clock.system_now())
        return self._decided(claimed, found, after)

    def _claim_then_decide_held_back(self, inbox_ids: list[int], limit: int | None = None) -> tuple[int, list[Answer]]:
        """SQLite: claim in a short transaction, decide the batch without the write lock, then write it at once.

        SQLite has one write lock, and every acknowledgement of the webhook needs it. A
        transaction takes it just before its first write (``bot.db.write_lock``), so
        here the claim commits at once (the lease is the worker's from then on, as after
        any claim), and so do the rows of senders met for the first time whose first event
        in the batch would create them anyway (one that parses and is not an unfollow;
        else their first write would take the lock in the middle of the decisions). The
        events are then decided in groups with their writes held back
        (``bot.db.deferred_writes``): the sender facts, the answering engine and the
        handlers run without the lock, and a group's writes go together at its end, in one
        transaction that takes the lock once (``_write_held_back``): the writes go first
        (one executemany per statement, sent by the next statement), then the check that
        the worker still holds every event's lease (``inbox.still_held``), which renews
        them in the same statement, and the commit.

        A group stops for one of three reasons (``_decide_held_back``). Two are events
        whose decision reads the sender's row from the database, a read that would send
        the group's held-back writes and take the lock for the rest of the group; such an
        event starts the next group, once the events before it are written:

        - the sender's second event in the batch (the row loaded for the batch serves only
          their first, and is used up by it: ``senders`` loses it; the first may have changed
          it, a deletion or a link), caught in the group as a second event, after it as a sender
          without a row in hand;
        - a sender without a row in hand: one unknown whose row was not created before
          the decisions (an unfollow from someone unknown, or every first contact if
          ``_add_new_senders`` failed), whose decision reads the row or creates it. The
          check looks at the sender alone, so a malformed event from someone unknown stops
          the group too, though its decision reads nothing.

        The third comes after an event: a decision that still writes on its own (a
        handler's ORM change, a savepoint, a read after the group's held-back writes were
        sent) takes the lock, so its group is written with it at once: the lock is never
        held through a later decision.

        If an event fails,
        or a lease was taken over, the events written together are rolled back and
        decided again one by one (``_decide_each``): a failing event is recorded failed
        alone, and an event taken over is left to its taker (the unique outbox row
        stays the fence). The claim's leases are renewed by the heartbeat from its
        commit on: an event decided early in a batch would otherwise lose its lease
        while later events are decided, and a taker would send the answer this worker
        is about to send.
        """
        found: dict[int, Answer | None] = {}
        after: dict[int, list[Callable[[], None]]] = {}
        with self.services.db.session() as session:
            claimed, to_decide = self._claim(session, inbox_ids, found, limit)
            session.commit()
            self._heartbeat.hold(len(claimed))
            try:
                senders = self._load_senders(session, to_decide)
                parsed: dict[int, object] = {}
                self._add_new_senders(session, to_decide, senders, parsed)
                facts = self._load_facts(session, to_decide, senders)
                left = list(to_decide)
                while left:
                    written = self._decide_held_back(session, left, found, after, senders, facts, parsed)
                    left = left[written:]
                return self._decided(claimed, found, after)
            finally:
                self._heartbeat.release(len(claimed))

    @staticmethod
    def _first_contacts(rows: list[Any], senders: dict[str, LineUser], parsed: dict[int, object]) -> list[str]:
        """The senders of these events not in ``senders`` whose first event here would create their row anyway:
        one that parses and is not an unfollow (an unfollow from someone unknown must not create them before
        their later events, and a malformed event creates nobody). The events parsed to tell go to ``parsed``,
        by inbox id, so that their decision does not parse them again (``_decide_one``)."""
        new: list[str] = []
        seen: set[str] = set(senders)
        for row in rows:
            sender = sender_id(row.payload)
            if not sender or sender in seen:
                continue
            seen.add(sender)
            if row.payload.get("type") == "unfollow":
                continue
            try:
                parsed[row.id] = parse_event(row.payload)
            except MalformedEvent:
                continue
            new.append(sender)
        return new

    @classmethod
    def _add_new_senders(cls, session: Session, rows: list[Any], senders: dict[str, LineUser],
                         parsed: dict[int, object]) -> None:
        """SQLite: commit the rows of this batch's senders met for the first time (``_first_contacts``), in one
        INSERT, and add them to ``senders``.

        If that fails, their events create them while decided (their batch is then written with them).
        """
        try:
            new = users.create(session, cls._first_contacts(rows, senders, parsed), clock.now())
            if new:
                session.commit()
        except Exception:
            session.rollback()
            log.exception("writing the rows of new senders failed; their events will")
            return
        senders |= new

    def _decide_held_back(self, session: Session, rows: list[Any], found: dict[int, Answer | None],
                          after: dict[int, list[Callable[[], None]]], senders: dict[str, LineUser],
                          facts: dict[int, SenderFacts], parsed: dict[int, object]) -> int:
        """SQLite: decide events from the start of ``rows`` with their writes held back, and write them together;
        how many of ``rows`` were handled: all, or the group stops (see ``_claim_then_decide_held_back``) before
        the sender's second event in the batch, before a sender without a row in hand (unknown), or after an
        event whose decision began the write itself.

        If anything fails, those events are decided again one by one (``_decide_each``).
        """
        group: list[Any] = []
        decided: dict[int, Answer | None] = {}
        finished: list[int] = []
        ignored: dict[int, str] = {}
        try:
            with deferred_writes.batched(session):
                in_group: set[str] = set()
                for row in rows:
                    sender = sender_id(row.payload)
                    if group and (sender in in_group or (sender is not None and sender not in senders)):
                        # The sender's second event (in this group, or after it: their row in hand, used up by
                        # the first, is gone from ``senders``) or an unknown sender: its decision reads the
                        # sender's row, which would send the group's writes and take the lock for the rest of
                        # the group, so the group is written first.
                        break
                    group.append(row)
                    if sender is not None:
                        in_group.add(sender)
                    decided[row.id] = self._decide_one(session, row, after, senders, facts, parsed,
                                                       finished=finished, ignored=ignored)
                    if self._writing(session):
                        break
                self._write_held_back(session, [row.id for row in group], finished, ignored)
        except Exception as error:
            session.rollback()
            for row in group:
                after.pop(row.id, None)
            log.warning("writing %s decided events together failed (%r); deciding them one by one",
                        len(group), error)
            self._decide_each(session, group, found, after)
        else:
            found |= decided
        return len(group)

    @staticmethod
    def _writing(session: Session) -> bool:
        """Whether this session's transaction has begun writing (SQLite: holds the write lock) or has ORM
        changes to flush, which would take the lock at the next read."""
        if session.new or session.dirty or session.deleted:
            return True
        connection = session.connection().connection.dbapi_connection
        return bool(connection is not None and connection.in_transaction)

    def _write_held_back(self, session: Session, inbox_ids: list[int], finished: list[int],
                         ignored: dict[int, str]) -> None:
        """SQLite: write decided events together, taking the write lock once: the held-back writes (the lease
        check's statement sends them first, as any statement does), the leases checked and renewed, the closes,
        the commit. An event taken over meanwhile raises LeaseLost, or HeldBackWritesFailed when its taker
        already wrote its outbox row; either way the caller rolls back and decides the events one at a time."""
        now = clock.system_now()
        # Fresh leases in the write that checks them (the lock is held anyway): the answers committed here
        # are sent next, and a lease dating from the claim may be about to run out (as on PostgreSQL).
        if inbox.still_held(session, inbox_ids, self.worker_id, renew_at=now) != len(inbox_ids):
            raise LeaseLost("a lease was taken over by another worker before the batch was written")
        inbox.finish(session, finished, InboxStatus.DONE, now)
        for inbox_id, reason in ignored.items():
            inbox.finish(session, [inbox_id], InboxStatus.IGNORED, now, reason)
        session.commit()

    def _decide_each(self, session: Session, to_decide: list[Any], found: dict[int, Answer | None],
                     after: dict[int, list[Callable[[], None]]]) -> None:
        """SQLite: decide each event in its own transaction, locked only for its writes (a failed batch's
        events, see ``_claim_then_decide_held_back``); the batch's sender rows and facts are read again."""
        for row in to_decide:
            try:
                answer = self._decide_one(session, row, after, {}, {}, {}, claim_committed=True)
                session.commit()
                # Only once committed: an answer whose commit failed has no outbox row (its id, from the
                # rolled-back insert, may be reused by the next event's), and the event is recorded failed.
                found[row.id] = answer
            except LeaseLost as lost:
                session.rollback()
                after.pop(row.id, None)
                log.warning("inbox event %s: %s", row.id, lost)
            except Exception as error:
                session.rollback()
                after.pop(row.id, None)
                log.exception("handling inbox event %s failed", row.id)
                try:
                    inbox.finish(session, [row.id], InboxStatus.FAILED, clock.system_now(), repr(error),
                                 held_by=self.worker_id)
                    session.commit()
                except Exception:  # left to its lease, as after a crash
                    session.rollback()
                    log.exception("recording inbox event %s failed did not work", row.id)

    def _claim(self, session: Session, inbox_ids: list[int], found: dict[int, Answer | None],
               limit: int | None = None) -> tuple[list[Any], list[Any]]:
        """Claim these events (at most ``limit``); (the rows won, those to decide). Answers a previous holder
        committed go to ``found``."""
        claimed = inbox.claim(session, inbox_ids, self.worker_id, clock.system_now(), limit)
        taken_over = [row.id for row in claimed if row.attempts > 1]
        if taken_over:  # a worker that held these before may have committed their answers
            found |= outbox.undelivered(session, taken_over)
        return claimed, [row for row in claimed if row.id not in found]

    @staticmethod
    def _load_senders(session: Session, rows: list[Any]) -> dict[str, LineUser]:
        """The known senders' rows, by LINE user id, for the whole batch."""
        return sender_facts.load_users(session, filter(None, (sender_id(row.payload) for row in rows)))

    @staticmethod
    def _load_facts(session: Session, rows: list[Any], senders: dict[str, LineUser]) -> dict[int, SenderFacts]:
        """What a message's handling reads about its sender, for the whole batch (``bot.trainees.sender_facts``)."""
        return sender_facts.load(session, [senders[sender] for row in rows
                                           if row.payload.get("type") == "message"
                                           and (sender := sender_id(row.payload)) in senders])

    def _decided(self, claimed: list[Any], found: dict[int, Answer | None],
                 after: dict[int, list[Callable[[], None]]]) -> tuple[int, list[Answer]]:
        """Once committed: what handlers queued runs after their answer is sent, or now if there is none to send."""
        for inbox_id, actions in after.items():
            if found.get(inbox_id) is None:
                run_after_replies(actions)
            else:
                with self._after_send_lock:
                    self._after_send[inbox_id] = actions
        return len(claimed), [answer for row in claimed if (answer := found.get(row.id)) is not None]

    def _decide_one(self, session: Session, row: Any, after: dict[int, list[Callable[[], None]]],
                    senders: dict[str, LineUser], facts: dict[int, SenderFacts], parsed: dict[int, object],
                    claim_committed: bool = False, finished: list[int] | None = None,
                    ignored: dict[int, str] | None = None) -> Answer | None:
        """Decide one claimed event; a sender's row and facts loaded for the batch serve their first event in it
        (a later one may follow a change to them, such as a deletion, so it reads the database), and an event
        already parsed for the batch (``parsed``: a first contact's, ``_first_contacts``) is not parsed again.

        ``claim_committed``: the claim was committed apart from this transaction (SQLite,
        one event at a time), so a new sender's row is committed at once and the lease is
        checked before the answer is written (see ``_decide_each``). ``finished`` and
        ``ignored``: the batch's writes are held back (SQLite, ``_decide_held_back``), so
        an event closed without an answer is noted there, to be closed with the batch's
        writes once its lease is checked, instead of taking the write lock now.
        """
        services = self.services
        payload = dict(row.payload)
        try:
            event = parsed.pop(row.id) if row.id in parsed else parse_event(payload)
        except MalformedEvent as malformed:
            # Nothing a handler could act on, and nothing to retry: recorded, not failed, and
            # only while this worker holds it (on SQLite the claim committed apart from this).
            if ignored is not None:
                ignored[row.id] = str(malformed)
            elif not inbox.finish(session, [row.id], InboxStatus.IGNORED, clock.system_now(), str(malformed),
                                  held_by=self.worker_id):
                raise LeaseLost("lease taken over by another worker; left to it") from None
            log.info("ignored inbox event %s: %s", row.id, malformed)
            return None
        user = senders.pop(sender_id(payload) or "", None)
        if user is None:
            user = user_for_event(session, payload, clock.now())
            if claim_committed:
                session.commit()
        sender_facts.forget(session)
        if user is not None and (known := facts.pop(user.id, None)) is not None:
            sender_facts.install(session, user, known)
        context = EventContext(
            event=event,
            payload=payload,
            session=session,
            services=services,
            user=user,
            now=clock.now(),
        )
        route_event(context, self.routes)
        if context.after_replies:
            after[row.id] = context.after_replies
        now = clock.system_now()
        token = context.reply_token
        if not (context.replies and token):
            if finished is not None:
                finished.append(row.id)
            elif not inbox.finish(session, [row.id], InboxStatus.DONE, now, held_by=self.worker_id):
                raise LeaseLost("lease taken over by another worker; its changes are rolled back")
            return None
        if claim_committed and not inbox.still_held(session, [row.id], self.worker_id):
            raise LeaseLost("lease taken over by another worker before the answer was written; nothing is sent")
        user = context.user
        try:
            # The unique outbox row per event is the fence: of two workers deciding one
            # event (one stalled past its lease), only one commit can write it.
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

    def _send(self, answer: Answer) -> Sent:
        """Send one decided answer (or, already sent by a previous holder, only close it), then what follows it."""
        with self._after_send_lock:
            after = self._after_send.pop(answer.inbox_id, [])
        try:
            if not answer.messages:
                return answer, Outcome(AnswerStatus.SENT, None, 0)
            try:
                return answer, self.sender.send(answer)
            except Exception as error:  # a bug, not LINE: recorded on the event like a handler's
                log.exception("sending the answer to inbox event %s failed", answer.inbox_id)
                return answer, Outcome(AnswerStatus.FAILED, None, 0, error=repr(error))
        finally:  # a push planned by the handler is committed: it goes even if the reply failed
            run_after_replies(after)

    def note_push(self, answer: Answer, retry_key: str) -> bool:
        """Persist that this answer is now going by push; whether it may (see ``outbox.note_push``)."""
        with self.services.db.session() as session:
            return outbox.note_push(session, answer.outbox_id, retry_key)

    def _close(self, sent: list[Sent]) -> None:
        """Mark the answers and close their events, in one transaction."""
        if not sent:
            return
        with self.services.db.session() as session:
            now = clock.system_now()
            outbox.mark(session, [(answer.outbox_id, outcome) for answer, outcome in sent], now)
            done = [answer.inbox_id for answer, outcome in sent if outcome.status != AnswerStatus.FAILED]
            inbox.finish(session, done, InboxStatus.DONE, now)
            for answer, outcome in sent:
                if outcome.status == AnswerStatus.FAILED:
                    inbox.finish(session, [answer.inbox_id], InboxStatus.FAILED, now, f"answer not sent: {outcome.error}")
