"""「データ削除」: ask for confirmation, then delete the trainee's data.

Deletion cannot be undone, so it happens only on the confirmation button; the
command alone just asks.
"""

from __future__ import annotations

from linebot.v3.messaging import ConfirmTemplate, PostbackAction, TemplateMessage, TextMessage

from bot.line.context import EventContext
from bot.line.postback import Postback
from bot.trainees.deletion import delete_user_data
from handlers.matching import text_is

DELETE_COMMANDS = ("データ削除", "データを削除", "登録削除", "delete my data", "delete data")
DELETE_DATA = "delete_data"  # postback: confirm=yes|no


def ask_to_confirm(context: EventContext) -> None:
    _ = context._
    question = _(
        "Delete your data? Your notice settings and the link to your application will be deleted. "
        "Your application itself stays with the secretariat."
    )
    yes, no = _("Delete"), _("Cancel")
    context.reply([
        TemplateMessage(
            altText=question[:400],
            template=ConfirmTemplate(
                text=question[:240],
                actions=[
                    PostbackAction(label=yes, data=Postback(DELETE_DATA, {"confirm": "yes"}).pack(), displayText=yes),
                    PostbackAction(label=no, data=Postback(DELETE_DATA, {"confirm": "no"}).pack(), displayText=no),
                ],
            ),
        )
    ])


def confirm_deletion(context: EventContext, postback: Postback) -> None:
    user = context.user
    assert user is not None
    _ = context._  # taken before the user row (and with it the language choice) is gone
    if postback.params.get("confirm") != "yes":
        context.reply([TextMessage(text=_("Nothing was deleted."))])
        return
    delete_user_data(context.session, user)
    context.user = None
    context.reply([TextMessage(text=_(
        "Your data has been deleted. To use the bot again, just send a message; "
        "to link your application again, please ask the secretariat for a new code."
    ))])


POSTBACK_ACTIONS = {DELETE_DATA: confirm_deletion}

ROUTES = ((text_is(DELETE_COMMANDS), ask_to_confirm),)
