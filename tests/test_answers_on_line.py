"""What LINE receives for an answer: its texts, the Flex table and the quick replies, within LINE's limits."""

from __future__ import annotations

from typing import Any

import pytest

from bot.devtools.local_line import LocalLine
from bot.qa import Answerer, Reply
from tests.helpers import JUNE_27_2023, ask


@pytest.fixture
def at_june_27(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's clock at ``JUNE_27_2023``, so a reply through LINE matches ``ask``'s."""
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())


def line_messages(reply: Reply) -> list[dict[str, Any]]:
    """The messages LINE should receive for ``reply``, spelled out: one text message per
    text, then a Flex bubble with the table (title, then a date | label row each), and
    the choices as message-action quick replies on the last message."""
    messages: list[dict[str, Any]] = [{"type": "text", "text": text} for text in reply.texts]
    if reply.table is not None:
        rows = [
            {"type": "box", "layout": "horizontal", "spacing": "md", "contents": [
                {"type": "text", "text": left, "size": "xs", "color": "#555555", "flex": 2, "wrap": True},
                {"type": "text", "text": right, "size": "xs", "flex": 5, "wrap": True},
            ]}
            for left, right in reply.table.rows
        ]
        title = {"type": "text", "text": reply.table.title, "weight": "bold", "size": "sm", "wrap": True}
        messages.append({"type": "flex", "altText": reply.table.title, "contents": {
            "type": "bubble", "size": "giga",
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [title, *rows]},
        }})
    messages[-1]["quickReply"] = {"items": [
        {"type": "action", "action": {"type": "message", "label": choice.label, "text": choice.text}}
        for choice in reply.choices
    ]}
    return messages


@pytest.mark.parametrize("text", ["ECMO研修の日程", "クロザピン研修の申込締切"])
def test_an_answer_reaches_line_as_its_texts_a_flex_table_and_quick_replies(
    line: LocalLine, user_id: str, answerer: Answerer, at_june_27: None, text: str
) -> None:
    received = line.say(user_id, text)
    assert received == line_messages(ask(answerer, text))


def test_a_long_schedule_is_a_table_within_the_line_limits(line: LocalLine, user_id: str, at_june_27: None) -> None:
    received = line.say(user_id, "ECMO研修の日程")
    assert len(received) <= 5  # LINE's limit of messages per reply
    assert any(message["type"] == "flex" for message in received)  # the long schedule is a table
    assert len(received[-1]["quickReply"]["items"]) <= 13


def test_the_buttons_asking_which_training_fit_line_and_re_ask_the_question(
    line: LocalLine, user_id: str, at_june_27: None
) -> None:
    items = line.say(user_id, "修了証")[-1]["quickReply"]["items"]
    assert len(items) == 2  # the ECMO guide says nothing of a certificate: no button for it
    assert all(item["action"]["text"].endswith("修了証") for item in items)
    assert all(len(item["action"]["label"]) <= 20 for item in items)
