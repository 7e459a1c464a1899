"""Predicates over events, shared by the handler modules' routes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent, TextMessageContent, UnfollowEvent

from bot.line.context import EventContext
from bot.line.routes import Predicate


def is_follow(context: EventContext) -> bool:
    return isinstance(context.event, FollowEvent)


def is_unfollow(context: EventContext) -> bool:
    return isinstance(context.event, UnfollowEvent)


def is_postback(context: EventContext) -> bool:
    return isinstance(context.event, PostbackEvent)


def is_one_to_one(context: EventContext) -> bool:
    return context.user is not None


def is_text(context: EventContext) -> bool:
    return (
        is_one_to_one(context)
        and isinstance(context.event, MessageEvent)
        and isinstance(context.event.message, TextMessageContent)
    )


def message_text(context: EventContext) -> str:
    return context.event.message.text if is_text(context) else ""


def command_key(text: str) -> str:
    """A typed command folded for comparison: width, case, spaces and end punctuation."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return folded.rstrip("。.!！?？ ").replace(" ", "")


def text_is(commands: Iterable[str]) -> Predicate:
    """Matches a text message that is exactly one of the commands (folded)."""
    keys = frozenset(command_key(command) for command in commands)
    return lambda context: is_text(context) and command_key(message_text(context)) in keys
