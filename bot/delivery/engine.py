"""Running a dispatch: write its ledger, send what is pending, mark it, finish.

The order of steps is what makes a crash harmless. Rows are committed as
pending before any request leaves, and marked only after LINE answered; a
process killed in between leaves pending rows, which the next run re-sends
with the same retry keys (LINE answers 409 for those that had gone through,
which counts as sent).

Identical content (multicasts) has its whole ledger written first, a group of
batches a statement, and is then sent a slice of the ledger at a time: the send
waits for nothing but LINE. Personalised content (pushes) is planned a batch at a
time, each batch rendered user by user as it is sent, while the next is planned.
Requests overlap (``_InFlight``): the rate limiter, not the round trip to LINE,
sets the pace.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from linebot.v3.messaging import Message
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.clock import system_now
from bot.db.tables import Delivery, DeliveryStatus, Dispatch, DispatchStatus, LineUser
from bot.delivery import content as content_rules
from bot.delivery import dispatches, ledger
from bot.delivery.audience import Audience, parse_audience
from bot.delivery.content import Renderer, Renderers, Skip
from bot.delivery.ledger import PendingRow, PlannedBatch, Tally
from bot.delivery.repeated_errors import OncePerKind
from bot.delivery.sender import MAX_MULTICAST_RECIPIENTS, Outcome, Push, Sender, one_line
from bot.services import Services

log = logging.getLogger(__name__)

# Batches of identical content planned by one statement, in one transaction, and read back a slice at a time.
PLAN_AHEAD_BATCHES = 20
# A sender marks ledger rows every batch; one silent this long has died.
STALLED_AFTER = timedelta(minutes=5)
EXPIRED_RETRY_KEY = (
    "not re-sent: interrupted over a day ago, and LINE no longer remembers the retry key "
    "that would show whether the first attempt arrived"
)


class DispatchBusy(RuntimeError):
    """Another process is planning the same dispatch; this run stops and leaves it to that one."""


@dataclass(frozen=True)
class _Plan:
    dispatch_id: int
    key: str
    audience: Audience
    content: dict
    renderer: Renderer | None
    messages: list[Message]  # identical content's messages, read once; empty when personalised


def run_dispatch(
    services: Services,
    dispatch_id: int,
    renderers: Renderers | None = None,
    sender: Sender | None = None,
    page_size: int = MAX_MULTICAST_RECIPIENTS,
    take_over: bool = True,
) -> Tally:
    """Send a scheduled dispatch, or resume an interrupted one, and return its ledger tally.

    A dispatch that is done or cancelled is left alone (its tally is returned),
    except that a resume (``take_over``) first re-opens the rows that failed
    while LINE was unavailable and sends them again with their retry keys.
    With ``take_over=False`` (the caller just created it and means to send it
    itself) a dispatch another process has already claimed, whether still sending
    or finished, raises ``DispatchBusy`` instead: the caller did not send it.
    Raises ``DispatchError``, ``AudienceError`` or ``ContentError`` before sending
    anything when the dispatch cannot be sent as stored.
    """
    if take_over:
        _reopen(services, dispatch_id)
    plan = _claim(services, dispatch_id, renderers or Renderers(), take_over)
    if plan is not None:
        with _InFlight(services, plan, sender or Sender(services.line, services.send_policy)) as flight:
            with services.db.session() as session:
                batch, last_planned = ledger.progress(session, dispatch_id)
            ranges = [(0, last_planned)]  # what earlier runs planned: rows left pending are re-sent first
            if plan.renderer is None:
                ranges += _plan_everyone(services, plan, page_size, batch, last_planned)
            for after_user_id, through_user_id in ranges:
                _send_pending(services, plan, flight, page_size, after_user_id, through_user_id)
            if plan.renderer is not None:
                _plan_and_send_rest(services, plan, flight, page_size, batch, last_planned)
        _finish(services, dispatch_id)
    with services.db.session() as session:
        return ledger.tally(session, dispatch_id)


def run_due(services: Services, now: datetime, renderers: Renderers | None = None) -> dict[int, Tally]:
    """Run every dispatch whose time has come, and resume any whose sender died.

    Called periodically (``kenshu announce run-due``, the clock process). One
    dispatch that cannot be sent is logged and does not stop the others.
    """
    with services.db.session() as session:
        due = dispatches.due_ids(session, now, system_now() - STALLED_AFTER)
    results: dict[int, Tally] = {}
    for dispatch_id in due:
        try:
            results[dispatch_id] = run_dispatch(services, dispatch_id, renderers)
        except (ValueError, RuntimeError) as error:  # the error kinds above, and DispatchBusy
            log.error("dispatch %s not sent: %s", dispatch_id, error)
        except Exception:  # any other failure is this dispatch's, never the others'
            log.exception("dispatch %s failed; it is resumed once it counts as stalled", dispatch_id)
    return results


def _claim(services: Services, dispatch_id: int, renderers: Renderers, take_over: bool) -> _Plan | None:
    """Check the dispatch can be sent, then mark it sending; None when it is finished.

    The claim is one conditional UPDATE, so of two processes claiming a scheduled
    dispatch at once exactly one sees it scheduled; the other takes over (or, with
    ``take_over=False``, raises ``DispatchBusy``).
    """
    busy = DispatchBusy(f"dispatch {dispatch_id} was taken over by another process")
    with services.db.session() as session:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None:
            raise dispatches.DispatchError(f"no dispatch {dispatch_id}")
        if dispatch.status in (DispatchStatus.DONE, DispatchStatus.CANCELLED):
            if not take_over and dispatch.status == DispatchStatus.DONE:
                raise busy
            return None
        audience = parse_audience(dispatch.audience, services.knowledge)
        content_rules.validate(dispatch.content)
        personalised = content_rules.is_personalised(dispatch.content)
        renderer = renderers.get(dispatch.content["renderer"]) if personalised else None
        messages = [] if personalised else content_rules.messages(dispatch.content)
        claimed = session.execute(
            update(Dispatch)
            .where(Dispatch.id == dispatch_id, Dispatch.status == DispatchStatus.SCHEDULED)
            .values(status=DispatchStatus.SENDING, started_at=system_now())
        ).rowcount
        if not claimed and not take_over:
            raise busy
        return _Plan(dispatch.id, dispatch.key, audience, dispatch.content, renderer, messages)


def _reopen(services: Services, dispatch_id: int) -> None:
    """Put the rows a re-send may fix back to pending, and a finished dispatch back to sending.

    One transaction, so a dispatch is never ``done`` with pending rows (which no
    one would then send). The rows keep their retry keys: LINE answers 409 for
    a request it had accepted when its answer was lost in the incident.
    """
    with services.db.session() as session:
        reopened = ledger.reopen_resendable(session, dispatch_id)
        if reopened:
            session.execute(update(Dispatch).where(Dispatch.id == dispatch_id, Dispatch.status == DispatchStatus.DONE)
                            .values(status=DispatchStatus.SENDING, finished_at=None))
    if reopened:
        log.info("dispatch %s: sending again %s deliveries whose failure a re-send may fix",
                 dispatch_id, reopened)


def _finish(services: Services, dispatch_id: int) -> None:
    """Mark the dispatch done, unless rows are still pending or another process has finished it.

    This run marked every row it sent; a pending row left over means a concurrent
    run planned it after this one looked. Marking the dispatch done then would hide
    it from ``run_due`` should that process die, so this run stops as busy instead
    and leaves the finishing to that one. A dispatch already done was finished by a
    run that took this one's batches over (re-sent with their keys: LINE answered
    409 to one of the two): this run did not finish the send, and says so.
    """
    still_pending = (select(Delivery.id)
                     .where(Delivery.dispatch_id == dispatch_id, Delivery.status == DeliveryStatus.PENDING)
                     .exists())
    with services.db.session() as session:
        finished = session.execute(
            update(Dispatch)
            .where(Dispatch.id == dispatch_id, Dispatch.status == DispatchStatus.SENDING, ~still_pending)
            .values(status=DispatchStatus.DONE, finished_at=system_now())
            .execution_options(synchronize_session=False)
        ).rowcount
        status = None if finished else session.scalar(select(Dispatch.status).where(Dispatch.id == dispatch_id))
    if status is DispatchStatus.DONE:
        raise DispatchBusy(f"dispatch {dispatch_id} was finished by another process")
    if not finished:
        raise DispatchBusy(f"dispatch {dispatch_id} has rows another process is still sending")


def _plan_everyone(services: Services, plan: _Plan, page_size: int, batch: int,
                   after_user_id: int) -> list[tuple[int, int]]:
    """Identical content: plan every user after the last one planned, ``PLAN_AHEAD_BATCHES`` a transaction.

    Returns the ranges of user ids planned, one per transaction. The whole ledger is
    written before the first request, so that the send itself waits for nothing but
    LINE: on PostgreSQL writing a row (its indexes, its two foreign-key checks) costs
    more than the row's share of a multicast, and written between the requests it
    set the pace of the send. A group another process has planned first (the unique
    constraint) means that process is sending the rest: this run stops as busy.
    """
    ranges: list[tuple[int, int]] = []
    while True:
        try:
            with services.db.session() as session:
                planned = ledger.plan_identical(session, plan.dispatch_id, plan.key, batch + 1, plan.audience,
                                                after_user_id, page_size, PLAN_AHEAD_BATCHES)
        except IntegrityError:
            raise DispatchBusy(f"dispatch {plan.dispatch_id} is being sent by another process") from None
        if planned is None:
            return ranges
        batch, last_user_id = planned
        ranges.append((after_user_id, last_user_id))
        after_user_id = last_user_id


def _send_pending(services: Services, plan: _Plan, flight: _InFlight, page_size: int, after_user_id: int,
                  through_user_id: int) -> None:
    """Send the ledger's rows still pending for users in the range, batch by batch, a slice at a time.

    After a crash these are the requests that were in flight (or, for identical
    content, not yet sent), re-sent with their retry keys. A row planned over a day
    ago is marked failed instead: LINE has forgotten its key, so a re-send could
    deliver a second time.
    """
    while True:
        with services.db.session() as session:
            flight.mark_finished(session)
            batches = ledger.batches_between(session, plan.dispatch_id, after_user_id, through_user_id,
                                             (PLAN_AHEAD_BATCHES + 1) * page_size)
            expired = [user_id for batch in batches for user_id in batch.expired]
            ledger.mark_users(session, plan.dispatch_id, expired, DeliveryStatus.FAILED, 0, EXPIRED_RETRY_KEY)
        if not batches:
            return
        for batch in batches:
            flight.send(batch)
        after_user_id = batches[-1].last_user_id


def _plan_and_send_rest(services: Services, plan: _Plan, flight: _InFlight, page_size: int, batch: int,
                        after_user_id: int) -> None:
    """Personalised content: plan a batch, send it (rendering each user's message), plan the next.

    Rendering and pushing, not planning, bound such a send; the batch's rows are
    committed before any of its pushes leaves.
    """
    while True:
        batch += 1
        try:
            with services.db.session() as session:
                flight.mark_finished(session)
                recipients = plan.audience.page(session, after_user_id, page_size)
                planned = ledger.plan_personalised(session, plan.dispatch_id, plan.key, batch, recipients)
        except IntegrityError:
            raise DispatchBusy(f"dispatch {plan.dispatch_id} is being sent by another process") from None
        if planned is None:
            return
        flight.send(planned)
        after_user_id = planned.last_user_id


_Pushed = list[tuple[int, Outcome]]  # (user id, how their push ended), for one share of a batch


@dataclass
class _Sending:
    """One batch's requests on their way to LINE: one multicast, or its pushes in a share per thread."""

    batch: int
    delivery_ids: tuple[int, int]  # the lowest and highest ledger row id of the batch's pending rows
    multicast: Future[Outcome] | None = None
    pushes: list[Future[_Pushed]] = field(default_factory=list)

    def futures(self) -> list[Future[Any]]:
        return [self.multicast] if self.multicast is not None else self.pushes

    def done(self) -> bool:
        return all(future.done() for future in self.futures())


class _InFlight:
    """Requests on their way to LINE, on one pool of the sender's threads, marked as they finish.

    ``send`` hands a planned batch's requests to the pool (rendering a
    personalised batch user by user as it goes, a share of the batch per thread)
    and blocks only while twice as many of them as there are threads are
    unanswered: the threads never wait for the planner, and memory stays a few
    batches whatever the audience. A personalised batch goes as one share of its
    pushes per thread, each sent one after another, rather than a task per push:
    at 20 ms a push the pool still holds a request per thread in flight, and the
    task, future and wake-up a push cost the planner's thread (which renders
    every push) a quarter of its time, under the GIL the sending threads share.
    ``mark_finished`` records the outcomes of finished batches: in the caller's
    transaction on SQLite, which writes one transaction at a time anyway, and
    elsewhere in a transaction of its own on a marking thread, so that the
    database marks batch N while it plans batch N+1 (a third of the work per batch
    off the planner's path; marking and planning touch disjoint rows). On the
    way out every request still in flight is waited for and marked, even when
    the run fails: an unmarked row would be safe (re-sent with its key, LINE
    answers 409) but cost a needless request.
    """

    def __init__(self, services: Services, plan: _Plan, sender: Sender) -> None:
        self._services = services
        self._plan = plan
        self._sender = sender
        self._pool = ThreadPoolExecutor(sender.workers, thread_name_prefix="send")
        self._room = threading.BoundedSemaphore(2 * sender.workers)
        self._batches: deque[_Sending] = deque()
        beside = services.db.engine.dialect.name != "sqlite"
        self._marker = ThreadPoolExecutor(1, thread_name_prefix="mark") if beside else None
        self._marking: deque[Future[None]] = deque()
        # A systematic error fails every request alike: its traceback is logged once, the rest counted.
        self.errors = OncePerKind(log, f"dispatch {plan.dispatch_id}")

    def __enter__(self) -> _InFlight:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            wait([future for sending in self._batches for future in sending.futures()])
            with self._services.db.session() as session:
                self.mark_finished(session)
            self._wait_for_marks()
        except Exception:
            if exc is None:
                raise
            log.exception("dispatch %s: requests that finished after the failure stay pending", self._plan.dispatch_id)
        finally:
            self._pool.shutdown()
            if self._marker is not None:
                self._marker.shutdown()
            self.errors.summary()

    def send(self, planned: PlannedBatch) -> None:
        if not planned.rows:
            return
        ids = [row.delivery_id for row in planned.rows]
        sending = _Sending(planned.batch, (min(ids), max(ids)))
        self._batches.append(sending)
        if self._plan.renderer is None:
            recipients = [row.line_user_id for row in planned.rows]
            sending.multicast = self._submit(self._sender.multicast, recipients, self._plan.messages,
                                             planned.rows[0].retry_key, self.errors)
            return
        share_size = -(-len(planned.rows) // self._sender.workers)
        share: list[tuple[int, Push]] = []
        for row, push in _render(self._services, self._plan, planned.rows, self.errors):
            share.append((row.user_id, push))
            if len(share) == share_size:
                sending.pushes.append(self._submit(self._push_all, share))
                share = []
        if share:
            sending.pushes.append(self._submit(self._push_all, share))

    def _push_all(self, share: list[tuple[int, Push]]) -> _Pushed:
        """Each push of the share in turn; the sender turns any error into that push's outcome, never the share's."""
        return [(user_id, self._sender.push(push, self.errors)) for user_id, push in share]

    def _submit(self, request: Callable[..., Outcome], *args: object) -> Future[Outcome]:
        self._room.acquire()
        future = self._pool.submit(request, *args)
        future.add_done_callback(lambda _: self._room.release())
        return future

    def mark_finished(self, session: Session) -> None:
        """Mark (or hand to the marking thread) every batch whose requests have all been answered.

        Raises the error of a marking transaction that failed (after handing over the
        batches just finished), so the run stops as it would had the marking been its own.
        """
        finished = [sending for sending in self._batches if sending.done()]
        for sending in finished:
            self._batches.remove(sending)
        if self._marker is None:
            self._mark(session, finished)
            return
        if finished:
            self._marking.append(self._marker.submit(self._mark_in_own_transaction, finished))
        while self._marking and self._marking[0].done():
            self._marking.popleft().result()

    def _wait_for_marks(self) -> None:
        """Wait for every marking handed over; then raise the first one's error, if any failed."""
        wait(self._marking)
        while self._marking:
            self._marking.popleft().result()

    def _mark_in_own_transaction(self, finished: list[_Sending]) -> None:
        with self._services.db.session() as session:
            self._mark(session, finished)

    def _mark(self, session: Session, finished: list[_Sending]) -> None:
        """One UPDATE per batch of a multicast, one per outcome of a batch's pushes."""
        dispatch_id = self._plan.dispatch_id
        for sending in finished:
            if sending.multicast is not None:
                outcome = sending.multicast.result()
                ledger.mark_batch(session, dispatch_id, sending.batch, sending.delivery_ids, outcome.status,
                                  outcome.attempts, outcome.error, outcome.resendable)
                continue
            groups: dict[Outcome, list[int]] = defaultdict(list)
            for future in sending.pushes:
                for user_id, outcome in future.result():
                    groups[outcome].append(user_id)
            for outcome, user_ids in groups.items():
                ledger.mark_users(session, dispatch_id, user_ids, outcome.status, outcome.attempts, outcome.error,
                                  outcome.resendable)


def _render(services: Services, plan: _Plan, rows: list[PendingRow],
            errors: OncePerKind) -> Iterator[tuple[PendingRow, Push]]:
    """Each user's push, yielded as soon as it is rendered; users the renderer skips are marked skipped.

    A user whose message cannot be rendered (joining details that do not decrypt,
    for one, or a renderer's bug) fails alone, resendable, with a one-line reason:
    the others still get theirs, and a resume after the fix sends it. The reason is
    the error's own text (the cipher's names the key, never the details); the log has
    each kind of error once, with its traceback (``errors``, the send's). Only a
    database error stops the run: the session is then unusable for everyone after.
    """
    assert plan.renderer is not None
    params = plan.content.get("params", {})
    with services.db.session() as session:
        users = {u.id: u for u in session.scalars(select(LineUser).where(LineUser.id.in_([r.user_id for r in rows])))}
        skipped: dict[str, list[int]] = defaultdict(list)
        failed: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            user = users.get(row.user_id)  # None: the trainee deleted their data since planning
            try:
                rendered = plan.renderer(session, services, user, params) if user else Skip("user deleted their data")
            except SQLAlchemyError:
                raise  # the database's failure is the run's: it stops, and a resume sends what is pending
            except Exception as error:  # one trainee's bad data, or a renderer's bug, stops nobody else
                errors.error(error, "dispatch %s: user %s not sent, the message cannot be rendered: %s",
                             plan.dispatch_id, row.user_id, error, traceback=type(error) is not ValueError)
                failed[f"not sent: the message cannot be rendered: {one_line(error)}"].append(row.user_id)
                continue
            if rendered is None or isinstance(rendered, Skip):
                reason = rendered.reason if isinstance(rendered, Skip) else "nothing to send to this user"
                skipped[reason].append(row.user_id)
            else:
                yield row, Push(row.line_user_id, rendered, row.retry_key)
        for reason, user_ids in skipped.items():
            ledger.mark_users(session, plan.dispatch_id, user_ids, DeliveryStatus.SKIPPED, 0, reason)
        for reason, user_ids in failed.items():
            ledger.mark_users(session, plan.dispatch_id, user_ids, DeliveryStatus.FAILED, 0, reason, resendable=True)
