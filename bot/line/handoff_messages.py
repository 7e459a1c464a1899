"""The LINE messages of a chat with the secretariat: the offer's button, 「ボットに戻る」, and a clerk's reply.

Shared by ``handlers.handoff`` (the trainee's side) and the delivery renderer of
clerks' replies (``bot.secretariat.inbox``), so a reply from the console carries
the same 「ボットに戻る」 the bot's own line did.
"""

from __future__ import annotations

from linebot.v3.messaging import MessageAction, PostbackAction, QuickReply, QuickReplyItem, TextMessage

from bot.i18n import Gettext
from bot.line.postback import Postback
from bot.line.richmenu import BUTTONS

HANDOFF = "handoff"  # postback of the offer's button
MAX_TEXT = 5000
MAX_LABEL = 20
# The bot's own next steps a clerk may attach to a reply: the rich menu's buttons, by their caption (msgid).
NEXT_STEPS = {button.caption: button.sends for button in BUTTONS}


def offer_item(_: Gettext) -> QuickReplyItem:
    label = _("Ask the staff")
    return QuickReplyItem(action=PostbackAction(label=label, data=Postback(HANDOFF).pack(), displayText=label))


def back_to_bot_item(_: Gettext) -> QuickReplyItem:
    return QuickReplyItem(action=MessageAction(label=_("Back to the bot"), text=_("Back to the bot")))


def staff_reply(text: str, next_steps: list[str], _: Gettext) -> TextMessage:
    """A clerk's reply as the trainee receives it: the text, then 「ボットに戻る」 and the next steps chosen."""
    items = [back_to_bot_item(_)]
    for caption in next_steps:
        if caption in NEXT_STEPS:
            label = _(caption)[:MAX_LABEL]
            items.append(QuickReplyItem(action=MessageAction(label=label, text=_(NEXT_STEPS[caption]))))
    return TextMessage(text=text[:MAX_TEXT], quickReply=QuickReply(items=items))
