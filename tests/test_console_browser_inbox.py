"""In Chromium: a trainee asks for a person on LINE, a clerk answers in 問い合わせ, the bot waits, then resumes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from tests.helpers import NANCHISEI_EDITION, browser_login, console_user, enrol, follow

REPLY = "修了証は研修終了後1か月ほどで郵送します。"


def pushes_to(fake_line: FakeLine, user: str) -> list[Any]:
    return [r for r in fake_line.state.requests()
            if r.accepted and r.path.endswith("/message/push") and user in r.recipients]


def test_a_clerk_answers_a_trainee_who_asked_for_a_person_and_the_bot_resumes_after_done(
        app: Flask, line: LocalLine, fake_line: FakeLine, console_url: str, page: Page,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", "2023-06-28T10:00")
    trainee = follow(line, "browser trainee")
    enrol(app, NANCHISEI_EDITION, "nanchisei-tokyo-r5-clozapine-basic", "N-777", trainee)
    user = trainee.line_user_id
    line.say(user, "修了証はいつ届きますか")
    line.say(user, "担当者と話したい")
    line.postback(user, "action=handoff")
    assert line.say(user, "修了証が届いていないのですが") == []  # with the staff: the bot is quiet

    console_user(app, "clerk@example.jp", role="sender")
    browser_login(page, console_url, "clerk@example.jp")
    expect(page.get_by_test_id("inquiries-waiting")).to_have_text("1")
    page.get_by_role("link", name="問い合わせ", exact=True).click()
    row = page.locator("#inbox tbody tr").first
    expect(row).to_contain_text("要対応")
    expect(row.get_by_test_id("unread")).to_have_text("1")
    row.get_by_role("link", name="受講者N-777").click()

    expect(page.get_by_test_id("line-bot").first).to_be_visible()  # the bot's answers before the handoff
    expect(page.locator("#lines")).to_contain_text("修了証が届いていないのですが")
    expect(page.get_by_text("申込番号 N-777")).to_be_visible()
    page.get_by_label("返信", exact=True).fill(REPLY)
    page.get_by_label("修了証").check()
    page.get_by_role("button", name="送信する", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("返信を送信しました。")
    expect(page.get_by_test_id("conversation-status")).to_have_text("対応中")
    expect(page.get_by_test_id("line-staff")).to_contain_text(REPLY)

    [push] = pushes_to(fake_line, user)
    assert [m["text"] for m in push.messages] == [REPLY]
    assert [i["action"]["label"] for i in push.messages[0]["quickReply"]["items"]] == ["ボットに戻る", "修了証"]
    page.reload()  # reading the page again sends nothing again
    assert len(pushes_to(fake_line, user)) == 1
    assert line.say(user, "ありがとうございます") == []  # still with the staff

    page.get_by_role("button", name="対応済みにする", exact=True).click()
    expect(page.get_by_test_id("conversation-status")).to_have_text("対応済み")
    expect(page.get_by_label("返信", exact=True)).to_have_count(0)
    assert "修了" in str(line.say(user, "修了証の条件は？"))  # the bot answers again
    assert len(pushes_to(fake_line, user)) == 1
