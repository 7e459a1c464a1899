"""In Chromium: a clerk writes an announcement, watches the preview and the reach, confirms, sends, finds it in the history."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from playwright.sync_api import Page, expect

from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from tests.helpers import ECMO_TRAINING, NANCHISEI_TRAINING, add_users, browser_login, console_user

TEXT = "ECMO研修のライブ配信URLを後日お送りします。"
CLERK_LINE = "U" + "c1e4c" * 6 + "abc"


def test_a_sender_composes_checks_the_reach_test_sends_and_every_subscriber_gets_it_once_by_multicast(
        app: Flask, fake_line: FakeLine, line: LocalLine, console_url: str, page: Page) -> None:
    subscribers = add_users(app, 7, prefix="Uecmo", training=ECMO_TRAINING)
    add_users(app, 3, prefix="Unan", training=NANCHISEI_TRAINING)
    console_user(app, "sender@example.jp", role="sender")
    browser_login(page, console_url, "sender@example.jp")
    page.get_by_role("link", name="お知らせ配信").click()
    page.get_by_role("button", name="LINE連携コードを発行").click()
    code = (page.get_by_test_id("line-code").text_content() or "").removeprefix("連携 ")
    line.say(CLERK_LINE, f"連携 {code}")  # from the clerk's phone
    page.goto(f"{console_url}/announcements/")

    reach = page.get_by_test_id("reach-count")
    expect(reach).to_have_text("11")  # all followers, the clerk's own LINE among them
    page.get_by_label("配信先").select_option(f"training:{ECMO_TRAINING}")
    expect(reach).to_have_text("7")
    page.get_by_label("本文").fill(TEXT)
    expect(page.get_by_test_id("preview-bubble")).to_have_text(TEXT)
    page.get_by_label("クイックリプライ", exact=False).fill("日程\n修了証 | 修了証の条件は？")
    expect(page.get_by_test_id("preview-quick-replies")).to_have_text("日程修了証")

    page.get_by_role("button", name="自分のLINEにテスト送信").click()
    expect(page.get_by_test_id("test-send-result")).to_contain_text("テスト送信しました")
    expect(page.get_by_label("本文")).to_have_value(TEXT)  # the draft stays for the real send

    page.get_by_role("button", name="確認して送信…").click()
    expect(page.get_by_test_id("confirm-count")).to_have_text("7人に送信します")
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_role("status")).to_contain_text("7人に送信しています")
    history = page.locator("#history tbody tr").first
    expect(history).to_contain_text("配信済み", timeout=20_000)  # the history reloads itself until the send is done
    expect(history).to_contain_text("console: sender@example.jp")

    multicasts = [record for record in fake_line.state.requests()
                  if record.accepted and record.path.endswith("/multicast") and TEXT in str(record.messages)]
    received = Counter(user for record in multicasts for user in record.recipients)
    assert received == Counter(subscribers) + Counter({CLERK_LINE: 1})  # the test send reached the clerk alone
    assert all(len(record.messages[0]["quickReply"]["items"]) == 2 for record in multicasts)


def test_a_viewer_may_draft_but_sees_no_send_button_and_a_forged_send_gets_403(
        app: Flask, fake_line: FakeLine, console_url: str, page: Page) -> None:
    add_users(app, 2, training=ECMO_TRAINING)
    console_user(app, "viewer@example.jp", role="viewer")
    browser_login(page, console_url, "viewer@example.jp")
    page.goto(f"{console_url}/announcements/")
    page.get_by_label("本文").fill("下書き")
    expect(page.get_by_test_id("preview-bubble")).to_have_text("下書き")
    expect(page.get_by_role("button", name="確認して送信…")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    forged = page.request.post(f"{console_url}/announcements/send", form={
        "csrf_token": token, "audience": "all", "text": "forged"})
    assert forged.status == 403
    assert not [record for record in fake_line.state.requests() if "forged" in str(record.body)]
