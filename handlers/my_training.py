"""Questions about one's own training: 「私の研修」, 「受講URLをもう一度送って」, 「申込状況は？」.

Recognised by ``bot.trainees.personal_intent`` (phrases in
``data/faq/personal_questions.yaml``) before the FAQ, and answered from the
application linked to the asker's LINE account:

- my training: one card per application (training, course, the dates still ahead
  with あと3日 / 本日 / 配信中 / 日程未定, and the deadlines they have to meet);
- joining details: pushed to the asker alone through the delivery ledger (at most
  ``Services.resends_per_day`` a day), or when they will come and whom to ask;
- application status: what the roster and the documents say, nothing more.

Someone not linked gets how to link and the general answer; in a group or room
the bot says to ask one-to-one, and shows nothing personal.
"""

from __future__ import annotations

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexMessage,
    FlexSeparator,
    FlexText,
    MessageAction,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent

from bot.delivery import run_dispatch
from bot.i18n import Gettext
from bot.knowledge import Contact, Deadline, Edition, EventKind, When
from bot.knowledge.personal_questions import PersonalIntent
from bot.line.context import EventContext
from bot.line.postback import Postback
from bot.qa.dates import format_clock, format_day, format_range
from bot.services import Services
from bot.trainees import personal_requests
from bot.trainees.my_training import ApplicationOutlook, DateLine, DateState, my_applications
from bot.trainees.personal_intent import recognise
from bot.trainees.personal_requests import Availability, JoiningAnswer, Outcome
from handlers.matching import is_text, message_text
from handlers.questions import answer_question

MY_TRAINING = "my_training"  # postback (the rich menu): show the card
MAX_BUBBLES = 12  # LINE's limit for a carousel
MAX_MESSAGES = 5


def _intent(context: EventContext) -> PersonalIntent | None:
    return recognise(message_text(context), context.services.knowledge.personal_questions)


def is_personal_question(context: EventContext) -> bool:
    return is_text(context) and _intent(context) is not None


def is_personal_question_in_group(context: EventContext) -> bool:
    """A personal question typed in a group or room chat, where the answer would be seen by everyone."""
    event = context.event
    return (context.user is None and isinstance(event, MessageEvent)
            and isinstance(event.message, TextMessageContent) and event.source.type in ("group", "room")
            and recognise(event.message.text, context.services.knowledge.personal_questions) is not None)


def refuse_in_group(context: EventContext) -> None:
    _ = context._
    context.reply([TextMessage(text=_(
        "For your privacy I answer questions about your own training only in a one-to-one chat. "
        "Please add me as a friend and ask me there."
    ))])


def answer_personal_question(context: EventContext) -> None:
    intent = _intent(context)
    assert intent is not None and context.user is not None
    applications = my_applications(context.session, context.services.knowledge, context.user, context.now)
    if not applications:
        personal_requests.record(context.session, context.user, intent, Outcome.UNLINKED, context.now)
        _answer_unlinked(context)
        return
    if intent is PersonalIntent.JOINING_DETAILS:
        _send_joining_details(context, applications)
    elif intent is PersonalIntent.APPLICATION_STATUS:
        personal_requests.record(context.session, context.user, intent, Outcome.ANSWERED, context.now)
        context.reply([TextMessage(text=_status_text(context, applications))])
    else:
        _show_card(context, applications)


def show_my_training(context: EventContext, postback: Postback) -> None:
    """The rich menu's 「私の研修」 button."""
    assert context.user is not None
    applications = my_applications(context.session, context.services.knowledge, context.user, context.now)
    if not applications:
        personal_requests.record(context.session, context.user, PersonalIntent.MY_TRAINING, Outcome.UNLINKED,
                                 context.now)
        context.reply([TextMessage(text=_link_hint(context._))])
        return
    _show_card(context, applications)


# -- not linked ------------------------------------------------------------------------

def _link_hint(_: Gettext) -> str:
    return _(
        "To answer about your own application, I need your LINE account linked to it: send \"連携\" followed by "
        "the code in the e-mail from the secretariat, e.g. \"連携 ABCDE-23456\"."
    )


def _answer_unlinked(context: EventContext) -> None:
    """How to link, then what the bot can say to anyone."""
    hint = _link_hint(context._)
    general = answer_question(context)
    first = general[0] if general else None
    if len(general) >= MAX_MESSAGES and isinstance(first, TextMessage):
        first.text = f"{hint}\n\n{first.text}"[:5000]
        context.reply(general)
        return
    context.reply([TextMessage(text=hint), *general])


# -- wording shared by the three answers ------------------------------------------------

def _era(context: EventContext, edition: Edition) -> bool:
    names = context.services.knowledge.training_names.get(edition.training.id)
    return names.date_style == "era" if names else True


