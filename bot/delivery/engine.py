"""Running a dispatch: plan a page of the audience in the ledger, send it, mark it, repeat.

The order of steps is what makes a crash harmless. Rows are committed as
pending before any request leaves, and marked only after LINE answered; a
process killed in between leaves pending rows, which the next run re-sends
with the same retry keys (LINE answers 409 for those that had gone through,
which counts as sent) before planning the users after the last one planned.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import system_now
from bot.db.tables import DeliveryStatus, Dispatch, DispatchStatus, LineUser
from bot.delivery import content as content_rules
from bot.delivery import dispatches, ledger
from bot.delivery.audience import Audience, parse_audience
from bot.delivery.content import Renderer, Renderers, Skip
from bot.delivery.ledger import PendingRow, Tally
from bot.delivery.sender import MAX_MULTICAST_RECIPIENTS, Outcome, Push, Sender
from bot.services import Services

log = logging.getLogger(__name__)

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


def run_dispatch(
    services: Services,
    dispatch_id: int,
    renderers: Renderers | None = None,
    sender: Sender | None = None,
    page_size: int = MAX_MULTICAST_RECIPIENTS,
) -> Tally:
    """Send a scheduled dispatch, or resume an interrupted one, and return its ledger tally.

    A dispatch that is done or cancelled is left alone (its tally is returned).
    Raises ``DispatchError``, ``AudienceError`` or ``ContentError`` before sending
    anything when the dispatch cannot be sent as stored.
    """
    plan = _claim(services, dispatch_id, renderers or Renderers())
    if plan is not None:
        sender = sender or Sender(services.line)
        for batch in _pending_batches(services, dispatch_id):
            _send_batch(services, plan, sender, batch)
        _plan_and_send_rest(services, plan, sender, page_size)
        with services.db.session() as session:
            session.execute(
                update(Dispatch)
                .where(Dispatch.id == dispatch_id)
                .values(status=DispatchStatus.DONE, finished_at=system_now())
            )
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


def _claim(services: Services, dispatch_id: int, renderers: Renderers) -> _Plan | None:
    """Check the dispatch can be sent, then mark it sending; None when it is finished."""
    with services.db.session() as session:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None:
            raise dispatches.DispatchError(f"no dispatch {dispatch_id}")
        if dispatch.status in (DispatchStatus.DONE, DispatchStatus.CANCELLED):
            return None
        audience = parse_audience(dispatch.audience, services.knowledge)
        content_rules.validate(dispatch.content)
        renderer = renderers.get(dispatch.content["renderer"]) if content_rules.is_personalised(dispatch.content) else None
        if dispatch.status == DispatchStatus.SCHEDULED:
            dispatch.status = DispatchStatus.SENDING
            dispatch.started_at = system_now()
        return _Plan(dispatch.id, dispatch.key, audience, dispatch.content, renderer)


def _pending_batches(services: Services, dispatch_id: int) -> list[int]:
    with services.db.session() as session:
        return ledger.pending_batches(session, dispatch_id)


def _plan_and_send_rest(services: Services, plan: _Plan, sender: Sender, page_size: int) -> None:
    with services.db.session() as session:
        batch, after_user_id = ledger.progress(session, plan.dispatch_id)
    while True:
        batch += 1
        try:
            with services.db.session() as session:
                recipients = plan.audience.page(session, after_user_id, page_size)
                if not recipients:
                    return
                ledger.plan(
                    session, plan.dispatch_id, plan.key, batch, recipients, personalised=plan.renderer is not None
                )
        except IntegrityError:
            raise DispatchBusy(f"dispatch {plan.dispatch_id} is being sent by another process") from None
        _send_batch(services, plan, sender, batch)
        after_user_id = recipients[-1].user_id


def _send_batch(services: Services, plan: _Plan, sender: Sender, batch: int) -> None:
    with services.db.session() as session:
        rows = ledger.pending(session, plan.dispatch_id, batch)
        now = system_now()
        expired = [row.delivery_id for row in rows if row.retry_key_expired(now)]
        ledger.mark(session, expired, DeliveryStatus.FAILED, 0, EXPIRED_RETRY_KEY)
        rows = [row for row in rows if not row.retry_key_expired(now)]
    if not rows:
        return
    if plan.renderer is None:
        outcome = sender.multicast([row.line_user_id for row in rows], content_rules.messages(plan.content), rows[0].retry_key)
        with services.db.session() as session:
            ledger.mark(session, [row.delivery_id for row in rows], outcome.status, outcome.attempts, outcome.error)
        return
    pushes = _render(services, plan, rows)
    outcomes = sender.push_all([push for _, push in pushes])
    _mark_each(services, [(row, outcome) for (row, _), outcome in zip(pushes, outcomes)])


def _render(services: Services, plan: _Plan, rows: list[PendingRow]) -> list[tuple[PendingRow, Push]]:
    """Each user's messages; users the renderer skips are marked skipped now, with its reason."""
    assert plan.renderer is not None
    params = plan.content.get("params", {})
    pushes: list[tuple[PendingRow, Push]] = []
    with services.db.session() as session:
        users = {u.id: u for u in session.scalars(select(LineUser).where(LineUser.id.in_([r.user_id for r in rows])))}
        skipped: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            user = users.get(row.user_id)  # None: the trainee deleted their data since planning
            rendered = plan.renderer(session, services, user, params) if user else Skip("user deleted their data")
            if rendered is None or isinstance(rendered, Skip):
                reason = rendered.reason if isinstance(rendered, Skip) else "nothing to send to this user"
                skipped[reason].append(row.delivery_id)
            else:
                pushes.append((row, Push(row.line_user_id, rendered, row.retry_key)))
        for reason, ids in skipped.items():
            ledger.mark(session, ids, DeliveryStatus.SKIPPED, 0, reason)
    return pushes


def _mark_each(services: Services, results: list[tuple[PendingRow, Outcome]]) -> None:
    """Mark push outcomes, one UPDATE per distinct outcome rather than per user."""
    groups: dict[Outcome, list[int]] = defaultdict(list)
    for row, outcome in results:
        groups[outcome].append(row.delivery_id)
    with services.db.session() as session:
        for outcome, ids in groups.items():
            ledger.mark(session, ids, outcome.status, outcome.attempts, outcome.error)
