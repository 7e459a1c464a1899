"""Group and room invitations: the bot works one-to-one, so it says so politely."""

from __future__ import annotations

from linebot.v3.messaging import TextMessage
from linebot.v3.webhooks import JoinEvent, MemberJoinedEvent

from bot.line.context import EventContext


def is_group_event(context: EventContext) -> bool:
    return isinstance(context.event, JoinEvent | MemberJoinedEvent) or (
        context.user is None and bool(context.reply_token)
    )


def handle_group(context: EventContext) -> None:
    _ = context._
    context.reply(
        [
            TextMessage(
                text=_(
                    "Thank you for inviting me. I answer questions one-to-one: "
                    "please add me as a friend and send me your question directly."
                )
            )
        ]
    )


ROUTES = ((is_group_event, handle_group),)
