"""Postbacks, routed by their typed payload's action name.

Feature modules export ``POSTBACK_ACTIONS``, merged into ``ACTIONS`` here; data this bot did not write,
or an action it no longer knows, gets a polite "please try again" instead of
silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from linebot.v3.messaging import TextMessage

from bot.line.context import EventContext
from bot.line.postback import Postback
from handlers import data_deletion, handoff, my_training, notices
from handlers.matching import is_one_to_one, is_postback

log = logging.getLogger(__name__)

PostbackHandler = Callable[[EventContext, Postback], None]

ACTIONS: dict[str, PostbackHandler] = {
    **notices.POSTBACK_ACTIONS, **data_deletion.POSTBACK_ACTIONS, **my_training.POSTBACK_ACTIONS,
    **handoff.POSTBACK_ACTIONS,
}


def handle_postback(context: EventContext) -> None:
    postback = Postback.unpack(context.event.postback.data)
    handler = ACTIONS.get(postback.action) if postback else None
    if handler is None:
        log.info("unknown postback data ignored")
        _ = context._
        context.reply([TextMessage(text=_("Sorry, that button is no longer available. Please try again from the menu."))])
        return
    handler(context, postback)


ROUTES = ((lambda context: is_postback(context) and is_one_to_one(context), handle_postback),)
