"""``kenshu worker`` answers a new event as soon as it is stored, not at its next poll (PostgreSQL).

The webhook's transaction sends NOTIFY; the idle worker waits on LISTEN. The worker
here polls only every 60 seconds, so an answer within the test's 20 seconds came
from the notification. SQLite has no signal between processes: there the worker
keeps its short poll (the other worker tests run it).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.line.worker import EventWorker
from tests.helpers import make_app, post_events

REPLY = "/v2/bot/message/reply"


def ask(web_client: Any, fake_line: FakeLine, user: str) -> str:
    """Store one question as LINE would send it; its reply token."""
    token = fake_line.state.issue_reply_token(user)
    assert post_events(web_client, [simulator.text_event(user, "修了証", token)]).status_code == 200
    return token


def answered(fake_line: FakeLine, token: str, seconds: float = 20) -> bool:
    """Whether LINE accepts a reply with ``token`` within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(r.status == 200 and r.body.get("replyToken") == token for r in fake_line.state.requests(REPLY)):
            return True
        time.sleep(0.05)
    return False


def test_an_idle_worker_answers_a_new_event_without_waiting_for_its_poll(database_url, fake_line):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no signal between processes: the worker polls")
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker").test_client()
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    thread = threading.Thread(target=worker.run_worker, kwargs={"threads": 2, "poll_seconds": 60, "nice": 0})
    thread.start()
    user = "U" + "7" * 32
    try:
        assert answered(fake_line, ask(web, fake_line, user))  # the worker's first look, or the notification
        assert answered(fake_line, ask(web, fake_line, user))  # the worker is idle now, 60 s from its next poll
    finally:
        worker.stop()
        thread.join()
