"""The clock's tick: a change of data/ re-syncs the reminder jobs, and a re-sync that fails is tried again,
backing off."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.config import REPO_ROOT
from bot.devtools.fake_line import FakeLine
from bot.services import Services
from scheduler import clock_process
from scheduler.clock_process import LeaderScheduler
from scheduler.sync import SyncReport, job_store
from tests.helpers import make_app


class HeldLock:
    """A leader lock that stays held: the tick's own check passes."""

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_a_re_sync_that_fails_is_tried_again_backing_off(
        database_url: str, fake_line: FakeLine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", "2023-06-01T10:00")  # before the season in data/: reminders to plan
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    app = make_app(database_url, fake_line, KENSHU_DATA_DIR=str(data))
    services = Services.of(app)
    leader = LeaderScheduler(services, HeldLock())
    jobs = job_store(services.db.engine)
    assert jobs.get_all_jobs() == []
    rules = data / "reminders.yaml"
    os.utime(rules, (rules.stat().st_atime, rules.stat().st_mtime + 60))  # the secretariat edits data/
    synced: list[SyncReport] = []
    plan_and_sync = clock_process.plan_and_sync

    def database_gone_once(services: Services) -> SyncReport:
        if not synced:
            synced.append(None)  # type: ignore[arg-type]
            raise OperationalError("SELECT set dates", {}, Exception("the database went away"))
        report = plan_and_sync(services)
        synced.append(report)
        return report

    monkeypatch.setattr(clock_process, "plan_and_sync", database_gone_once)
    seconds = [1000.0]
    monkeypatch.setattr(clock_process.time, "monotonic", lambda: seconds[0])

    leader.tick()  # the failure is logged, not raised: due sends still go out every tick
    assert jobs.get_all_jobs() == []
    leader.tick()  # at once: backing off, not tried again every tick
    assert len(synced) == 1
    seconds[0] += clock_process.MAX_RESYNC_WAIT
    leader.tick()  # data/ has not changed since: the failed re-sync is what is tried again

    assert len(synced) == 2 and jobs.get_all_jobs() != []
    leader.tick()
    assert len(synced) == 2  # done once it succeeded
    services.db.engine.dispose()
