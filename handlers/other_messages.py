"""Stickers, images, locations, audio...: a short, polite hint to type instead."""

from __future__ import annotations

from linebot.v3.messaging import TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent

from bot.line.context import EventContext
from handlers.follow import starter_quick_reply
from handlers.matching import is_one_to_one


def is_non_text_message(context: EventContext) -> bool:
    return (
        is_one_to_one(context)
        and isinstance(context.event, MessageEvent)
        and not isinstance(context.event.message, TextMessageContent)
    )


def handle_non_text(context: EventContext) -> None:
    _ = context._
    text = _("Thank you for your message. I can only read text: please type your question, for example \"certificate\".")
    context.reply([TextMessage(text=text, quickReply=starter_quick_reply(context))])


ROUTES = ((is_non_text_message, handle_non_text),)
