"""Quick replies under an announcement: written by the clerk, checked against LINE's limits, accepted by LINE's contract."""

from __future__ import annotations

import pytest
from flask import Flask

from bot.devtools.fake_line import FakeLine
from bot.secretariat import announcements
from bot.services import Services
from tests.helpers import ECMO_TRAINING, add_users, console_login, console_user, csrf_token


def announce(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["announce", "--audience", f"training:{ECMO_TRAINING}", *args])


def test_thirteen_quick_replies_reach_every_subscriber_as_line_accepts_them(app: Flask, fake_line: FakeLine) -> None:
    subscribers = add_users(app, 3, training=ECMO_TRAINING)
    buttons = ["日程", "修了証|修了証の条件は？", "申込方法 ｜ 申込方法を教えて"] + [f"質問{n}" for n in range(10)]

    result = announce(app, "--text", "受講案内を更新しました。", *[f"--quick-reply={b}" for b in buttons])

    assert result.exit_code == 0, result.output
    [multicast] = [record for record in fake_line.state.requests() if record.path.endswith("/multicast")]
    assert multicast.accepted and sorted(multicast.recipients) == sorted(subscribers)  # the contract let it through
    items = multicast.messages[0]["quickReply"]["items"]
    assert [(item["action"]["label"], item["action"]["text"]) for item in items[:3]] == [
        ("日程", "日程"), ("修了証", "修了証の条件は？"), ("申込方法", "申込方法を教えて")]
    assert len(items) == 13 and {item["action"]["type"] for item in items} == {"message"}


def test_a_fourteenth_button_or_a_long_label_is_refused_in_japanese_and_nothing_is_sent(
        app: Flask, fake_line: FakeLine) -> None:
    add_users(app, 2, training=ECMO_TRAINING)

    too_many = announce(app, "--text", "お知らせ", *[f"--quick-reply=質問{n}" for n in range(14)])
    too_long = announce(app, "--text", "お知らせ", "--quick-reply", "あ" * 21)

    assert too_many.exit_code != 0 and "LINEで表示できるのは 13 個までです" in too_many.output
    assert too_long.exit_code != 0 and "20 文字を超えています" in too_long.output
    assert not [record for record in fake_line.state.requests() if record.path.endswith("/multicast")]


def test_the_use_case_checks_the_text_a_button_sends() -> None:
    with pytest.raises(announcements.QuickReplyTextTooLong):
        announcements.quick_replies_of([f"長い|{'あ' * 301}"])
    assert announcements.quick_replies_of(["", "  日程  "]) == (announcements.QuickReply("日程", "日程"),)


def test_the_preview_shows_the_buttons_and_an_error_beyond_the_limit(app: Flask) -> None:
    console_user(app, "viewer@example.jp", role="viewer")
    client = app.test_client()
    console_login(client, "viewer@example.jp")
    token = csrf_token(client, "/console/announcements/")

    preview = client.post("/console/announcements/draft", headers={"X-CSRFToken": token}, data={
        "audience": "all", "text": "お知らせ", "quick_replies": "日程\n修了証 | 修了証の条件は？"}).get_data(as_text=True)
    refused = client.post("/console/announcements/draft", headers={"X-CSRFToken": token}, data={
        "audience": "all", "text": "お知らせ", "quick_replies": "\n".join(f"q{n}" for n in range(14))}).get_data(as_text=True)

    assert 'data-testid="preview-quick-replies"' in preview
    assert '<span title="修了証の条件は？">修了証</span>' in preview
    assert "13 個までです" in refused


def test_a_stored_announcement_keeps_its_quick_replies(app: Flask) -> None:
    add_users(app, 1, training=ECMO_TRAINING)
    services = Services.of(app)
    draft = announcements.prepare(services, "all", "お知らせ", quick_replies=(announcements.QuickReply("日程", "日程は？"),))
    assert draft.content["messages"][0]["quickReply"]["items"][0]["action"] == {
        "type": "message", "label": "日程", "text": "日程は？"}
