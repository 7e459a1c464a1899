"""``kenshu clock``: the process that sends reminders and scheduled announcements on time.

It waits to become leader (see ``scheduler.leader``), brings the job store in
line with data/ (``sync``), finishes any reminder a dead leader left mid-send,
then runs APScheduler on the app's database. A short tick, kept in memory and
not in the shared store, runs due announcements, re-syncs when data/ or the
secretariat's dates change, and stops the process if the lock was lost.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from bot import clock as bot_clock
from bot.clock import JST
from bot.delivery import run_due
from bot.knowledge import KnowledgeError, load_knowledge
from bot.services import Services
from scheduler.fire import resume_abandoned
from scheduler.leader import LeaderLock, leader_lock, wait_for_leadership
from scheduler.reminder_message import reminder_renderers
from scheduler.sync import job_store, sync_app

log = logging.getLogger(__name__)

TICK_SECONDS = 5


class AppContextExecutor(ThreadPoolExecutor):
    """Runs each job inside the app context, so jobs stay plain functions of ids."""

    def __init__(self, app: Flask, max_workers: int = 4) -> None:
        super().__init__(max_workers)
        self._app = app

    def _do_submit_job(self, job, run_times):  # type: ignore[no-untyped-def]
        app = self._app

        def in_app_context(*args):  # type: ignore[no-untyped-def]
            with app.app_context():
                return run_job(*args)

        def callback(future):  # type: ignore[no-untyped-def]
            error = future.exception()
            if error is not None:
                self._run_job_error(job.id, error, error.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(in_app_context, job, job._jobstore_alias, run_times, self._logger.name).add_done_callback(
            callback)


def _data_stamp(data_dir: Path) -> tuple[float, ...]:
    """Modification times of every data file planning reads; a change means re-sync."""
    return tuple(sorted(path.stat().st_mtime for path in data_dir.rglob("*.yaml")))


class Clock:
    """The leader's scheduler and its housekeeping tick."""

    def __init__(self, app: Flask, lock: LeaderLock) -> None:
        self.app = app
        self.lock = lock
        self.services = Services.of(app)
        self.renderers = reminder_renderers(app)
        self.scheduler = BlockingScheduler(
            jobstores={"default": job_store(self.services.db.engine), "local": MemoryJobStore()},
            executors={"default": AppContextExecutor(app)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=JST,
        )
        self._stamp = _data_stamp(self.services.data_dir)

    def start(self) -> None:
        """Sync, resume, then block running jobs until stopped or the lock is lost."""
        with self.app.app_context():
            log.info("clock is leader: %s", sync_app(self.app).summary())
            resume_abandoned(self.services, self.renderers)
        self.scheduler.add_job(self.tick, "interval", seconds=TICK_SECONDS, id="tick", jobstore="local",
                               executor="default")
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
            except KnowledgeError as error:
                log.error("data/ changed but is invalid; keeping the previous plan: %s", error)
                return
            log.info("data/ changed: %s", sync_app(self.app).summary())
        run_due(self.services, bot_clock.now(), self.renderers)


def run_clock(app: Flask) -> None:
    """Wait for leadership, then run until SIGTERM/SIGINT."""
    # The 5-second tick would otherwise log two lines every time it runs.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    services = Services.of(app)
    lock = leader_lock(app.config["DATABASE_URL"], services.db.engine)
    wait_for_leadership(lock)
    clock = Clock(app, lock)
    signal.signal(signal.SIGTERM, lambda *_: clock.scheduler.shutdown(wait=False))
    try:
        clock.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
