"""A real ``kenshu worker`` killed with SIGKILL mid-stream: another worker finishes, nobody answered twice.

Two workers are started and ready before 40 trainees ask; LINE (the fake) takes
300 ms a reply, so the first worker is in the middle of answering when it is
killed. The second takes over the dead worker's events once their leases run out
(seconds) and answers the rest. Every trainee gets exactly one answer and every
event ends done.

The questions are asked only once both workers are up: a reply token lasts a
minute from its event, and a takeover later than that cannot tell a token the dead
worker used from one that expired, so it pushes (README, what is not guaranteed).
Started after the kill, the second worker took its start-up (tens of seconds on a
loaded machine) plus the lease, and the test flaked with duplicate answers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine, FaultConfig
from bot.services import Services
from tests.helpers import ACCESS_TOKEN, CHANNEL_SECRET, make_app, post_events, wait_until

KENSHU = str(Path(sys.executable).parent / "kenshu")
TRAINEES = 40
REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def test_a_worker_killed_mid_stream_is_taken_over_and_everyone_gets_one_answer(
        database_url: str, fake_line: FakeLine, tmp_path: Path, workers: list[subprocess.Popen]) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    trainees = [f"U{n:032x}" for n in range(1, TRAINEES + 1)]
    fake_line.state.faults.configure(FaultConfig(latency_ms=300, paths=(REPLY,)))
    env = {**os.environ, "DATABASE_URL": database_url, "LINE_API_BASE_URL": fake_line.base_url,
           "LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
           "KENSHU_SECRET_KEY": "test-secret-key", "KENSHU_DISPATCH": "worker", "KENSHU_DEMO": "0"}
    env.pop("KENSHU_NOW", None)

    def answered() -> int:
        return len({uid for path in (REPLY, PUSH) for record in fake_line.state.requests(path)
                    if record.accepted for uid in record.recipients})

    def start_worker(name: str) -> subprocess.Popen:
        process = subprocess.Popen([KENSHU, "worker", "--processes", "1", "--nice", "0"], env=env,
                                   stdout=(tmp_path / f"{name}.out").open("wb"),
                                   stderr=(tmp_path / f"{name}.log").open("wb"), start_new_session=True)
        workers.append(process)
        return process

    def ready(name: str) -> bool:  # it prints its first line once warmed up, just before its first claim
        return "handling stored events" in (tmp_path / f"{name}.out").read_text()

    first, _ = start_worker("first"), start_worker("second")
    wait_until(lambda: ready("first") and ready("second"), 180, "both workers to start")
    events = [simulator.text_event(uid, "修了証の条件は？", fake_line.state.issue_reply_token(uid)) for uid in trainees]
    assert post_events(web.test_client(), events).status_code == 200
    db = Services.of(web).db

    def holders() -> int:  # workers holding events; a worker that decides fast can be answering before the other claims
        with db.session() as session:
            return session.scalar(select(func.count(func.distinct(InboxEvent.claimed_by)))
                                  .where(InboxEvent.status == InboxStatus.PROCESSING)) or 0

    wait_until(lambda: holders() == 2, 120, "both workers to hold events")
    wait_until(lambda: answered() >= 5, 120, "the workers to start answering")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert answered() < TRAINEES, "the first worker finished before it was killed; nothing was left to take over"

    def finished() -> bool:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(InboxEvent)
                                  .where(InboxEvent.status == InboxStatus.DONE)) == TRAINEES

    wait_until(finished, 120, "every event to be handled")

    accepted = [uid for path in (REPLY, PUSH) for record in fake_line.state.requests(path)
                if record.accepted for uid in record.recipients]
    assert sorted(accepted) == trainees  # each trainee exactly once
    with db.session() as session:
        statuses = dict(session.execute(select(OutboxAnswer.status, func.count()).group_by(OutboxAnswer.status)).all())
    assert statuses == {AnswerStatus.SENT: TRAINEES}
    with db.session() as session:
        taken_over = session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.attempts > 1))
    assert taken_over, "the killed worker held no event: nothing was taken over"
