"""The clock: the services it built reach its jobs; two real ``kenshu clock`` processes.

With two processes on one database, one leads and one stands by. Once both
run, the reminder's date is set to fire a few seconds later; the leader is
killed with SIGKILL while it is pushing. The standby takes over and finishes the
send, and every trainee ends up with exactly one copy of the reminder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

import scheduler.fire
from bot.clock import JST, system_now
from bot.config import REPO_ROOT
from bot.credentials import Cipher, JoinDetails, set_shared
from bot.db import make_engine
from bot.db.tables import Delivery, DeliveryStatus, Dispatch, Enrolment, LineUser
from bot.devtools.fake_line import FakeLine, FaultConfig
from bot.services import Services
from scheduler.clock_process import ServicesExecutor
from scheduler.sync import JOB_FUNC, job_store
from tests.helpers import wait_until

SECRET_KEY = "clock-test-secret"
TRAINEES = 300
EVENT = "nanchisei-tokyo-r5/live_stream/clozapine-advanced-live/nanchisei-tokyo-r5-clozapine-advanced"
KENSHU = str(Path(sys.executable).parent / "kenshu")


def test_a_stored_job_runs_with_the_services_the_clock_built(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    services = Services.of(app)
    calls: list[tuple[object, ...]] = []
    ran = threading.Event()

    def job(*args: object) -> None:
        calls.append(args)
        ran.set()

    monkeypatch.setattr(scheduler.fire, "fire_reminder", job)
    clock = BackgroundScheduler(jobstores={"default": job_store(services.db.engine)},
                                executors={"default": ServicesExecutor(services)}, timezone=JST)
    clock.add_job(JOB_FUNC, "date", run_date=datetime.now(JST), id="reminder:x", args=("reminder:x",))
    clock.start()
    try:
        assert ran.wait(10)
        wait_until(lambda: not clock.get_jobs(), 10, "the job to leave the store")
    finally:
        clock.shutdown()
    assert calls == [(services, "reminder:x")]  # the store kept only the id


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """data/ with a single reminder rule: one hour before a live stream, with the joining details."""
    folder = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", folder)
    (folder / "reminders.yaml").write_text(
        "defaults:\n  live_stream:\n    - {id: hour-before, minutes_before: 60, credentials: true}\n", encoding="utf-8")
    return folder


def _trainees(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    ids = [f"U{n:032x}" for n in range(1, TRAINEES + 1)]
    now = system_now()
    with Session(engine) as session, session.begin():
        session.execute(insert(LineUser), [{"line_user_id": uid, "status": "active", "notices_paused": False,
                                            "created_at": now} for uid in ids])
        users = dict(session.execute(select(LineUser.line_user_id, LineUser.id)).all())
        session.execute(insert(Enrolment), [{
            "edition_id": "nanchisei-tokyo-r5", "course_id": "nanchisei-tokyo-r5-clozapine-advanced",
            "application_no": f"A-{n}", "name": f"受講者{n}", "email": f"a{n}@example.jp", "user_id": users[uid],
            "linked_at": now, "imported_at": now} for n, uid in enumerate(ids)])
        set_shared(session, Cipher(SECRET_KEY), "nanchisei-tokyo-r5", "clozapine-advanced-live",
                   JoinDetails("https://zoom.example/j/1", "100 200 300", "pass1"), "Zoom")
    engine.dispose()
    return ids


class Clock:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen([KENSHU, "clock"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=log.open("wb"), start_new_session=True)

    def says(self, text: str) -> bool:
        return text in self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def clocks() -> Iterator[list[Clock]]:
    started: list[Clock] = []
    yield started
    for clock in started:
        clock.stop()


def test_the_standby_clock_finishes_a_send_the_killed_leader_began_and_nobody_gets_it_twice(
        database_url: str, fake_line: FakeLine, data_dir: Path, tmp_path: Path, clocks: list[Clock]) -> None:
    trainees = _trainees(database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "LINE_API_BASE_URL": fake_line.base_url,
           "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "KENSHU_SECRET_KEY": SECRET_KEY,
           "KENSHU_DATA_DIR": str(data_dir), "KENSHU_DEMO": "0"}
    env.pop("KENSHU_NOW", None)
    # Pushes take a while (the sender keeps 32 in flight: 300 take about 15 s), so the kill lands mid-send.
    fake_line.state.faults.configure(FaultConfig(latency_ms=1500))

    leader = Clock(env, tmp_path / "leader.log")
    clocks.append(leader)
    wait_until(lambda: leader.says("clock is leader"), 30, "the first clock to lead")
    standby = Clock(env, tmp_path / "standby.log")
    clocks.append(standby)
    wait_until(lambda: standby.says("standing by"), 30, "the second clock to stand by")
    # The date is set once both clocks run (the leader's tick picks the job up), so a slow
    # start-up on a busy machine cannot let the whole send pass before the test watches it.
    fires_at = system_now() + timedelta(seconds=10)
    starts = (fires_at + timedelta(minutes=60)).replace(tzinfo=None).isoformat(timespec="seconds")
    setter = subprocess.run([KENSHU, "reminders", "set-date", EVENT, starts], env=env, capture_output=True, text=True)
    assert setter.returncode == 0, setter.stderr

    def received() -> int:
        return len({uid for record in fake_line.state.requests("/v2/bot/message/push") if record.accepted
                    for uid in record.recipients})

    wait_until(lambda: received() >= 20, 60, "the leader to start sending")
    leader.stop()
    assert received() < TRAINEES, "the leader finished before it was killed; nothing was left to take over"
    wait_until(lambda: standby.says("clock is leader"), 10, "the standby to take over")
    wait_until(lambda: received() == TRAINEES, 90, "every trainee to receive the reminder")

    assert {len(fake_line.state.texts_to(uid)) for uid in trainees} == {2}  # the reminder and the Zoom details
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Dispatch)) == 1
        statuses = dict(connection.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    engine.dispose()
    assert statuses == {DeliveryStatus.SENT: TRAINEES}
