"""Firing one reminder: decide late/skip, create its dispatch once, let the engine send.

A job carries only its id; the clock passes it the services it built once (see
``scheduler.clock_process``). At fire time the send is planned again from the
current data, so a reminder whose event was removed or moved since the job was
stored does nothing; the dispatch key is the job id, so a job fired twice (two
clocks, a restart mid-send) is one dispatch, and the ledger sends each user at
most once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import clock
from bot.db.tables import Dispatch, DispatchStatus
from bot.delivery import DispatchBusy, Tally, cancel, create_dispatch, run_dispatch
from bot.services import Services
from scheduler.planning import PlannedSend, edition_of_job, plan_edition
from scheduler.reminder_events import load_set_dates

log = logging.getLogger(__name__)

# Later than this after its time, a reminder is logged as late (the clock was down or busy).
LATE_AFTER = timedelta(minutes=2)
KIND = "reminder"


@dataclass(frozen=True)
class Fired:
    """What became of one firing: sent (with its tally), late, skipped, stale, or left to another process."""

    job_id: str
    outcome: str  # sent | late | missed | stale | busy
    tally: Tally | None = None


def find_send(services: Services, job_id: str) -> PlannedSend | None:
    """The planned send this job stands for in today's data, if it still exists."""
    edition = services.knowledge.editions.get(edition_of_job(job_id))
    if edition is None:
        return None
    with services.db.session() as session:
        set_dates = load_set_dates(session)
    sends = plan_edition(edition, services.knowledge.reminder_rules, set_dates)
    return next((send for send in sends if send.job_id == job_id), None)


def fire(services: Services, job_id: str, now: datetime) -> Fired:
    """Send the reminder ``job_id`` now if it is still useful; record it as missed otherwise."""
    send = find_send(services, job_id)
    if send is None:
        log.warning("reminder %s no longer matches data/ (event removed or moved); nothing sent", job_id)
        return Fired(job_id, "stale")
    if now >= send.useful_until:
        with services.db.session() as session:
            dispatch = create_dispatch(session, job_id, KIND, send.event.audience, send.content(), send.fire_at,
                                       note=f"missed: not sent by {send.useful_until.isoformat()} (clock down)")
            if dispatch.status == DispatchStatus.SCHEDULED:
                cancel(session, dispatch.id)
        log.warning("reminder %s missed: due %s, no longer useful after %s; skipped", job_id,
                    send.fire_at.isoformat(), send.useful_until.isoformat())
        return Fired(job_id, "missed")
    late = now - send.fire_at > LATE_AFTER
    note = f"late: due {send.fire_at.isoformat()}, sent {now.isoformat()}" if late else None
    with services.db.session() as session:
        dispatch_id = create_dispatch(session, job_id, KIND, send.event.audience, send.content(late),
                                      send.fire_at, note=note).id
    if late:
        log.warning("reminder %s is late (due %s); sending now", job_id, send.fire_at.isoformat())
    try:
        tally = run_dispatch(services, dispatch_id, services.renderers)
    except DispatchBusy:
        _log_busy(job_id, dispatch_id)
        return Fired(job_id, "busy")
    log.info("reminder %s: %s sent, %s skipped, %s failed", job_id, tally.sent, tally.skipped, tally.failed)
    return Fired(job_id, "late" if late else "sent", tally)


def _log_busy(job_id: str, dispatch_id: int) -> None:
    """Another process is sending this reminder (a second clock, a resume): expected, and one line.

    That process finishes it; should it die, the clock's tick (``run_due``)
    resumes the dispatch once it has been silent for ``STALLED_AFTER``, and the
    ledger still sends each trainee at most once.
    """
    log.info("reminder %s (dispatch %s) is being sent by another process; left to it "
             "(resumed by the clock if that process stops)", job_id, dispatch_id)


def resume_abandoned(services: Services) -> list[int]:
    """Finish reminder dispatches a previous leader left mid-send.

    Only the leader sends reminders, so once this process holds the lock any
    reminder still ``sending`` was abandoned by a dead leader; the ledger makes
    resuming it safe (pending rows are re-sent with their retry keys).
    """
    with services.db.session() as session:
        ids = list(session.scalars(select(Dispatch.id).where(
            Dispatch.kind == KIND, Dispatch.status == DispatchStatus.SENDING).order_by(Dispatch.id)))
    for dispatch_id in ids:
        log.warning("resuming reminder dispatch %s left unfinished by the previous clock", dispatch_id)
        try:
            run_dispatch(services, dispatch_id, services.renderers)
        except DispatchBusy:
            log.info("reminder dispatch %s is being sent by another process; left to it", dispatch_id)
        except Exception:  # one broken dispatch must not keep every clock from starting
            log.exception("reminder dispatch %s could not be resumed; the clock goes on without it", dispatch_id)
    return ids


def fire_reminder(services: Services, job_id: str) -> None:
    """The APScheduler job: module-level and stored with only its id, so the job store can keep it.

    The clock's executor passes the services (see ``scheduler.clock_process``); the
    date is the bot's clock (``KENSHU_NOW`` in a demo), APScheduler only decides when to call.
    """
    fire(services, job_id, clock.now())
