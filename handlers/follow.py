"""Follow: greet, register the user and offer notice settings; unfollow: stop every send to them."""

from __future__ import annotations

import logging

from linebot.v3.messaging import MessageAction, QuickReply, QuickReplyItem, TextMessage

from bot.db.tables import UserStatus
from bot.line.context import EventContext
from bot.line.gateway import LineApiError
from bot.trainees.deletion import forget_events
from handlers.matching import is_follow, is_unfollow
from handlers.notices import settings_message

log = logging.getLogger(__name__)


def starter_quick_reply(context: EventContext) -> QuickReply:
    """The questions a new trainee most often has, one tap away."""
    _ = context._
    questions = (
        (_("Dates"), _("When are the training dates?")),
        (_("Certificate"), _("What are the certificate conditions?")),
        (_("How to apply"), _("How do I apply?")),
        (_("Notices"), _("Notification settings")),
    )
    return QuickReply(
        items=[QuickReplyItem(action=MessageAction(label=label, text=text)) for label, text in questions]
    )


def handle_follow(context: EventContext) -> None:
    user = context.user
    assert user is not None
    user.status = UserStatus.ACTIVE
    user.followed_at = context.now
    user.blocked_at = None
    try:
        profile = context.services.line.profile(user.line_user_id)
        user.display_name = profile.display_name
        user.profile_language = profile.language
    except LineApiError as error:
        log.info("profile of user %s not available: %s", user.id, error)
    _ = context._
    greeting = _(
        "Thank you for adding us as a friend. I answer questions about the trainings "
        "(dates, system requirements, certificates, how to apply) and send you reminders. "
        "Please type your question."
    )
    # The notice settings come straight after the greeting: choosing trainings is the first step.
    context.reply([TextMessage(text=greeting), settings_message(context, quick_reply=starter_quick_reply(context))])


def handle_unfollow(context: EventContext) -> None:
    """Stop every send; from a user the bot does not know (their data deleted), keep nothing."""
    user = context.user
    if user is None:
        forget_events(context.session, context.event.source.user_id)
        return
    user.status = UserStatus.BLOCKED
    user.blocked_at = context.now


ROUTES = ((is_follow, handle_follow), (is_unfollow, handle_unfollow))
