"""Talk to a person: offer 「担当者に質問を送る」, hand the chat to the secretariat, keep quiet until it is back.

- The offer comes when the trainee asks for a person (「事務局に質問したい」,
  phrasings in ``data/secretariat.yaml``), taps the rich menu's 問い合わせ (with the
  contacts the bot already gives), or gets a second "did you mean" in a row.
- Tapping it opens a 要対応 conversation in the console's inbox
  (``bot.trainees.handoff``), answered with one line: when a reply can be expected
  (the office hours in ``data/secretariat.yaml``) and how the bot comes back.
- While the conversation is with the secretariat, every message goes to the inbox
  and the bot answers nothing, except clinical questions (still pointed to the
  consultation desk) and 「データ削除」 (its route is left to match). 「ボットに戻る」,
  or a clerk's 対応済み, gives the chat back to the bot.
- ``remembering`` wraps the routes that answer free text, so the last exchanges
  with the bot are kept for the clerk who takes over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from linebot.v3.messaging import FlexMessage, Message, QuickReply, TemplateMessage, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent

from bot.i18n import Gettext, gettext_for
from bot.line.answer_messages import answer_messages
from bot.line.context import EventContext
from bot.line.handoff_messages import HANDOFF, back_to_bot_item, offer_item
from bot.line.postback import Postback
from bot.line.richmenu import BUTTONS
from bot.line.routes import EventRoute, Handler
from bot.qa import DecisionKind, Question
from bot.secretariat.inbox_mail import notify_new_inquiry
from bot.trainees import handoff, linking
from handlers.data_deletion import DELETE_COMMANDS
from handlers.matching import command_key, is_one_to_one, is_text, message_text, text_is
from handlers.questions import answer_question

BACK_COMMANDS = ("ボットに戻る", "ボットにもどる", "back to the bot", "back to bot")
CONTACT_BUTTON = next(button.sends for button in BUTTONS if button.caption == "Contact")
MAX_MESSAGES = 5
MAX_QUICK_REPLIES = 13
MAX_REMEMBERED = 1000


def _offer_message(_: Gettext) -> TextMessage:
    return TextMessage(text=_("If you would rather ask the secretariat's staff, you can send them your question "
                              "here."), quickReply=QuickReply(items=[offer_item(_)]))


def _with_offer(messages: list[Message | dict[str, Any]], _: Gettext) -> list[Message | dict[str, Any]]:
    """The messages with the offer added: on the last one's quick replies if there is room, else as one more.

    Messages may be SDK models or LINE's JSON (the shared, cached answers of
    ``answer_json``: copied, never changed in place).
    """
    last = messages[-1] if messages else None
    if isinstance(last, dict):
        items = (last.get("quickReply") or {}).get("items")
        if items is not None and len(items) < MAX_QUICK_REPLIES:
            return [*messages[:-1], {**last, "quickReply": {"items": [*items, offer_item(_).to_dict()]}}]
    quick = getattr(last, "quick_reply", None)
    if isinstance(last, TextMessage | FlexMessage | TemplateMessage) and quick is not None \
            and len(quick.items) < MAX_QUICK_REPLIES:
        quick.items.append(offer_item(_))
        return messages
    if len(messages) >= MAX_MESSAGES:
        messages = messages[:MAX_MESSAGES - 1]
    return [*messages, _offer_message(_)]


# -- predicates ----------------------------------------------------------------------------

_DELETE_KEYS = frozenset(command_key(command) for command in DELETE_COMMANDS)
is_back_to_bot = text_is(BACK_COMMANDS)


def is_with_staff(context: EventContext) -> bool:
    """A message in a chat that is with the secretariat (「データ削除」 excepted: its own route answers it)."""
    return (is_one_to_one(context) and isinstance(context.event, MessageEvent)
            and command_key(message_text(context)) not in _DELETE_KEYS
            and handoff.with_staff(context.session, context.user))  # type: ignore[arg-type]


def asks_for_a_person(context: EventContext) -> bool:
    return is_text(context) and handoff.asks_for_a_person(
        message_text(context), context.services.knowledge.secretariat.talk_to_a_person)


def is_contact_button(context: EventContext) -> bool:
    """The rich menu's 問い合わせ: the contacts, as before, with the offer."""
    return is_text(context) and command_key(message_text(context)) == command_key(gettext_for("ja")(CONTACT_BUTTON))


# -- handlers ------------------------------------------------------------------------------

def offer(context: EventContext) -> None:
    _ = context._
    context.reply([TextMessage(text=_("I can pass your question to the secretariat's staff. They answer here, "
                                      "in this chat."), quickReply=QuickReply(items=[offer_item(_)]))])


