"""In Chromium: a clerk uploads a Shift_JIS roster with one bad row, reads the report, then confirms.

With ``KENSHU_SCREENSHOTS=DIR`` the report is saved as ``DIR/console-roster-report.png``
(the README's picture: ``KENSHU_SCREENSHOTS=docs ./scripts/test tests/test_console_browser_roster.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers import NANCHISEI_EDITION, browser_login, console_user, enrolments

CP932_ROSTER = Path(__file__).parent / "fixtures" / "roster_nanchisei_cp932.csv"


def test_a_shift_jis_roster_with_a_bad_row_is_imported_only_after_the_clerk_confirms(
        app: Flask, console_url: str, page: Page) -> None:
    console_user(app, "clerk@example.jp", role="sender")
    browser_login(page, console_url, "clerk@example.jp")
    page.get_by_role("link", name="名簿").click()
    page.get_by_label("研修（年度）").select_option(NANCHISEI_EDITION)
    page.get_by_role("button", name="表示").click()

    page.get_by_label("CSVファイル").set_input_files(str(CP932_ROSTER))
    page.get_by_role("button", name="ファイルを確認").click()

    report = page.locator("#report")
    expect(report.get_by_text("4行目: コース「漢方研修」はこの研修にありません")).to_be_visible()
    expect(report.get_by_text("まだ何も取り込んでいません")).to_be_visible()
    expect(page).to_have_url(f"{console_url}/roster/?edition={NANCHISEI_EDITION}")  # htmx: the page stayed
    assert enrolments(app) == {}
    if os.environ.get("KENSHU_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["KENSHU_SCREENSHOTS"]) / "console-roster-report.png"),
                        full_page=True)

    page.get_by_role("button", name="問題のない3行を取り込む").click()

    expect(page.get_by_role("heading", name="取り込みました")).to_be_visible()
    assert sorted(enrolments(app)) == ["N-001", "N-002", "N-004"]
    page.get_by_role("link", name="戻る").click()
    expect(page.get_by_role("cell", name="髙橋 一郎")).to_have_count(0)
    expect(page.get_by_role("cell", name="山田 花子")).to_be_visible()


def test_a_viewer_checks_a_roster_but_cannot_import_it(app: Flask, console_url: str, page: Page) -> None:
    console_user(app, "viewer@example.jp", role="viewer")
    browser_login(page, console_url, "viewer@example.jp")
    page.goto(f"{console_url}/roster/?edition={NANCHISEI_EDITION}")
    page.get_by_label("CSVファイル").set_input_files(str(CP932_ROSTER))
    page.get_by_role("button", name="ファイルを確認").click()

    expect(page.get_by_text("4行目: コース「漢方研修」はこの研修にありません")).to_be_visible()
    expect(page.get_by_role("button", name="問題のない3行を取り込む")).to_have_count(0)
    expect(page.get_by_text("連携コードをダウンロード")).to_have_count(0)
