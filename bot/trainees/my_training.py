"""A linked trainee's own training: their applications, the dates that concern them, their next session.

LINE-free and text-free: this works out *what* concerns the trainee (from the
roster row linked to their LINE account, the edition in ``data/`` and the dates the
secretariat set); ``handlers/my_training.py`` words it. The dates are the
reminders' own events (``scheduler.reminder_events``), so the card, the reminders
and the joining details always agree on when something happens, and a live stream
given only as 「10月下旬～11月上旬 予定」 stays undecided until the secretariat sets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.clock import JST
from bot.db.tables import Enrolment, LineUser
from bot.knowledge import Course, Edition, EventKind, Knowledge, TentativeWindow, Text
from bot.trainees.linking import linked_enrolments
from scheduler.reminder_events import ReminderEvent, SetDates, load_set_dates, reminder_events

# Events of the application stage that no longer concern someone on the roster.
_BEFORE_ENROLMENT = frozenset({EventKind.APPLICATION_OPEN, EventKind.APPLICATION_DEADLINE, EventKind.CONSENT_FORM})
# Dated things the trainee has to do themselves (the rest are things that happen to them).
TASK_KINDS = frozenset({EventKind.DOCUMENT_SUBMISSION, EventKind.FEE_PAYMENT_DEADLINE, EventKind.COMPREHENSION_TEST,
                        EventKind.CASE_SUBMISSION})
MAX_DATES = 6  # a phone screen's worth


class DateState(StrEnum):
    UPCOMING = "upcoming"  # days_left > 0
    TODAY = "today"
    ONGOING = "ongoing"  # inside a period (on-demand viewing)
    OVER = "over"
    UNDECIDED = "undecided"  # only a tentative window is known


@dataclass(frozen=True)
class DateLine:
    """One date on the trainee's card."""

    kind: EventKind
    title: Text
    day: date | None
    start: datetime | None
    last_day: date | None  # the end of a period (on-demand viewing)
    tentative: TentativeWindow | None
    state: DateState
    days_left: int | None  # to the day (upcoming) or to the end of the period (ongoing)

    @property
    def is_task(self) -> bool:
        return self.kind in TASK_KINDS


@dataclass(frozen=True)
class JoiningSession:
    """Something joined with details (URL, ID, password): the on-demand portal, a live stream, an online day."""

    target: str  # "on-demand", a stream id or a session id: what the details are stored for
    course_id: str | None  # the course the event names (may be a parent of the enrolment's course)
    title: Text
    day: date | None
    start: datetime | None
    last_day: date | None
    tentative: TentativeWindow | None

    @property
    def useful_until(self) -> datetime | None:
        """The end of the session's last day; None while undecided."""
        end = self.last_day or self.day
        if end is None:
            return None
        return datetime.combine(end + timedelta(days=1), time(0), JST) - timedelta(microseconds=1)

    def sort_key(self) -> date:
        return self.day or (self.tentative.earliest if self.tentative else date.max)


@dataclass(frozen=True)
class ApplicationOutlook:
    """One linked application as the trainee sees it."""

    enrolment_id: int
    application_no: str
    edition: Edition
    course: Course | None
    dates: list[DateLine]  # what is still ahead (or going on), soonest first
    all_over: bool  # every dated event of the application has passed
    next_session: JoiningSession | None


def _days(today: date, day: date) -> int:
    return (day - today).days


def _state(today: date, day: date | None, last_day: date | None,
           tentative: TentativeWindow | None) -> tuple[DateState, int | None]:
    if day is None:
        assert tentative is not None
        return (DateState.OVER, None) if tentative.has_passed(today) else (DateState.UNDECIDED, None)
    if last_day is not None and day <= today <= last_day:
        return DateState.ONGOING, _days(today, last_day)
    end = last_day or day
    if end < today:
        return DateState.OVER, None
    if day == today:
        return DateState.TODAY, 0
    return DateState.UPCOMING, _days(today, day)


def _concerns(event: ReminderEvent, edition: Edition, course_id: str | None) -> bool:
    """An event of the whole edition, or of the enrolment's course or a course it belongs to."""
    if event.kind in _BEFORE_ENROLMENT:
        return False
    if event.audience.startswith("prospects:") and event.kind is not EventKind.DECISION_NOTICE:
        return False
    if event.course_id is None:
        return True
    event_course = edition.course(event.course_id)
    return course_id is not None and event_course is not None and course_id in {c.id for c in event_course.walk()}


def _joinable(edition: Edition, event: ReminderEvent) -> bool:
    """Events people join online: the portal, live streams, course days held without a venue."""
    if event.kind in (EventKind.ON_DEMAND_START, EventKind.LIVE_STREAM):
        return True
    if event.kind is EventKind.COURSE_DAY:
        day = next((s for s in edition.sessions if s.id == event.target), None)
        return day is not None and day.venue_id is None
    return False


def _on_demand_ends(events: list[ReminderEvent]) -> dict[str | None, date | None]:
    return {e.course_id: e.day for e in events if e.kind is EventKind.ON_DEMAND_END}


def application_outlook(edition: Edition, enrolment: Enrolment, set_dates: SetDates,
                        now: datetime) -> ApplicationOutlook:
    """The dates of one application that are still ahead, and the session its joining details are for next."""
    today = now.astimezone(JST).date()
    course = edition.course(enrolment.course_id) if enrolment.course_id else None
    events = [e for e in reminder_events(edition, set_dates) if _concerns(e, edition, enrolment.course_id)]
    ends = _on_demand_ends(events)
    lines: list[DateLine] = []
    sessions: list[JoiningSession] = []
    for event in events:
        if event.kind is EventKind.ON_DEMAND_END:
            continue  # shown as the end of its period
        last_day = ends.get(event.course_id) if event.kind is EventKind.ON_DEMAND_START else None
        state, days_left = _state(today, event.day, last_day, event.tentative)
        lines.append(DateLine(event.kind, event.title, event.day, event.start, last_day, event.tentative, state,
                              days_left))
        if _joinable(edition, event) and event.target and state is not DateState.OVER:
            sessions.append(JoiningSession(event.target, event.course_id, event.title, event.day, event.start,
                                           last_day, event.tentative))
    ahead = [line for line in lines if line.state is not DateState.OVER]
    ahead.sort(key=lambda line: line.day or (line.tentative.earliest if line.tentative else date.max))
    sessions.sort(key=JoiningSession.sort_key)
    return ApplicationOutlook(enrolment.id, enrolment.application_no, edition, course, ahead[:MAX_DATES],
                              all_over=bool(lines) and not ahead, next_session=sessions[0] if sessions else None)


def my_applications(session: Session, knowledge: Knowledge, user: LineUser, now: datetime) -> list[ApplicationOutlook]:
    """Every application linked to this LINE user whose edition is still in ``data/``, oldest link first."""
    enrolments = [e for e in linked_enrolments(session, user) if e.edition_id in knowledge.editions]
    if not enrolments:
        return []
    set_dates = load_set_dates(session)
    return [application_outlook(knowledge.edition(e.edition_id), e, set_dates, now) for e in enrolments]
