"""LINE message objects for an answer: text, an optional Flex table, quick replies.

Kept separate from choosing the answer so the answering logic is plain text
and tests can check wording without building SDK models by hand. Limits from
the Messaging API are enforced here: at most 13 quick-reply items, labels of
at most 20 characters, text of at most 5000.
"""

from __future__ import annotations

from dataclasses import dataclass

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

MAX_TEXT = 5000
MAX_LABEL = 20
MAX_QUICK_REPLIES = 13
MAX_ALT_TEXT = 400
MAX_TABLE_ROWS = 30


@dataclass(frozen=True)
class Choice:
    """A quick-reply button: what it shows and what tapping it sends."""

    label: str
    text: str


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def quick_reply(choices: list[Choice]) -> QuickReply | None:
    """Quick replies, duplicates removed, within the API limits."""
    unique = list({choice.text: choice for choice in choices if choice.text}.values())[:MAX_QUICK_REPLIES]
    if not unique:
        return None
    return QuickReply(
        items=[QuickReplyItem(action=MessageAction(label=_label(c.label), text=c.text[:300])) for c in unique]
    )


def table_bubble(title: str, rows: list[tuple[str, str]]) -> FlexBubble:
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
        for left, right in rows[:MAX_TABLE_ROWS]
    ]
    return FlexBubble(
        size="giga",
        body=FlexBox(
            layout="vertical",
            spacing="sm",
            contents=[FlexText(text=title, weight="bold", size="sm", wrap=True), *lines],
        ),
    )


def messages(
    texts: list[str],
    choices: list[Choice],
    table: tuple[str, list[tuple[str, str]]] | None = None,
) -> list[Message]:
    """1-5 messages; the last one carries the quick replies."""
    built: list[Message] = [TextMessage(text=t[:MAX_TEXT]) for t in texts if t.strip()][:4]
    if table is not None and table[1]:
        title, rows = table
        built.append(FlexMessage(alt_text=title[:MAX_ALT_TEXT], contents=table_bubble(title, rows)))
    if not built:
        built.append(TextMessage(text="…"))
    reply = quick_reply(choices)
    if reply is not None:
        built[-1].quick_reply = reply
    return built[:5]
