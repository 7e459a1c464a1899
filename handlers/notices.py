"""Notice settings in the chat: choose trainings, stop and resume every notice.

「通知設定」 shows each training with its state (✓ = receiving) and a button that
sets the opposite state. Buttons carry the state they set, not "toggle", so a
double tap or a redelivered event leaves the user where they meant to be.
"""

from __future__ import annotations

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexSeparator,
    FlexText,
    Message,
    MessageAction,
    PostbackAction,
    QuickReply,
    TextMessage,
)

from bot.line.context import EventContext
from bot.line.postback import Postback
from bot.trainees import subscriptions
from handlers.matching import text_is

SETTINGS_COMMANDS = ("通知設定", "お知らせ設定", "配信設定", "settings", "notification settings", "notices")
STOP_COMMANDS = ("配信停止", "通知停止", "stop", "unsubscribe")
RESUME_COMMANDS = ("配信再開", "通知再開", "resume")

SET_NOTICE = "notice"  # postback: training=<id>, on=1|0
CHECK = "✓"


def settings_message(context: EventContext, quick_reply: QuickReply | None = None) -> FlexMessage:
    """The settings card: every training with its state and a button to change it."""
    assert context.user is not None
    _ = context._
    rows: list[FlexBox | FlexSeparator] = []
    for choice in subscriptions.choices(context.session, context.services.knowledge, context.user):
        name = choice.training.name.in_locale(context.locale)
        state = f"{CHECK} " + _("Receiving") if choice.subscribed else _("Not receiving")
        label = _("Stop") if choice.subscribed else _("Receive")
        on = "0" if choice.subscribed else "1"
        rows.append(FlexSeparator(margin="md"))
        rows.append(
            FlexBox(
                layout="horizontal",
                margin="md",
                spacing="sm",
                contents=[
                    FlexBox(
                        layout="vertical",
                        flex=3,
                        contents=[
                            FlexText(text=name, size="sm", wrap=True),
                            FlexText(text=state, size="xs", color="#06C755" if choice.subscribed else "#888888"),
                        ],
                    ),
                    FlexButton(
                        flex=2,
                        height="sm",
                        gravity="center",
                        style="secondary" if choice.subscribed else "primary",
                        action=PostbackAction(
                            label=label,
                            data=Postback(SET_NOTICE, {"training": choice.training.id, "on": on}).pack(),
                            displayText=f"{label}: {name}"[:300],
                        ),
                    ),
                ],
            )
        )
    paused = context.user.notices_paused
    status = (
        _("All notices are stopped now. Send \"resume\" to receive them again.")
        if paused
        else _("Choose the trainings whose notices (deadlines, joining details) you want to receive.")
    )
    footer_action = (
        MessageAction(label=_("Resume all notices"), text="配信再開")
        if paused
        else MessageAction(label=_("Stop all notices"), text="配信停止")
    )
    bubble = FlexBubble(
        body=FlexBox(
            layout="vertical",
            contents=[
                FlexText(text=_("Notice settings"), weight="bold", size="md"),
                FlexText(text=status, size="xs", color="#555555", wrap=True, margin="sm"),
                *rows,
            ],
        ),
        footer=FlexBox(layout="vertical", contents=[FlexButton(style="link", height="sm", action=footer_action)]),
    )
    return FlexMessage(altText=_("Notice settings"), contents=bubble, quickReply=quick_reply)


def show_settings(context: EventContext) -> None:
    context.reply([settings_message(context)])


def set_notice(context: EventContext, postback: Postback) -> None:
    """A button on the settings card: receive or stop one training's notices."""
    user = context.user
    assert user is not None
    _ = context._
    training = context.services.knowledge.trainings.get(postback.params.get("training", ""))
    if training is None:
        context.reply([TextMessage(text=_("Sorry, that training is no longer listed. Here are the current settings.")),
                       settings_message(context)])
        return
    name = training.name.in_locale(context.locale)
    messages: list[Message] = []
    if postback.params.get("on") == "1":
        subscriptions.subscribe(context.session, user, training.id, context.now)
        messages.append(TextMessage(text=_("You will receive notices of {training}.").format(training=name)))
        if user.notices_paused:
            messages.append(TextMessage(text=_("All notices are stopped now. Send \"resume\" to receive them again.")))
    else:
        subscriptions.unsubscribe(context.session, user, training.id)
        messages.append(TextMessage(text=_("You will no longer receive notices of {training}.").format(training=name)))
    context.reply([*messages, settings_message(context)])


def stop_all(context: EventContext) -> None:
    assert context.user is not None
    subscriptions.pause(context.user)
    _ = context._
    context.reply([TextMessage(text=_(
        "All notices are stopped. Your choices are kept: send \"resume\" to receive them again."
    ))])


def resume_all(context: EventContext) -> None:
    assert context.user is not None
    subscriptions.resume(context.user)
    _ = context._
    if subscriptions.subscribed_training_ids(context.session, context.user):
        context.reply([TextMessage(text=_("Notices are on again."))])
        return
    context.reply([
        TextMessage(text=_("Notices are on again. You have not chosen any training yet:")),
        settings_message(context),
    ])


POSTBACK_ACTIONS = {SET_NOTICE: set_notice}

ROUTES = (
    (text_is(SETTINGS_COMMANDS), show_settings),
    (text_is(STOP_COMMANDS), stop_all),
    (text_is(RESUME_COMMANDS), resume_all),
)
