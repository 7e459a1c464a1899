"""`kenshu ask` and `kenshu chat`: the bot through the webhook path, from a terminal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli.main import cli


@pytest.fixture
def fresh_demo_database(monkeypatch):  # type: ignore[no-untyped-def]
    """No LINE secrets, as on a new machine (the commands make their own demo database)."""
    monkeypatch.setenv("KENSHU_NOW", "2023-06-27T09:00:00+09:00")
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY", "LINE_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_ask_prints_the_reply_text(fresh_demo_database):
    result = CliRunner().invoke(cli, ["ask", "クロザピン研修のライブ配信はいつ？"])
    assert result.exit_code == 0, result.output
    assert "ライブ配信" in result.output
    assert "予定" in result.output  # a tentative window, never an invented day


def test_ask_json_gives_visible_text_and_the_messages_as_sent(fresh_demo_database):
    result = CliRunner().invoke(cli, ["ask", "--json", "クロザピン研修の修了証の条件は？"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert "修了証" in answer["text"]
    assert answer["messages"][0]["type"] in {"text", "flex"}
    labels = [item["action"]["label"] for item in answer["messages"][-1]["quickReply"]["items"]]
    assert all(label in answer["text"] for label in labels)


def test_ask_batch_answers_each_line_as_a_new_user_in_order(fresh_demo_database):
    result = CliRunner().invoke(cli, ["ask", "-"], input="ECMOの日程\n修了証\n")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert "ECMO" in first["text"]
    # A new user has no memory of ECMO, so a bare 修了証 asks which training.
    assert "ECMO" not in second["text"].splitlines()[0]


def test_chat_numbers_buttons_and_quick_replies_and_a_number_taps_one(fresh_demo_database):
    result = CliRunner().invoke(cli, ["chat"], input="通知設定\n1\n")
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output
    assert "お知らせをお送りします" in result.output


def test_ask_json_lines_keep_each_users_memory_and_clock(fresh_demo_database):
    lines = [
        {"text": "ECMOの研修に申し込みたい", "user": "alice", "now": "2025-08-05T09:00"},
        {"text": "費用は？", "user": "alice", "now": "2025-08-05T09:03"},
        {"text": "費用は？", "user": "bob", "now": "2025-08-05T09:03"},
        "修了証",
    ]
    batch = "\n".join(json.dumps(line, ensure_ascii=False) if isinstance(line, dict) else line for line in lines)
    result = CliRunner().invoke(cli, ["ask", "--json", "-"], input=batch + "\n")
    assert result.exit_code == 0, result.output
    apply, alice_fee, bob_fee, plain = (json.loads(line) for line in result.output.splitlines())
    assert "ecmonet.jp" in apply["text"]
    assert "ECMO" in alice_fee["text"] and "徴収いたしません" in alice_fee["text"]  # alice's conversation
    assert "どの研修" in bob_fee["text"]  # bob has none: asked which training
    assert alice_fee["user"] == apply["user"] != bob_fee["user"]
    assert plain["user"] not in (apply["user"], bob_fee["user"])


def test_ask_json_lines_tapped_quick_reply_is_a_line_like_any_other(fresh_demo_database):
    first = CliRunner().invoke(cli, ["ask", "--json", "-"],
                               input=json.dumps({"text": "受講対象を教えてください", "user": "carol"}) + "\n")
    items = json.loads(first.output)["messages"][-1]["quickReply"]["items"]
    tap = next(item["action"]["text"] for item in items if "主任" in item["action"]["label"])
    batch = "\n".join(json.dumps({"text": text, "user": "carol"}, ensure_ascii=False)
                      for text in ("受講対象を教えてください", tap))
    result = CliRunner().invoke(cli, ["ask", "--json", "-"], input=batch + "\n")
    asked, answered = (json.loads(line) for line in result.output.splitlines())
    assert "どの研修" in asked["text"]
    assert "主任" in answered["text"] and "どの研修" not in answered["text"]
