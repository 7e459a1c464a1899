"""``kenshu clock``: the process that sends reminders and scheduled announcements on time.

It waits to become leader (see ``scheduler.leader``), brings the job store in
line with data/ (``sync``), finishes any reminder a dead leader left mid-send,
then runs APScheduler on the app's database. A short tick, kept in memory and
not in the shared store, runs due announcements, re-syncs when data/ or the
secretariat's dates change, and stops the process if the lock was lost; an
hourly job there forgets finished webhook events past their keeping time.

Everything runs on the ``Services`` that ``create_app`` built once for this
process: stored jobs are module-level functions of (services, job id) and the
executor hands them those services; nothing reaches for an app or its context.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from bot import clock
from bot.delivery import run_due
from bot.knowledge import KnowledgeError, load_knowledge
from bot.line.inbox_retention import KEEP_FINISHED, forget_old_events
from bot.services import Services
from scheduler.fire import resume_abandoned
from scheduler.leader import LeaderLock, leader_lock, wait_for_leadership
from scheduler.sync import job_store, plan_and_sync

log = logging.getLogger(__name__)

TICK_SECONDS = 5
# A re-sync failing again and again waits longer each time, up to this (seconds): no traceback every tick.
MAX_RESYNC_WAIT = 300
PRUNE_SECONDS = 3600


class ServicesExecutor(ThreadPoolExecutor):
    """Runs each stored job with the clock's services as its first argument.

    A stored job keeps only a function reference and ids (all that pickling
    allows); the services are added here, at run time, on a copy of the job.
    """

    def __init__(self, services: Services, max_workers: int = 4) -> None:
        super().__init__(max_workers)
        self._services = services

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        with_services = Job.__new__(Job)
        with_services.__setstate__({**job.__getstate__(), "args": (self._services, *job.args)})
        with_services._jobstore_alias = job._jobstore_alias
        super()._do_submit_job(with_services, run_times)


def _data_stamp(data_dir: Path) -> tuple[float, ...]:
    """Modification times of every data file planning reads; a change means re-sync."""
    return tuple(sorted(path.stat().st_mtime for path in data_dir.rglob("*.yaml")))


class LeaderScheduler:
    """The leader's scheduler and its housekeeping tick."""

    def __init__(self, services: Services, lock: LeaderLock) -> None:
        self.services = services
        self.lock = lock
        self.scheduler = BlockingScheduler(
            jobstores={"default": job_store(services.db.engine), "local": MemoryJobStore()},
            executors={"default": ServicesExecutor(services), "local": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=clock.JST,
        )
        self._stamp = _data_stamp(services.data_dir)
        self._resync_due = False  # data/ changed and the jobs are not yet in line with it
        self._resync_failures = 0  # ...failed this many times in a row
        self._resync_at = 0.0  # ...and is not tried again before this (time.monotonic()), backing off

    def start(self) -> None:
        """Sync, resume, then block running jobs until stopped or the lock is lost."""
        log.info("clock is leader: %s", plan_and_sync(self.services).summary())
        resume_abandoned(self.services)
        self.scheduler.add_job(self.tick, "interval", seconds=TICK_SECONDS, id="tick", jobstore="local",
                               executor="local")
        self.scheduler.add_job(self.prune_inbox, "interval", seconds=PRUNE_SECONDS, id="prune-inbox",
                               jobstore="local", executor="local", next_run_time=datetime.now(clock.JST))
        self.scheduler.start()

    def tick(self) -> None:
        if not self.lock.still_held():
            log.error("clock lost its leader lock; stopping")
            self.scheduler.shutdown(wait=False)
            return
        stamp = _data_stamp(self.services.data_dir)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self.services.knowledge = load_knowledge(self.services.data_dir)
                self._resync_due, self._resync_at = True, 0.0
            except KnowledgeError as error:  # only another change can fix it: no retry
                log.error("data/ changed but is invalid; keeping the previous plan: %s", error)
        run_due(self.services, clock.now(), self.services.renderers)  # due sends first: a slow re-sync waits
        if self._resync_due and time.monotonic() >= self._resync_at:
            self._resync()

    def _resync(self) -> None:
        """Bring the reminder jobs in line with the data loaded; until that succeeds, tried again after 10 s,
        20 s, ... up to ``MAX_RESYNC_WAIT``.

        Marked done only once the jobs are synced: a re-sync that failed (the database
        did not answer) used to leave the jobs stale until data/ changed again.
        """
        try:
            report = plan_and_sync(self.services)
        except Exception:  # any failure: tried again later, and due sends still go out every tick
            self._resync_failures += 1
            wait = min(TICK_SECONDS * 2 ** self._resync_failures, MAX_RESYNC_WAIT)
            self._resync_at = time.monotonic() + wait
            if self._resync_failures == 1:
                log.exception("data/ changed but the reminder jobs could not be re-synced; trying again in %d s", wait)
            else:
                log.error("re-sync of the reminder jobs failed again (%d times); trying again in %d s",
                          self._resync_failures, wait)
            return
        self._resync_due, self._resync_failures = False, 0
        log.info("data/ changed: %s", report.summary())

    def prune_inbox(self) -> None:
        """Forget finished webhook events past their keeping time (``bot.line.inbox_retention``)."""
        deleted = forget_old_events(self.services.db)
        if deleted:
            log.info("removed %d finished webhook events older than %s", deleted, KEEP_FINISHED)


def run_clock(services: Services) -> None:
    """Wait for leadership, then run until SIGTERM/SIGINT."""
    # The 5-second tick would otherwise log two lines every time it runs (a reminder logs its own).
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    lock = leader_lock(services.db.url, services.db.engine)
    wait_for_leadership(lock)
    leader = LeaderScheduler(services, lock)
    signal.signal(signal.SIGTERM, lambda *_: leader.scheduler.shutdown(wait=False))
    try:
        leader.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
