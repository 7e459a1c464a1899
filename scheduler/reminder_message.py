"""The reminder each trainee reads: built at send time, in their language, per user.

Built per user (a personalised dispatch) because joining details differ per
enrolment, and because a trainee's locale and enrolment are only known then. A
trainee with several applications in the edition (two courses) gets the details
of each, labelled with its course and application number.
Personal details are looked up through the enrolment linked to *this* LINE user
(``bot.credentials``, which also writes their message), so they cannot reach
anyone else; a blocked user is skipped even if the audience query let one through.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from linebot.v3.messaging import Message, TextMessage
from sqlalchemy.orm import Session

from bot import clock
from bot.credentials import find_trainee_details, joining_message
from bot.db.tables import LineUser
from bot.delivery import Skip
from bot.delivery.content import MAX_MESSAGES
from bot.i18n import Gettext, gettext_for
from bot.knowledge import Edition, EventKind, TrainingNames
from bot.qa.dates import format_clock, format_day
from bot.services import Services


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated at render time with the user's gettext."""
    return message


TEMPLATES: dict[EventKind, str] = {
    EventKind.APPLICATION_DEADLINE: N_("{training}: applications close on {when}. "
                                      "If you have not applied yet, please apply in good time."),
    EventKind.ON_DEMAND_START: N_("{training}: on-demand viewing opens on {when}."),
    EventKind.ON_DEMAND_END: N_("{training}: on-demand viewing ends on {when}. Please finish watching by then."),
    EventKind.LIVE_STREAM: N_("{training}: the live stream starts on {when}."),
    EventKind.COURSE_DAY: N_("{training}: your next training day starts on {when}.\n{title}"),
}
# Deadlines and other dated tasks (fee, consent form, 確認テスト...) share one wording.
DEADLINE_TEMPLATE = N_("{training}: {title} - due {when}.")


def render_reminder(session: Session, services: Services, user: LineUser,
                    params: dict[str, Any]) -> list[Message] | Skip | None:
    """The ``reminder`` renderer of the delivery engine: the reminder, then any joining details.

    Uses the cipher the app built once and the training names loaded with the
    knowledge, so rendering 10,000 pushes does no file reading.
    """
    if user.is_blocked:
        return Skip("blocked the bot")
    # A send resumed after a crash may come too late: joining details after the
    # stream, a deadline reminder after the deadline. Checked per user, so every
    # route into the engine (fresh, resumed, run-due) obeys it.
    useful_until = params.get("useful_until")
    if useful_until and clock.now() >= datetime.fromisoformat(useful_until):
        return Skip("no longer useful: the deadline or start has passed")
    edition = services.knowledge.editions.get(params["edition_id"])
    if edition is None:
        return Skip("the edition is no longer in data/")
    names = services.knowledge.training_names.get(edition.training.id)
    locale = user.locale
    text = _reminder_text(edition, names, params, locale, gettext_for(locale))
    applications = find_trainee_details(session, services.cipher, user.id, edition, params.get("course_id"),
                                        params.get("target")) if params.get("credentials") else []
    if not applications:
        return Skip("no joining details for this trainee") if params.get("only_with_credentials") else [
            TextMessage(text=text)]
    starts = _when(names, params, locale)
    if len({(a.found.details, a.found.tool) for a in applications}) == 1:
        # One set for all of them (one application, or one Zoom link shared by both courses).
        details = [joining_message(edition, params.get("target"), applications[0].found, starts, locale)]
    else:
        details = [joining_message(edition, params.get("target"), a.found, starts, locale,
                                   application=(a.application_no, a.course_id)) for a in applications]
    if len(details) > MAX_MESSAGES - 1:  # LINE takes five messages a push: the rest share the last one
        details = [*details[:MAX_MESSAGES - 2], "\n\n".join(details[MAX_MESSAGES - 2:])]
    return [TextMessage(text=text), *(TextMessage(text=part) for part in details)]


def _training(edition: Edition, names: TrainingNames | None, locale: str) -> str:
    if names is None:
        return edition.training.name.in_locale(locale)
    return names.short_name_en if locale == "en" else names.short_name


def _when(names: TrainingNames | None, params: dict[str, Any], locale: str) -> str:
    era = names.date_style == "era" if names else True
    if params.get("start"):
        start = datetime.fromisoformat(params["start"])
        return f"{format_day(start.date(), locale, era=era)} {format_clock(start.time())}"
    return format_day(date.fromisoformat(params["day"]), locale, era=era)


def _reminder_text(edition: Edition, names: TrainingNames | None, params: dict[str, Any], locale: str,
                   gettext: Gettext) -> str:
    kind = EventKind(params["kind"])
    template = TEMPLATES.get(kind, DEADLINE_TEMPLATE)
    title = params["title"]["en"] if locale == "en" and params["title"].get("en") else params["title"]["ja"]
    return gettext(template).format(training=_training(edition, names, locale), title=title,
                                    when=_when(names, params, locale))
