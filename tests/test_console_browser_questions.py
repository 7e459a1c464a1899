"""In Chromium: trainees ask what the bot cannot answer outright; a clerk opens 質問ログ from the dashboard,
adds one question as an example of its entry (the bot then answers it) and marks the other handled."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask import Flask
from playwright.sync_api import Page, expect

from bot.devtools.local_line import LocalLine
from tests.helpers import JUNE_27_2023, browser_login, console_user

UNSURE = "ECT研修 受講票は届きますか"  # "did you mean": 受講URL・IDの案内 among the choices
OFF_TOPIC = "おすすめのラーメン屋は"  # out of scope


@pytest.fixture
def app(review_app: Flask) -> Flask:
    """The served app works on a copy of data/: assigning writes reviewed.yaml and retrains."""
    return review_app


def test_a_clerk_adds_one_question_as_an_example_and_marks_another_handled(
        app: Flask, line: LocalLine, own_data: Path, console_url: str, page: Page,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    assert "どれかでしょうか" in line.say("U" + "a" * 32, UNSURE)[0]["text"]
    line.say("U" + "b" * 32, OFF_TOPIC)
    console_user(app, "clerk@example.jp", role="sender")
    browser_login(page, console_url, "clerk@example.jp")

    page.get_by_role("link", name="確認待ちの質問：2件").click()
    expect(page.get_by_role("heading", name="質問ログ")).to_be_visible()
    unsure = page.get_by_role("row").filter(has_text=UNSURE)
    expect(unsure).to_contain_text("候補を提示")
    expect(unsure).to_contain_text("受講URL・IDの案内")
    unsure.get_by_role("combobox").select_option(label="受講URL・IDの案内")
    unsure.get_by_role("button", name="例文に追加").click()
    expect(page.get_by_role("status")).to_contain_text("「受講URL・IDの案内」の例文に追加しました")
    expect(page.get_by_role("row").filter(has_text=UNSURE)).to_have_count(0)

    page.get_by_role("row").filter(has_text=OFF_TOPIC).get_by_role("button", name="対応済みにする").click()
    expect(page.get_by_role("status")).to_contain_text("対応済みにしました")
    expect(page.get_by_text("確認待ちの質問はありません。")).to_be_visible()

    examples = yaml.safe_load((own_data / "faq" / "examples" / "reviewed.yaml").read_text(encoding="utf-8"))
    assert examples["examples"] == {"login-details": [UNSURE]}
    assert "どれかでしょうか" not in line.say("U" + "c" * 32, UNSURE)[0]["text"]  # answered outright now
