"""LINE messages for a question's reply: texts, an optional Flex table, quick replies.

The answering engine words its reply without LINE types; this is the one place
that turns it into Messaging API objects and keeps to the API's limits: at
most 5 messages, 13 quick-reply items, labels of 20 characters, texts of 5000.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexMessage,
    FlexText,
    Message,
    MessageAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.qa import Choice, Reply, Table

MAX_TEXT = 5000
MAX_LABEL = 20
MAX_ACTION_TEXT = 300
MAX_QUICK_REPLIES = 13
MAX_ALT_TEXT = 400
MAX_TABLE_ROWS = 30
MAX_TEXT_MESSAGES = 4  # leaves room for the table
MAX_MESSAGES = 5


def answer_messages(reply: Reply) -> list[Message]:
    """1-5 messages; the last one carries the quick replies."""
    built: list[Message] = [TextMessage(text=t[:MAX_TEXT]) for t in reply.texts if t.strip()][:MAX_TEXT_MESSAGES]
    if reply.table is not None and reply.table.rows:
        built.append(FlexMessage(alt_text=reply.table.title[:MAX_ALT_TEXT], contents=_table_bubble(reply.table)))
    if not built:
        built.append(TextMessage(text="…"))
    quick_reply = _quick_reply(reply.choices)
    if quick_reply is not None:
        built[-1].quick_reply = quick_reply
    return built[:MAX_MESSAGES]


@lru_cache(maxsize=1024)
def _answer_json(reply: Reply) -> tuple[dict[str, Any], ...]:
    return tuple(message.to_dict() for message in answer_messages(reply))


def answer_json(reply: Reply) -> list[dict[str, Any]]:
    """``answer_messages`` as LINE's JSON, remembered for the last 1,024 distinct replies.

    Trainees ask the same few things (修了証, the deadline, the dates), and building
    then serialising the SDK's models (pydantic walking every Flex box) costs more
    than answering. A reply is plain frozen data, its wording included (「あと3日」),
    so an equal reply has equal messages. Callers must not change what they get.
    """
    return list(_answer_json(reply))


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _quick_reply(choices: tuple[Choice, ...]) -> QuickReply | None:
    """Quick replies within the API limits; None without choices."""
    if not choices:
        return None
    return QuickReply(
        items=[
            QuickReplyItem(action=MessageAction(label=_label(c.label), text=c.text[:MAX_ACTION_TEXT]))
            for c in choices[:MAX_QUICK_REPLIES]
        ]
    )


def _table_bubble(table: Table) -> FlexBubble:
    """A two-column table (e.g. date | session) that reads well on a phone."""
    lines = [
        FlexBox(
            layout="horizontal",
            spacing="md",
            contents=[
                FlexText(text=left or "-", size="xs", color="#555555", flex=2, wrap=True),
                FlexText(text=right or "-", size="xs", flex=5, wrap=True),
            ],
        )
        for left, right in table.rows[:MAX_TABLE_ROWS]
    ]
    return FlexBubble(
        size="giga",
        body=FlexBox(
            layout="vertical",
            spacing="sm",
            contents=[FlexText(text=table.title, weight="bold", size="sm", wrap=True), *lines],
        ),
    )
