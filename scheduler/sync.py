"""Keeping APScheduler's job store in step with the planned sends.

Job ids are deterministic (``reminder:EVENT:RULE:FIRETIME``): a changed date is
a new id, so sync adds the new job and removes the old one (reported as moved);
a removed event's jobs are removed; an unchanged plan touches nothing. Jobs
whose reminder was already dispatched, or is no longer useful, are not re-added.

Writes go straight to the job store's table in one transaction (the same rows
``SQLAlchemyJobStore.add_job`` writes, one at a time), so planning a thousand
editions stays well under a second and a running clock sees the result at its
next wake-up.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.date import DateTrigger
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import Engine, delete, insert, select

from bot import clock
from bot.db.tables import Dispatch
from bot.services import Services
from scheduler.planning import JOB_PREFIX, PlannedSend, plan_reminders
from scheduler.reminder_events import load_set_dates

JOBS_TABLE = "apscheduler_jobs"
JOB_FUNC = "scheduler.fire:fire_reminder"  # called with the clock's services and the job id


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    kept: int = 0

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.moved)} moved, {len(self.removed)} removed, "
                f"{self.kept} unchanged")


def job_store(engine: Engine) -> SQLAlchemyJobStore:
    """The job store the clock runs on, in the app's own database."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.jobs_t.create(engine, checkfirst=True)
    return store


def _job_state_template() -> dict:
    """The state every reminder job shares; building a ``Job`` per row costs ~0.2 ms each.

    Each row stores only its job id as argument; the template names the services too,
    as ``Job`` checks the arguments against the function's signature.
    """
    job = Job(None, id="template", func=JOB_FUNC, trigger=DateTrigger(run_date=clock.system_now()),
              executor="default", args=(None, "template"), kwargs={}, name="template",
              misfire_grace_time=None, coalesce=True, max_instances=1)
    job.next_run_time = None
    return job.__getstate__()


def _job_row(store: SQLAlchemyJobStore, template: dict, send: PlannedSend) -> dict:
    state = {**template, "id": send.job_id, "name": send.job_id, "args": (send.job_id,),
             "trigger": DateTrigger(run_date=send.fire_at), "next_run_time": send.fire_at}
    return {"id": send.job_id, "next_run_time": datetime_to_utc_timestamp(send.fire_at),
            "job_state": pickle.dumps(state, store.pickle_protocol)}


def _without_time(job_id: str) -> str:
    return job_id.rsplit(":", 1)[0]


def sync(store: SQLAlchemyJobStore, planned: list[PlannedSend], now: datetime) -> SyncReport:
    """Make the store hold exactly the reminders still to send."""
    table = store.jobs_t
    with store.engine.begin() as connection:
        dispatched = set(connection.scalars(select(Dispatch.key).where(Dispatch.key.startswith(JOB_PREFIX))))
        wanted = {send.job_id: send for send in planned
                  if send.useful_until > now and send.job_id not in dispatched}
        existing = set(connection.scalars(select(table.c.id).where(table.c.id.startswith(JOB_PREFIX))))
        stale = sorted(existing - wanted.keys())
        new = sorted(wanted.keys() - existing)
        if stale:
            for chunk in range(0, len(stale), 500):
                connection.execute(delete(table).where(table.c.id.in_(stale[chunk:chunk + 500])))
        if new:
            template = _job_state_template()
            connection.execute(insert(table), [_job_row(store, template, wanted[job_id]) for job_id in new])
    report = SyncReport(kept=len(existing & wanted.keys()))
    old_by_rule = {_without_time(job_id): job_id for job_id in stale}
    for job_id in new:
        old = old_by_rule.pop(_without_time(job_id), None)
        if old is None:
            report.added.append(job_id)
        else:
            report.moved.append((old, job_id))
    report.removed = sorted(old_by_rule.values())
    return report


def plan_and_sync(services: Services) -> SyncReport:
    """Plan from the data and the secretariat's dates, and sync the job store in the services' database."""
    with services.db.session() as session:
        set_dates = load_set_dates(session)
    planned = plan_reminders(services.knowledge, services.knowledge.reminder_rules, set_dates)
    return sync(job_store(services.db.engine), planned, clock.now())
