"""Trainees' personal requests: recorded for the secretariat, and joining details sent again on request.

The joining details go out as a dispatch of the delivery engine to ``user:ID``
(the asker alone): a ledger row before the push, a retry key, the monthly quota
counted, and nothing sent twice if the worker dies in between (the clock's
``run_due`` finishes a dispatch left scheduled). The dispatch is created in the
handler's transaction and sent after it commits (``EventContext.after_replies``),
so the reply 「別のメッセージでお送りします」 and the details arrive in that order.

Who may receive what is decided twice: when asked (the applications linked to
this LINE user, today's re-sends under the limit) and again when rendering (the
enrolment is still linked to the user the ledger row is for, the session is not
over), so a relink or a deletion in between sends nothing to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from linebot.v3.messaging import Message, TextMessage
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.clock import JST
from bot.credentials import find_details, joining_message
from bot.db.tables import Enrolment, LineUser, PersonalRequest
from bot.delivery import Skip, create_dispatch
from bot.knowledge.personal_questions import PersonalIntent
from bot.qa.dates import format_clock, format_day, format_range
from bot.trainees.my_training import ApplicationOutlook, JoiningSession

if TYPE_CHECKING:
    from bot.services import Services

RENDERER = "joining_details"
DISPATCH_KIND = "personal"
DEFAULT_DAILY_RESENDS = 3


class Outcome(StrEnum):
    """What came of one request, as the secretariat's listing shows it."""

    ANSWERED = "answered"  # the card or the application status was shown
    SENT = "sent"  # joining details sent again
    NOT_YET = "not_yet"  # the session is set, its details are not imported yet
    UNDECIDED = "undecided"  # the session's date is not decided yet
    ALL_OVER = "all_over"  # no session ahead
    LIMIT = "limit"  # today's re-sends are used up
    UNLINKED = "unlinked"  # asked without a linked application


class Availability(StrEnum):
    AVAILABLE = "available"
    NOT_YET = "not_yet"
    UNDECIDED = "undecided"
    ALL_OVER = "all_over"


@dataclass(frozen=True)
class JoiningAnswer:
    """For one application: whether its next session's details can be sent now."""

    application: ApplicationOutlook
    availability: Availability


@dataclass(frozen=True)
class JoiningRequest:
    answers: list[JoiningAnswer]
    outcome: Outcome
    dispatch_id: int | None
    daily_limit: int


def record(session: Session, user: LineUser, kind: PersonalIntent, outcome: Outcome, now: datetime,
           edition_id: str | None = None, target: str | None = None, dispatch_id: int | None = None) -> None:
    session.add(PersonalRequest(user_id=user.id, kind=kind.value, outcome=outcome.value, edition_id=edition_id,
                                target=target, dispatch_id=dispatch_id, asked_at=now))


def resends_today(session: Session, user: LineUser, now: datetime) -> int:
    """Joining details sent again to this user since midnight, Japan time."""
    midnight = datetime.combine(now.astimezone(JST).date(), time(0), JST)
    return session.scalar(select(func.count()).select_from(PersonalRequest).where(
        PersonalRequest.user_id == user.id, PersonalRequest.kind == PersonalIntent.JOINING_DETAILS.value,
        PersonalRequest.outcome == Outcome.SENT.value, PersonalRequest.asked_at >= midnight)) or 0


def _targets(joining: JoiningSession, enrolment: Enrolment) -> list[str]:
    """Most specific first: the session, the trainee's own course, the course the event names."""
    return list(dict.fromkeys(t for t in (joining.target, enrolment.course_id, joining.course_id) if t))


