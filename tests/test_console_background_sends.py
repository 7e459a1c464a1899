"""A send from the console returns at once: a background thread (or the clock) sends it, the history shows progress."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import select

from bot.db.tables import AuditEntry, Dispatch
from bot.devtools.fake_line import FakeLine
from bot.secretariat import announcements
from bot.services import Services
from tests.helpers import (
    ECMO_TRAINING,
    add_users,
    console_login,
    console_user,
    csrf_token,
    newest_dispatch,
    received_counts,
    wait_for_dispatch,
)

PAGE = "/console/announcements/"


def status_of(app: Flask, dispatch_id: int) -> str:
    with Services.of(app).db.session() as session:
        return str(session.scalar(select(Dispatch.status).where(Dispatch.id == dispatch_id)))


def send_from_console(app: Flask, text: str) -> int:
    console_user(app, "sender@example.jp", role="sender")
    client = app.test_client()
    console_login(client, "sender@example.jp")
    answer = client.post(f"{PAGE}send", data={"csrf_token": csrf_token(client, PAGE),
                                              "audience": f"training:{ECMO_TRAINING}", "text": text})
    assert answer.status_code == 302
    return newest_dispatch(app)


def test_the_request_returns_before_line_has_answered_and_the_history_shows_the_progress(
        app: Flask, fake_line: FakeLine) -> None:
    subscribers = add_users(app, 3, training=ECMO_TRAINING)
    fake_line.state.set_faults(latency_ms=1500, paths=["*/multicast"])
    console_user(app, "sender@example.jp", role="sender")
    client = app.test_client()
    console_login(client, "sender@example.jp")

    answer = client.post(f"{PAGE}send", data={"csrf_token": csrf_token(client, PAGE),
                                              "audience": f"training:{ECMO_TRAINING}", "text": "後日お送りします"},
                         follow_redirects=True)
    dispatch_id = newest_dispatch(app)

    assert status_of(app, dispatch_id) in ("scheduled", "sending")  # LINE has not answered yet
    page = answer.get_data(as_text=True)
    assert f"#{dispatch_id} を3人に送信しています" in page
    assert 'hx-trigger="every 2s"' in page  # the history reloads itself while a send is moving
    assert 'data-testid="send-progress">0 / 3<' in page
    assert wait_for_dispatch(app, dispatch_id) == "done"
    assert received_counts(fake_line) == {user: 1 for user in subscribers}
    assert 'hx-trigger="every 2s"' not in client.get(f"{PAGE}history").get_data(as_text=True)


def test_the_clock_reaching_the_same_send_at_once_sends_nobody_anything_twice(
        app: Flask, fake_line: FakeLine) -> None:
    subscribers = add_users(app, 600, training=ECMO_TRAINING)  # two multicasts of at most 500
    fake_line.state.set_faults(latency_ms=200, paths=["*/multicast"])
    dispatch_id = send_from_console(app, "二重送信のないこと")
    clock_run = threading.Thread(target=announcements.run_due, args=(Services.of(app),))
    clock_run.start()
    clock_run.join()

    assert wait_for_dispatch(app, dispatch_id) == "done"
    assert received_counts(fake_line) == {user: 1 for user in subscribers}


def test_kenshu_announce_resume_is_audited_as_the_os_user(app: Flask, fake_line: FakeLine) -> None:
    add_users(app, 2, training=ECMO_TRAINING)
    dispatch_id = send_from_console(app, "再開の記録")
    wait_for_dispatch(app, dispatch_id)

    result = app.test_cli_runner().invoke(args=["announce", "resume", str(dispatch_id)])

    assert result.exit_code == 0, result.output
    with Services.of(app).db.session() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.actor.startswith("cli:") and entry.action == "send"
    assert entry.target == f"#{dispatch_id} training:{ECMO_TRAINING}" and entry.detail.startswith("resumed")
