"""A clerk links their own LINE account with a one-time code, then test-sends a draft there alone, audited."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot import clock
from bot.db.tables import AuditEntry, ConsoleUser, Dispatch, LineUser
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.devtools.visible_text import visible_text
from bot.secretariat import clerk_line
from bot.services import Services
from bot.trainees.link_throttle import MAX_WRONG_CODES
from tests.helpers import (
    ECMO_TRAINING,
    add_users,
    console_login,
    console_user,
    csrf_token,
    ledger,
    newest_dispatch,
    wait_for_dispatch,
)

CLERK_LINE = "U" + "c1e4c" * 6 + "abc"
PAGE = "/console/announcements/"


def issue_code(client: FlaskClient) -> str:
    """Press 「LINE連携コードを発行」 and read the code the page shows."""
    page = client.post(f"{PAGE}line-code", data={"csrf_token": csrf_token(client, PAGE)}).get_data(as_text=True)
    found = re.search(r'data-testid="line-code">連携 ([A-Z0-9-]+)<', page)
    assert found, "no code on the page"
    return found.group(1)


def signed_in_sender(app: Flask, email: str = "sender@example.jp") -> FlaskClient:
    console_user(app, email, role="sender")
    client = app.test_client()
    assert console_login(client, email).status_code == 302
    return client


def linked_line_user(app: Flask, email: str) -> str | None:
    with Services.of(app).db.session() as session:
        return session.scalar(select(LineUser.line_user_id).join(ConsoleUser, ConsoleUser.line_user_id == LineUser.id)
                              .where(ConsoleUser.email == email))


def audit_details(app: Flask) -> list[tuple[str, str, str | None, str | None]]:
    with Services.of(app).db.session() as session:
        return [(e.actor, e.action, e.target, e.detail) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_a_clerk_links_their_line_with_a_code_and_a_test_send_reaches_them_alone_through_the_ledger(
        app: Flask, line: LocalLine, fake_line: FakeLine) -> None:
    trainees = add_users(app, 5, training=ECMO_TRAINING)
    client = signed_in_sender(app)
    line.follow(CLERK_LINE)
    code = issue_code(client)

    reply = visible_text(line.say(CLERK_LINE, f"連携 {code}"))

    assert "管理画面のアカウント sender@example.jp に連携しました" in reply
    assert linked_line_user(app, "sender@example.jp") == CLERK_LINE
    assert "自分のLINEにテスト送信" in client.get(PAGE).get_data(as_text=True)
    fake_line.state.clear_requests()

    answer = client.post(f"{PAGE}test-send", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf_token(client, PAGE), "audience": f"training:{ECMO_TRAINING}", "text": "テスト：明日の配信",
        "quick_replies": "日程\n修了証 | 修了証の条件は？"})

    assert answer.status_code == 200 and "テスト送信しました" in answer.get_data(as_text=True)
    dispatch_id = newest_dispatch(app)
    assert wait_for_dispatch(app, dispatch_id) == "done"
    accepted = [record for record in fake_line.state.requests() if record.accepted]
    assert [record.recipients for record in accepted] == [[CLERK_LINE]]
    message = accepted[0].messages[0]
    assert message["text"] == "テスト：明日の配信"
    assert [item["action"]["text"] for item in message["quickReply"]["items"]] == ["日程", "修了証の条件は？"]
    assert [row.status for row in ledger(app, dispatch_id)] == ["sent"]
    assert not set(trainees) & {user for record in accepted for user in record.recipients}
    entries = audit_details(app)
    assert ("sender@example.jp", "user_change", "sender@example.jp", "LINE link code issued") in entries
    assert ("sender@example.jp", "user_change", "sender@example.jp", "LINE account linked (from LINE)") in entries
    assert ("sender@example.jp", "send", f"#{dispatch_id} test to own LINE", "1 recipient") in entries
    assert code.replace("-", "") not in str(entries)
    history = client.get(PAGE).get_data(as_text=True)
    assert "テスト送信（自分のLINE）" in history


def test_a_code_links_once_and_expires_and_only_its_hash_is_stored(app: Flask, line: LocalLine) -> None:
    client = signed_in_sender(app)
    code = issue_code(client)
    with Services.of(app).db.session() as session:
        stored = session.scalars(select(ConsoleUser)).one().link_code_hash
    assert stored == clerk_line.code_hash(Services.of(app).secret_key, code) and code.replace("-", "") not in stored

    line.say(CLERK_LINE, f"連携 {code}")
    second = visible_text(line.say("U" + "0" * 32, f"連携 {code}"))

    assert "見つかりませんでした" in second  # used: to anyone else it is an unknown code
    assert linked_line_user(app, "sender@example.jp") == CLERK_LINE

    client.post(f"{PAGE}line-unlink", data={"csrf_token": csrf_token(client, PAGE)})
    assert linked_line_user(app, "sender@example.jp") is None
    late = issue_code(client)
    with time_machine.travel(clock.now() + timedelta(minutes=clerk_line.CODE_VALID_MINUTES + 1)):
        expired = visible_text(line.say("U" + "1" * 32, late))
    assert "有効期限が切れています" in expired
    assert linked_line_user(app, "sender@example.jp") is None


def test_a_line_user_throttled_for_wrong_codes_cannot_link_with_a_clerks_code(app: Flask, line: LocalLine) -> None:
    client = signed_in_sender(app)
    code = issue_code(client)
    for _ in range(MAX_WRONG_CODES):
        line.say(CLERK_LINE, "連携 ABCDE-23456")

    refused = visible_text(line.say(CLERK_LINE, f"連携 {code}"))

    assert "1時間ほど" in refused or "時間をおいて" in refused
    assert linked_line_user(app, "sender@example.jp") is None


def test_without_a_linked_line_a_test_send_is_refused_and_nothing_is_stored(app: Flask, fake_line: FakeLine) -> None:
    client = signed_in_sender(app)
    answer = client.post(f"{PAGE}test-send", data={"csrf_token": csrf_token(client, PAGE), "text": "テスト"})

    assert answer.status_code == 400
    assert "先にご自身のLINEアカウントを連携してください" in answer.get_data(as_text=True)
    with Services.of(app).db.session() as session:
        assert session.scalars(select(Dispatch)).all() == []


def test_a_viewer_can_neither_issue_a_code_nor_test_send(app: Flask) -> None:
    console_user(app, "viewer@example.jp", role="viewer")
    client = app.test_client()
    console_login(client, "viewer@example.jp")
    token = csrf_token(client, PAGE)
    assert client.post(f"{PAGE}line-code", data={"csrf_token": token}).status_code == 403
    assert client.post(f"{PAGE}test-send", data={"csrf_token": token, "text": "x"}).status_code == 403