def contacts_with_offer(context: EventContext) -> None:
    context.reply(_with_offer(answer_question(context), context._))


def expectation(context: EventContext) -> str:
    """One line: when a reply can be expected, and how the bot comes back."""
    _ = context._
    hours = context.services.knowledge.secretariat.office_hours
    label = hours.label.in_locale(context.locale)
    when = (_("The staff will reply in turn during office hours ({hours}).") if hours.is_open(context.now)
            else _("It is outside office hours ({hours}), so the staff will reply once they open."))
    separator = "" if context.locale == "ja" else " "
    return separator.join((_("Your messages now go to the secretariat's staff."), when.format(hours=label),
                     _("Automatic answers resume with \"Back to the bot\" or when the staff close the conversation.")))


def start(context: EventContext, postback: Postback) -> None:
    """The offer's button: the chat goes to the inbox as 要対応 (an e-mail to the secretariat if configured)."""
    user = context.user
    assert user is not None
    conversation, opened = handoff.hand_over(context.session, user, context.now)
    _ = context._
    context.reply([TextMessage(text=expectation(context), quickReply=QuickReply(items=[back_to_bot_item(_)]))])
    if opened and context.services.mail is not None:
        mail, conversation_id = context.services.mail, conversation.id
        context.after_reply(lambda: notify_new_inquiry(mail, conversation_id))


def back_to_bot(context: EventContext) -> None:
    assert context.user is not None
    _ = context._
    if handoff.hand_back(context.session, context.user, context.now):
        context.reply([TextMessage(text=_("The bot answers your questions again. To reach the staff later, ask for "
                                          "them again."))])
    else:
        context.reply([TextMessage(text=_("The bot is already answering your questions."))])


def _placeholder(context: EventContext) -> str:
    """What the inbox shows (to clerks, in Japanese) for a message that is not text: the bot keeps no content."""
    kind = getattr(context.event.message, "type", "message")
    return gettext_for("ja")("(A {kind} message was sent; the bot keeps no content but text)").format(kind=kind)


def to_staff(context: EventContext) -> None:
    """A message while with the secretariat: to the inbox, no automatic answer, except a clinical question's."""
    user = context.user
    assert user is not None
    event = context.event
    text = event.message.text if isinstance(event.message, TextMessageContent) else _placeholder(context)
    handoff.record_for_staff(context.session, user, text, context.now)
    answerer = context.services.answerer
    if isinstance(event.message, TextMessageContent) and answerer.is_surely_clinical(text[:1000]):
        reply = answerer.answer(Question(
            text=text[:1000], locale=user.locale, now=context.now,
            linked_edition_ids=linking.linked_edition_ids(context.session, user)))
        if reply.decision.kind is DecisionKind.CLINICAL:
            context.reply(answer_messages(reply))


# -- remembering the chat with the bot ------------------------------------------------------

def _shown(messages: Sequence[Message | dict[str, Any]]) -> str:
    """The reply as a clerk reads it: texts, and the alternative text of cards (SDK models or LINE's JSON)."""
    parts = [(m.get("text") or m.get("altText") or "") if isinstance(m, dict)
             else m.text if isinstance(m, TextMessage) else getattr(m, "alt_text", "") for m in messages]
    return "\n".join(part for part in parts if part)[:MAX_REMEMBERED]


def remembering(routes: Sequence[EventRoute]) -> tuple[EventRoute, ...]:
    """The routes, each also keeping the exchange for a later handoff; a second "did you mean" gets the offer."""

    def wrap(handle: Handler) -> Handler:
        def handle_and_remember(context: EventContext) -> None:
            previous = handoff.last_decision(context.session, context.user) if context.user else None
            handle(context)
            if context.user is None or not is_text(context):
                return
            if context.decision == DecisionKind.DID_YOU_MEAN and previous == DecisionKind.DID_YOU_MEAN:
                context.replies[:] = _with_offer(list(context.replies), context._)
            handoff.remember(context.session, context.user, message_text(context)[:MAX_REMEMBERED],
                             _shown(context.replies), context.decision, context.now)

        return handle_and_remember

    return tuple((matches, wrap(handle)) for matches, handle in routes)


POSTBACK_ACTIONS = {HANDOFF: start}
# Before every other message route but the postbacks: while with staff, the bot is quiet.
QUIET_ROUTES: tuple[EventRoute, ...] = ((is_back_to_bot, back_to_bot), (is_with_staff, to_staff))
# Before the questions about one's own training and the FAQ.
ROUTES: tuple[EventRoute, ...] = ((asks_for_a_person, offer), (is_contact_button, contacts_with_offer))