def _availability(session: Session, services: Services, user: LineUser,
                  application: ApplicationOutlook) -> Availability:
    joining = application.next_session
    if joining is None:
        return Availability.ALL_OVER
    if joining.day is None:
        return Availability.UNDECIDED
    enrolment = session.get(Enrolment, application.enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        return Availability.ALL_OVER
    found = find_details(session, services.cipher, application.edition.id, enrolment.id, _targets(joining, enrolment))
    return Availability.AVAILABLE if found is not None else Availability.NOT_YET


def _outcome(answers: list[JoiningAnswer]) -> Outcome:
    kinds = {answer.availability for answer in answers}
    for availability, outcome in ((Availability.AVAILABLE, Outcome.SENT), (Availability.NOT_YET, Outcome.NOT_YET),
                                  (Availability.UNDECIDED, Outcome.UNDECIDED)):
        if availability in kinds:
            return outcome
    return Outcome.ALL_OVER


def request_joining_details(session: Session, services: Services, user: LineUser,
                            applications: list[ApplicationOutlook], now: datetime, request_key: str,
                            daily_limit: int) -> JoiningRequest:
    """Decide, record and (when the details exist and today's limit allows) plan the re-send.

    ``request_key`` names the request (the webhook event id), so handling the same
    event twice plans one dispatch.
    """
    answers = [JoiningAnswer(a, _availability(session, services, user, a)) for a in applications]
    outcome = _outcome(answers)
    dispatch_id = None
    if outcome is Outcome.SENT and resends_today(session, user, now) >= daily_limit:
        outcome = Outcome.LIMIT
    if outcome is Outcome.SENT:
        items = [_item(answer.application) for answer in answers if answer.availability is Availability.AVAILABLE]
        content = {"renderer": RENDERER, "params": {"items": items, "labelled": len(applications) > 1}}
        dispatch_id = create_dispatch(session, f"joining-details/{request_key}", DISPATCH_KIND, f"user:{user.id}",
                                      content, scheduled_at=now, note="joining details asked for again").id
    first = next((a for a in answers if a.availability.value == outcome.value), answers[0] if answers else None)
    record(session, user, PersonalIntent.JOINING_DETAILS, outcome, now,
           edition_id=first.application.edition.id if first else None,
           target=first.application.next_session.target if first and first.application.next_session else None,
           dispatch_id=dispatch_id)
    return JoiningRequest(answers, outcome, dispatch_id, daily_limit)


def _item(application: ApplicationOutlook) -> dict[str, Any]:
    joining = application.next_session
    assert joining is not None and joining.day is not None and joining.useful_until is not None
    return {"enrolment_id": application.enrolment_id, "edition_id": application.edition.id,
            "target": joining.target, "course_id": joining.course_id, "day": joining.day.isoformat(),
            "last_day": joining.last_day.isoformat() if joining.last_day else None,
            "start": joining.start.isoformat() if joining.start else None,
            "useful_until": joining.useful_until.isoformat()}


def _starts(services: Services, edition_id: str, item: dict[str, Any], locale: str) -> str:
    training = services.knowledge.edition(edition_id).training.id
    names = services.knowledge.training_names.get(training)
    era = names.date_style == "era" if names else True
    day = datetime.fromisoformat(item["day"]).date()
    if item.get("last_day"):
        return format_range(day, datetime.fromisoformat(item["last_day"]).date(), locale, era=era)
    shown = format_day(day, locale, era=era)
    return f"{shown} {format_clock(datetime.fromisoformat(item['start']).time())}" if item.get("start") else shown


def render_joining_details(session: Session, services: Services, user: LineUser,
                           params: dict[str, Any]) -> list[Message] | Skip:
    """The ``joining_details`` renderer: the details of each application still linked to ``user``, labelled."""
    if user.is_blocked:
        return Skip("blocked the bot")
    locale = user.locale
    messages: list[Message] = []
    for item in params.get("items", []):
        enrolment = session.get(Enrolment, item["enrolment_id"])
        edition = services.knowledge.editions.get(item["edition_id"])
        if enrolment is None or enrolment.user_id != user.id or edition is None:
            continue  # unlinked (relinked to someone else, or data deleted) since the request
        if clock.now() >= datetime.fromisoformat(item["useful_until"]):
            continue
        targets = [t for t in (item["target"], enrolment.course_id, item.get("course_id")) if t]
        found = find_details(session, services.cipher, edition.id, enrolment.id, list(dict.fromkeys(targets)))
        if found is None:
            continue
        text = joining_message(edition, item["target"], found, _starts(services, edition.id, item, locale), locale)
        if params.get("labelled"):
            course = edition.course(enrolment.course_id) if enrolment.course_id else None
            label = edition.training.name.in_locale(locale) + (f" / {course.name.in_locale(locale)}" if course else "")
            text = f"【{label}】\n{text}"
        messages.append(TextMessage(text=text))
    return messages[:5] if messages else Skip("no joining details to send any more")
