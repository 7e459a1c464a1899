"""In Chromium: a clerk sets a tentative event's date, deletes a trainee's data after confirming,
saves shared joining details that come back masked, and audits a fact's source."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.db.tables import EventDate, LineUser
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION, add_users, browser_login, console_user

LIVE = "nanchisei-tokyo-r5/live_stream/clozapine-advanced-live/nanchisei-tokyo-r5-clozapine-advanced"


def test_a_clerk_sets_the_date_of_a_live_stream_announced_roughly(app: Flask, console_url: str, page: Page,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", "2023-09-01T09:00")
    console_user(app, "clerk@example.jp", role="sender")
    browser_login(page, console_url, "clerk@example.jp")
    page.get_by_role("link", name="リマインダー").click()
    row = page.get_by_role("row").filter(has_text=LIVE)
    row.get_by_label("日付").fill("2023-10-28")
    row.get_by_label("開始時刻").fill("18:00")
    row.get_by_role("button", name="設定").click()

    expect(page.get_by_role("status").filter(has_text="2023-10-28 18:00 に設定しました")).to_be_visible()
    with Services.of(app).db.session() as session:
        assert session.get(EventDate, LIVE) is not None


def test_a_clerk_deletes_a_trainees_data_only_after_confirming(app: Flask, console_url: str, page: Page) -> None:
    add_users(app, 1, prefix="Uhanako", display_name="山田花子")
    console_user(app, "clerk@example.jp", role="sender")
    browser_login(page, console_url, "clerk@example.jp")
    page.get_by_role("link", name="受講者").click()
    page.get_by_role("searchbox").fill("山田")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("row").filter(has_text="山田花子").get_by_role("link", name="データ削除").click()

    expect(page.get_by_text("元に戻せません")).to_be_visible()
    with Services.of(app).db.session() as session:
        assert session.scalar(select(LineUser).where(LineUser.display_name == "山田花子")) is not None
    page.get_by_role("button", name="この受講者のデータを削除する").click()

    expect(page.get_by_text("受講者のデータを削除しました")).to_be_visible()
    with Services.of(app).db.session() as session:
        assert session.scalar(select(LineUser).where(LineUser.display_name == "山田花子")) is None


def test_shared_details_come_back_masked_and_facts_show_their_source(app: Flask, console_url: str,
                                                                     page: Page) -> None:
    console_user(app, "clerk@example.jp", role="admin")
    browser_login(page, console_url, "clerk@example.jp")
    page.goto(f"{console_url}/credentials/?edition={NANCHISEI_EDITION}")
    page.get_by_label("ツール").fill("Zoom")
    page.get_by_label("パスワード・パスコード").fill("zoompass99")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("cell", name="zo******99")).to_be_visible()
    assert "zoompass99" not in page.content()

    page.get_by_role("link", name="研修データ").click()
    page.get_by_label("研修（年度）").select_option(NANCHISEI_EDITION)
    page.get_by_role("button", name="表示").click()
    expect(page.get_by_role("cell").filter(has_text="000_45e7f4eef985b402.txt").first).to_be_visible()
    page.get_by_role("link", name="いま検査する").click()
    expect(page.get_by_text("問題ありません")).to_be_visible()
