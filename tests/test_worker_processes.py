"""Several worker processes: ``kenshu worker --processes N``, and claims that let them share a backlog.

One Python process answers on one core at a time, so a second core needs a second
worker process. They share nothing but the database: each event is decided once,
each user's questions are answered in order, and a process that dies is replaced
(its events taken over by lease, ``test_worker_killed_mid_stream.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot import clock
from bot.db import Database
from bot.db.tables import AnswerStatus, InboxEvent, InboxStatus, OutboxAnswer
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine, FaultConfig
from bot.line import inbox
from bot.line.webhook import HANDLED_EVENT_TYPES
from bot.line.worker_processes import supervise
from bot.services import Services
from tests.helpers import ACCESS_TOKEN, CHANNEL_SECRET, make_app, post_events, wait_until

KENSHU = str(Path(sys.executable).parent / "kenshu")
REPLY = "/v2/bot/message/reply"


def children(pid: int) -> set[int]:
    try:
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:
        return set()


def running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def supervisor(database_url: str, fake_line: FakeLine, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """``kenshu worker --processes 2``, stopped (and its processes with it) at the end."""
    env = {**os.environ, "DATABASE_URL": database_url, "LINE_API_BASE_URL": fake_line.base_url,
           "LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
           "KENSHU_SECRET_KEY": "test-secret-key", "KENSHU_DISPATCH": "worker", "KENSHU_DEMO": "0"}
    env.pop("KENSHU_NOW", None)
    output = tmp_path / "worker.out"
    process = subprocess.Popen([KENSHU, "worker", "--processes", "2", "--nice", "0"], env=env,
                               stdout=output.open("wb"), stderr=(tmp_path / "worker.log").open("wb"))
    wait_until(lambda: output.read_text().count("handling stored events") == 2, 240, "both processes to start")
    yield process
    for child in children(process.pid):
        os.kill(child, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait(timeout=20)


def planned_as_nearly_empty(db: Database) -> None:
    """PostgreSQL: the inbox's statistics say one row, as when it was last analysed nearly empty.

    The planner then runs a claim written as ``id IN (SELECT ... LIMIT n FOR UPDATE
    SKIP LOCKED)`` as a nested loop that runs the subquery again for each inbox row;
    each run skips the rows the statement has already claimed, so one claim took every
    candidate instead of ``n``. SQLite has no such statistics: nothing to do.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE inbox_events"))
        connection.execute(text("UPDATE pg_class SET reltuples = 1, relpages = 1 WHERE relname = 'inbox_events' "
                                "AND relnamespace = current_schema()::regnamespace"))


def test_a_second_worker_handed_the_same_candidates_takes_the_next_free_events(db: Database) -> None:
    """Two claims of the same candidates at once: each takes its limit, and no event goes to both."""
    events = [simulator.text_event(f"U{n:032x}", "修了証", f"token-{n}") for n in range(6)]
    with db.engine.begin() as connection:
        ids = inbox.store(connection, events, HANDLED_EVENT_TYPES, clock.system_now())
    planned_as_nearly_empty(db)
    with db.session() as session:  # both workers search at the same moment: the same oldest candidates
        candidates = [row.id for row in inbox.abandoned(session, clock.system_now(), grace=timedelta(0))]
    with db.session() as first:
        # On PostgreSQL the first worker's claim stays uncommitted while it decides its batch.
        won_first = inbox.claim(first, candidates, "worker-a", clock.system_now(), limit=2)
        if db.engine.dialect.name == "sqlite":
            first.commit()
        with db.session() as second:
            won_second = inbox.claim(second, candidates, "worker-b", clock.system_now(), limit=2)
    assert [row.id for row in won_first] == ids[:2]
    assert [row.id for row in won_second] == ids[2:4]
    with db.session() as session:
        holders = session.execute(select(InboxEvent.id, InboxEvent.claimed_by).order_by(InboxEvent.id)).all()
    assert [holder for _, holder in holders] == ["worker-a"] * 2 + ["worker-b"] * 2 + [None] * 2


def test_two_worker_processes_answer_every_question_once_and_each_users_in_order(
        supervisor: subprocess.Popen, database_url: str, fake_line: FakeLine) -> None:
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    fake_line.state.faults.configure(FaultConfig(latency_ms=100, paths=(REPLY,)))
    trainees = [f"U{n:032x}" for n in range(1, 31)]
    asked: dict[str, tuple[str, int]] = {}
    for number in range(3):  # each trainee asks three questions, one webhook after the other
        events = []
        for uid in trainees:
            token = fake_line.state.issue_reply_token(uid)
            asked[token] = (uid, number)
            events.append(simulator.text_event(uid, "修了証の条件は？", token))
        assert post_events(web.test_client(), events).status_code == 200
    db = Services.of(web).db

    def done() -> int:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(InboxEvent)
                                  .where(InboxEvent.status == InboxStatus.DONE)) or 0

    wait_until(lambda: done() == len(asked), 180, "every question to be answered")
    replies = [record for record in fake_line.state.requests(REPLY) if record.accepted]
    assert sorted(record.body["replyToken"] for record in replies) == sorted(asked)  # each once, by reply
    for uid in trainees:
        assert [asked[record.body["replyToken"]] for record in replies if record.recipients == [uid]] == [
            (uid, 0), (uid, 1), (uid, 2)]
    with db.session() as session:
        assert session.scalar(select(func.count(func.distinct(InboxEvent.claimed_by)))) == 2  # both answered
        assert dict(session.execute(select(OutboxAnswer.status, func.count())
                                    .group_by(OutboxAnswer.status)).all()) == {AnswerStatus.SENT: len(asked)}


def test_a_worker_process_that_dies_is_replaced_and_sigterm_stops_them_all(supervisor: subprocess.Popen) -> None:
    started = children(supervisor.pid)
    assert len(started) == 2
    dead = min(started)
    os.kill(dead, signal.SIGKILL)
    wait_until(lambda: len(children(supervisor.pid) - {dead}) == 2, 30, "another process to be started")
    running = children(supervisor.pid)
    supervisor.send_signal(signal.SIGTERM)
    supervisor.wait(timeout=60)
    assert not [pid for pid in running if Path(f"/proc/{pid}").exists()]


def test_processes_that_exit_as_soon_as_they_start_make_the_supervisor_stop_with_status_1() -> None:
    started = time.monotonic()
    status = supervise(["false"], 2, restart_pause=0.05)  # e.g. a DATABASE_URL no process can reach
    assert status == 1
    assert time.monotonic() - started < 10  # gives up after a few restarts, not a loop for ever


def test_a_supervisor_killed_outright_takes_its_worker_processes_with_it(tmp_path: Path) -> None:
    script = "from bot.line.worker_processes import supervise; supervise(['sleep', '60'], 2)"
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        wait_until(lambda: len(children(process.pid)) == 2, 30, "both processes to start")
        started = children(process.pid)
        process.kill()  # SIGKILL: no handler runs in the supervisor
        process.wait(timeout=10)
        wait_until(lambda: not [pid for pid in started if running(pid)], 10, "the orphaned processes to be stopped")
    finally:
        for pid in children(process.pid):
            os.kill(pid, signal.SIGKILL)
