"""The user's own choices that are not notices: the reply language."""

from __future__ import annotations

from linebot.v3.messaging import TextMessage

from bot.line.context import EventContext
from handlers.matching import text_is

ENGLISH_COMMANDS = ("English", "英語", "in English")
JAPANESE_COMMANDS = ("日本語", "Japanese", "にほんご")


def answer_in_english(context: EventContext) -> None:
    assert context.user is not None
    context.user.chosen_locale = "en"
    context.reply([TextMessage(text=context._("I will answer in English from now on."))])


def answer_in_japanese(context: EventContext) -> None:
    assert context.user is not None
    context.user.chosen_locale = "ja"
    context.reply([TextMessage(text=context._("I will answer in Japanese from now on."))])


ROUTES = (
    (text_is(ENGLISH_COMMANDS), answer_in_english),
    (text_is(JAPANESE_COMMANDS), answer_in_japanese),
)