def _label(context: EventContext, application: ApplicationOutlook) -> str:
    """「難治性精神疾患研修（令和5年度） クロザピン 基礎研修」: which application an answer is about."""
    edition = application.edition
    names = context.services.knowledge.training_names.get(edition.training.id)
    training = ((names.short_name_en if context.locale == "en" else names.short_name) if names
                else edition.training.name.in_locale(context.locale))
    year = edition.fiscal_year_label if context.locale != "en" else f"FY{edition.fiscal_year}"
    course = application.course.name.in_locale(context.locale) if application.course else ""
    return f"{training}（{year}） {course}".strip() if context.locale != "en" else f"{training} ({year}) {course}".strip()


def _contact(context: EventContext, edition: Edition) -> str | None:
    contacts: list[Contact] = edition.contact("secretariat")
    if not contacts:
        return None
    contact = contacts[0]
    reach = " / ".join(value for value in (contact.email, contact.phone, contact.url) if value)
    return context._("Contact: {name} {reach}").format(name=contact.name.in_locale(context.locale), reach=reach).strip()


def _day(context: EventContext, edition: Edition, line: DateLine) -> str:
    era, locale = _era(context, edition), context.locale
    if line.day is None:
        assert line.tentative is not None
        return line.tentative.label(locale)
    if line.last_day is not None:
        return format_range(line.day, line.last_day, locale, era=era)
    shown = format_day(line.day, locale, era=era, with_year=False)
    return f"{shown} {format_clock(line.start.time())}" if line.start else shown


def _state(_: Gettext, line: DateLine) -> str:
    if line.state is DateState.UNDECIDED:
        return _("Date to be announced")
    if line.state is DateState.TODAY:
        return _("Today")
    if line.state is DateState.ONGOING:
        open_now = _("Streaming now") if line.kind is EventKind.ON_DEMAND_START else _("Open now")
        return _("{state} ({days} days left)").format(state=open_now, days=line.days_left)
    return _("In {days} days").format(days=line.days_left)


def _when(context: EventContext, edition: Edition, when: When | Deadline) -> str:
    era, locale, _ = _era(context, edition), context.locale, context._
    if isinstance(when, When) and when.tentative is not None:
        return when.tentative.label(locale)
    day = when.day() if isinstance(when, When) else when.date
    assert day is not None
    shown = format_day(day, locale, era=era)
    if isinstance(when, When):
        clock_time = when.at.time() if when.at else None
    else:
        clock_time = when.time
    if clock_time is not None:
        shown = f"{shown} {format_clock(clock_time)}"
    return _("{date} (planned)").format(date=shown) if when.approximate else shown


def _days_to(context: EventContext, day: object) -> str:
    """「（あと3日）」, 「（本日）」 or 「（終了）」 for a day relative to today."""
    _ = context._
    today = context.now.date()
    days = (day - today).days  # type: ignore[operator]
    if days < 0:
        return _("(over)")
    if days == 0:
        return _("(today)")
    return _("({days} days left)").format(days=days)


# -- 私の研修 -----------------------------------------------------------------------------

def _bubble(context: EventContext, application: ApplicationOutlook) -> FlexBubble:
    _ = context._
    edition = application.edition
    rows: list[FlexBox | FlexSeparator | FlexText] = []
    for line in application.dates:
        rows.append(FlexBox(layout="horizontal", spacing="sm", margin="sm", contents=[
            FlexText(text=line.title.in_locale(context.locale), size="xs", flex=5, wrap=True),
            FlexBox(layout="vertical", flex=4, contents=[
                FlexText(text=_day(context, edition, line), size="xs", wrap=True, align="end"),
                FlexText(text=_state(_, line), size="xxs", color="#06C755", align="end", wrap=True),
            ]),
        ]))
    if not rows:
        rows.append(FlexText(text=_("All dates of this application are over.") if application.all_over
                             else _("No dates are set for this application yet."), size="xs", wrap=True))
    tasks = [line for line in application.dates if line.is_task]
    todo: list[FlexText | FlexSeparator] = []
    if tasks:
        todo.append(FlexSeparator(margin="md"))
        todo.append(FlexText(text=_("To do"), weight="bold", size="sm", margin="md"))
        todo.extend(FlexText(text="・" + _("{task} by {date}").format(
            task=line.title.in_locale(context.locale), date=_day(context, edition, line)), size="xs", wrap=True)
            for line in tasks)
    number = _("Application No. {number}").format(number=application.application_no)
    return FlexBubble(
        body=FlexBox(layout="vertical", contents=[
            FlexText(text=_label(context, application), weight="bold", size="sm", wrap=True),
            FlexText(text=number, size="xxs", color="#888888"),
            FlexSeparator(margin="md"),
            *rows,
            *todo,
        ]),
        footer=FlexBox(layout="vertical", spacing="sm", contents=[
            FlexButton(style="link", height="sm", action=MessageAction(
                label=_("Joining details again"), text=_("Please send my joining details again"))),
            FlexButton(style="link", height="sm", action=MessageAction(
                label=_("Application status"), text=_("What is my application status?"))),
        ]),
    )


