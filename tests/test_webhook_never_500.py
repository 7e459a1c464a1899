"""Webhook bodies that must never be a 500 (too deep, too long, chunked), and the readiness check."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.db.tables import InboxEvent, InboxStatus
from bot.devtools import simulator
from bot.services import Services
from tests.helpers import CHANNEL_SECRET, make_app


def inbox_rows(app) -> list[InboxEvent]:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def post_signed(client, body: str, **kwargs):  # type: ignore[no-untyped-def]
    headers = {"X-Line-Signature": simulator.sign(body, CHANNEL_SECRET), "Content-Type": "application/json"}
    return client.post("/callback", data=body.encode(), headers=headers, **kwargs)


def test_deeply_nested_signed_body_is_a_400(client, app):
    depth = 100_000
    body = '{"events": [{"type": "message", "deep": ' + "[" * depth + "]" * depth + "}]}"
    response = post_signed(client, body)
    assert response.status_code == 400
    assert response.get_json() == {"message": "malformed webhook body"}
    assert inbox_rows(app) == []


# gunicorn (like any WSGI server that decodes chunked bodies) says so in the environ.
SERVER_DECHUNKS = {"wsgi.input_terminated": True}


def test_chunked_body_over_one_mebibyte_is_a_413(client, app):
    body = simulator.webhook_body([]) + " " * (1024 * 1024)
    headers = {
        "X-Line-Signature": simulator.sign(body, CHANNEL_SECRET),
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }
    response = client.post(
        "/callback", input_stream=io.BytesIO(body.encode()), headers=headers, environ_overrides=SERVER_DECHUNKS
    )
    assert response.status_code == 413
    assert inbox_rows(app) == []


def test_chunked_body_under_the_limit_is_accepted(client, app, fake_line, user_id):
    body = simulator.webhook_body([simulator.follow_event(user_id, fake_line.state.issue_reply_token(user_id))])
    headers = {
        "X-Line-Signature": simulator.sign(body, CHANNEL_SECRET),
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }
    response = client.post(
        "/callback", input_stream=io.BytesIO(body.encode()), headers=headers, environ_overrides=SERVER_DECHUNKS
    )
    assert response.status_code == 200
    assert [row.status for row in inbox_rows(app)] == [InboxStatus.DONE]


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path, fake_line):
    app = make_app(f"sqlite:///{tmp_path / 'no-such-directory' / 'kenshu.db'}", fake_line)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["database"] and "\n" not in body["database"] and len(body["database"]) <= 200
