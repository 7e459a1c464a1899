"""The reminder each trainee reads: built at send time, in their language, per user.

Built per user (a personalised dispatch) because joining details differ per
enrolment, and because a trainee's locale and enrolment are only known then.
Personal details are looked up through the enrolment linked to *this* LINE user,
so they cannot reach anyone else; a blocked user is skipped even if the
audience query let one through.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from linebot.v3.messaging import Message, TextMessage
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock as bot_clock
from bot.credentials import Cipher, find_details
from bot.credentials.store import FoundDetails
from bot.db.tables import Enrolment, LineUser
from bot.delivery import Renderers, Skip
from bot.i18n import Gettext, gettext_for
from bot.knowledge import Edition, EventKind, TrainingNames
from bot.qa.dates import format_clock, format_day
from bot.services import Services
from scheduler.planning import RENDERER


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


class ReminderRenderer:
    """The ``reminder`` renderer of the delivery engine.

    Holds the cipher and the trainings' short names and date style (loaded with
    the knowledge), so rendering 10,000 pushes does no file reading.
    """

    def __init__(self, cipher: Cipher, names: dict[str, TrainingNames]) -> None:
        self.cipher = cipher
        self.names = names

    def __call__(self, session: Session, services: Services, user: LineUser,
                 params: dict[str, Any]) -> list[Message] | Skip | None:
        if user.is_blocked:
            return Skip("blocked the bot")
        # A send resumed after a crash may come too late: joining details after the
        # stream, a deadline reminder after the deadline. Checked per user, so every
        # route into the engine (fresh, resumed, run-due) obeys it.
        useful_until = params.get("useful_until")
        if useful_until and bot_clock.now() >= datetime.fromisoformat(useful_until):
            return Skip("no longer useful: the deadline or start has passed")
        edition = services.knowledge.editions.get(params["edition_id"])
        if edition is None:
            return Skip("the edition is no longer in data/")
        locale = user.locale
        gettext = gettext_for(locale)
        text = self._reminder_text(edition, params, locale, gettext)
        found = self._details(session, user, edition, params) if params.get("credentials") else None
        if found is None:
            return Skip("no joining details for this trainee") if params.get("only_with_credentials") else [
                TextMessage(text=text)]
        return [TextMessage(text=text), TextMessage(text=self._details_text(edition, params, found, locale, gettext))]

    def _training(self, edition: Edition, locale: str) -> str:
        names = self.names.get(edition.training.id)
        if names is None:
            return edition.training.name.in_locale(locale)
        return names.short_name_en if locale == "en" else names.short_name

    def _when(self, edition: Edition, params: dict[str, Any], locale: str) -> str:
        names = self.names.get(edition.training.id)
        era = names.date_style == "era" if names else True
        if params.get("start"):
            start = datetime.fromisoformat(params["start"])
            return f"{format_day(start.date(), locale, era=era)} {format_clock(start.time())}"
        return format_day(date.fromisoformat(params["day"]), locale, era=era)

    def _reminder_text(self, edition: Edition, params: dict[str, Any], locale: str, gettext: Gettext) -> str:
        kind = EventKind(params["kind"])
        template = TEMPLATES.get(kind, DEADLINE_TEMPLATE)
        title = params["title"]["en"] if locale == "en" and params["title"].get("en") else params["title"]["ja"]
        return gettext(template).format(training=self._training(edition, locale), title=title,
                                        when=self._when(edition, params, locale))

    def _details(self, session: Session, user: LineUser, edition: Edition, params: dict[str, Any]) -> FoundDetails | None:
        enrolments = session.scalars(select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.edition_id == edition.id).order_by(Enrolment.id)).all()
        if not enrolments:
            return None
        course_id = params.get("course_id")
        covered = {c.id for c in edition.course(course_id).walk()} if course_id and edition.course(course_id) else None
        enrolment = next((e for e in enrolments if covered is None or e.course_id in covered), None)
        if enrolment is None:
            return None
        targets = [target for target in (params.get("target"), course_id) if target]
        return find_details(session, self.cipher, edition.id, enrolment.id, targets)

    def _tool(self, edition: Edition, params: dict[str, Any], found: FoundDetails, locale: str) -> str | None:
        if found.tool:
            return found.tool
        target = params.get("target")
        stream = next((s for s in edition.live_streams if s.id == target), None)
        if stream is not None:
            return stream.tool.in_locale(locale)
        session_day = next((s for s in edition.sessions if s.id == target), None)
        if session_day is not None and session_day.format is not None:
            return session_day.format.in_locale(locale)
        platform = next((o.platform for o in edition.on_demand if o.platform is not None), None)
        return platform.in_locale(locale) if platform is not None and target == "on-demand" else None

    def _details_text(self, edition: Edition, params: dict[str, Any], found: FoundDetails, locale: str,
                      gettext: Gettext) -> str:
        lines = [gettext("Joining details")]
        tool = self._tool(edition, params, found, locale)
        details = found.details
        for label, value in ((gettext("Tool"), tool), (gettext("URL"), details.url),
                             (gettext("ID"), details.login_id), (gettext("Password"), details.password)):
            if value:
                lines.append(gettext("{label}: {value}").format(label=label, value=value))
        lines.append(gettext("{label}: {value}").format(label=gettext("Starts"), value=self._when(edition, params, locale)))
        rules = [edition.system_requirements.device_rule if edition.system_requirements else None,
                 edition.rules.recording if edition.rules else None]
        lines.extend(f"・{rule.in_locale(locale)}" for rule in rules if rule is not None)
        lines.append(gettext("Please do not share these details with anyone else."))
        return "\n".join(lines)


def reminder_renderers(app: Flask) -> Renderers:
    """The renderers the clock passes to the delivery engine."""
    services = Services.of(app)
    cipher = Cipher(app.config["KENSHU_SECRET_KEY"])
    return Renderers({RENDERER: ReminderRenderer(cipher, services.knowledge.training_names)})