def _show_card(context: EventContext, applications: list[ApplicationOutlook]) -> None:
    assert context.user is not None
    personal_requests.record(context.session, context.user, PersonalIntent.MY_TRAINING, Outcome.ANSWERED,
                             context.now, edition_id=applications[0].edition.id)
    bubbles = [_bubble(context, application) for application in applications[:MAX_BUBBLES]]
    contents = bubbles[0] if len(bubbles) == 1 else FlexCarousel(contents=bubbles)
    context.reply([FlexMessage(altText=context._("My training"), contents=contents)])


# -- 受講URLをもう一度 ----------------------------------------------------------------------

def _session_name(context: EventContext, application: ApplicationOutlook) -> str:
    joining = application.next_session
    assert joining is not None
    return joining.title.in_locale(context.locale)


def _not_available(context: EventContext, answer: JoiningAnswer) -> str:
    _ = context._
    application, edition = answer.application, answer.application.edition
    if answer.availability is Availability.ALL_OVER:
        return _("All sessions of this application are over, so there are no joining details to send.")
    if answer.availability is Availability.UNDECIDED:
        joining = application.next_session
        assert joining is not None and joining.tentative is not None
        return _("The date of the {session} is not decided yet ({window}). The joining details will be sent "
                 "once it is.").format(session=_session_name(context, application),
                                       window=joining.tentative.label(context.locale))
    text = _("The joining details for the {session} are not available yet.").format(
        session=_session_name(context, application))
    credentials = edition.credentials
    if credentials is not None and credentials.timing is not None:
        text += "\n" + _("They will be sent {timing}: {channel}").format(
            timing=credentials.timing.label.in_locale(context.locale),
            channel=credentials.channel.in_locale(context.locale))
    if credentials is not None and credentials.if_not_received is not None:
        text += "\n" + credentials.if_not_received.in_locale(context.locale)
    return text


def _send_joining_details(context: EventContext, applications: list[ApplicationOutlook]) -> None:
    user = context.user
    assert user is not None
    _ = context._
    request = personal_requests.request_joining_details(
        context.session, context.services, user, applications, context.now,
        request_key=context.payload.get("webhookEventId") or f"{user.id}-{context.now.isoformat()}",
        daily_limit=context.services.resends_per_day)
    parts: list[str] = []
    if request.outcome is Outcome.LIMIT:
        parts.append(_("Your joining details have already been sent again {limit} times today. For your security, "
                       "please try again tomorrow or contact the secretariat.").format(limit=request.daily_limit))
    elif request.outcome is Outcome.SENT:
        parts.append(_("I am sending your joining details in a separate message. Please do not share them with "
                       "anyone."))
    labelled = len(applications) > 1
    for answer in request.answers:
        if answer.availability is Availability.AVAILABLE:
            continue
        text = _not_available(context, answer)
        parts.append(f"【{_label(context, answer.application)}】\n{text}" if labelled else text)
    if request.outcome is not Outcome.SENT:
        contacts = dict.fromkeys(c for a in applications if (c := _contact(context, a.edition)))
        parts.extend(contacts)
    context.reply([TextMessage(text="\n\n".join(parts)[:5000])])
    if request.dispatch_id is not None:
        dispatch_id, services = request.dispatch_id, context.services
        context.after_reply(lambda: _push(services, dispatch_id))


def _push(services: Services, dispatch_id: int) -> None:
    """Send the planned re-send now; if this fails, the clock's ``run_due`` sends it (the ledger keeps it once)."""
    run_dispatch(services, dispatch_id, services.renderers)


# -- 申込状況 ----------------------------------------------------------------------------

def _status_text(context: EventContext, applications: list[ApplicationOutlook]) -> str:
    _ = context._
    blocks: list[str] = []
    for application in applications:
        edition = application.edition
        course = application.course.name.in_locale(context.locale) if application.course else "-"
        lines = [f"【{_label(context, application)}】",
                 _("Your application No. {number} ({course}) is on the secretariat's list.").format(
                     number=application.application_no, course=course)]
        notice = edition.decision_notice
        if notice is not None and notice.when is not None:
            lines.append(_("Decision notice: {when}").format(when=_when(context, edition, notice.when)))
            lines.append(notice.method.in_locale(context.locale))
            day = notice.when.day()
            if notice.if_not_received is not None and day is not None and day < context.now.date():
                lines.append(notice.if_not_received.in_locale(context.locale))
        elif notice is None:
            lines.append(_("The training documents do not mention a decision notice for this training."))
        payment = edition.fee.payment
        if payment is not None and payment.notice is not None:
            lines.append(_("Payment slip sent: {when}").format(when=_when(context, edition, payment.notice)))
        if payment is not None and payment.deadline is not None:
            lines.append(_("Fee payment deadline: {when} {left}").format(
                when=_when(context, edition, payment.deadline), left=_days_to(context, payment.deadline.date)))
        lines.append(_("Whether you are accepted is decided by the secretariat; this chat does not know it."))
        contact = _contact(context, edition)
        if contact:
            lines.append(contact)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


POSTBACK_ACTIONS = {MY_TRAINING: show_my_training}
GROUP_ROUTES = ((is_personal_question_in_group, refuse_in_group),)
ROUTES = ((is_personal_question, answer_personal_question),)
