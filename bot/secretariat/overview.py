"""The dashboard's figures: quota, followers, subscribers, enrolments, what is coming, what was sent.

Every count is one grouped SQL query (never rows loaded to be counted), so the
overview stays fast with 100,000 followers and 10,000 applications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta

from sqlalchemy import case, func, select

from bot import clock
from bot.db.tables import AskedQuestion, Delivery, DeliveryStatus, Enrolment, LineUser, Subscription, UserStatus
from bot.line.gateway import LineApiError, Quota
from bot.secretariat import announcements, reminders
from bot.secretariat.questions import REVIEW_KINDS
from bot.services import Services

UPCOMING_DAYS = 7
CHART_DAYS = 14


@dataclass(frozen=True)
class Overview:
    quota: Quota | None  # None: LINE could not say
    followers_active: int
    followers_blocked: int
    subscribers: list[tuple[str, int]]  # (training name, subscribers)
    enrolments: list[tuple[str, int, int]]  # (edition title, linked, applications)
    upcoming: list[reminders.UpcomingSend]  # the next UPCOMING_DAYS days
    waiting_for_date: int
    scheduled: list[announcements.ScheduledAnnouncement]
    last_sends: list[announcements.SentDispatch]
    questions_waiting: int
    sent_per_day: list[tuple[date, int]]  # the last CHART_DAYS days, oldest first (UTC days)
    questions_per_day: list[tuple[date, int]]


def _per_day(rows: list[tuple[object, int]], today: date) -> list[tuple[date, int]]:
    """Daily counts for the chart, with the days that had none as zero."""
    counts = {date.fromisoformat(str(day)[:10]): count for day, count in rows if day is not None}
    return [(day, counts.get(day, 0)) for day in (today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1))]


def overview(services: Services, locale: str = "ja") -> Overview:
    now = clock.now()
    since = now - timedelta(days=CHART_DAYS)
    knowledge = services.knowledge
    try:
        quota: Quota | None = services.line.quota()
    except LineApiError:
        quota = None
    with services.db.session() as session:
        active, blocked = session.execute(select(
            func.count(case((LineUser.status == UserStatus.ACTIVE, 1))),
            func.count(case((LineUser.status == UserStatus.BLOCKED, 1))))).one()
        subscribers = dict(session.execute(
            select(Subscription.training_id, func.count()).group_by(Subscription.training_id)).all())
        enrolled = {edition: (linked, total) for edition, linked, total in session.execute(
            select(Enrolment.edition_id, func.count(Enrolment.user_id), func.count())
            .group_by(Enrolment.edition_id)).all()}
        questions_waiting = session.scalar(select(func.count()).where(  # the review queue's size
            AskedQuestion.kind.in_(REVIEW_KINDS), AskedQuestion.assigned_entry_id.is_(None))) or 0
        sent_day = func.date(Delivery.updated_at)
        sent = session.execute(select(sent_day, func.count()).where(
            Delivery.status == DeliveryStatus.SENT, Delivery.updated_at >= since).group_by(sent_day)).all()
        asked_day = func.date(AskedQuestion.asked_at)
        asked = session.execute(select(asked_day, func.count()).where(
            AskedQuestion.kind.in_(REVIEW_KINDS), AskedQuestion.asked_at >= since).group_by(asked_day)).all()
    horizon = now + timedelta(days=UPCOMING_DAYS)
    outlook = reminders.outlook(services, until=horizon)
    today = now.astimezone(UTC).date()
    return Overview(
        quota=quota,
        followers_active=active,
        followers_blocked=blocked,
        subscribers=[(training.name.in_locale(locale), subscribers.get(tid, 0)) for tid, training in sorted(knowledge.trainings.items())],
        enrolments=[(edition.title.in_locale(locale), *enrolled.get(eid, (0, 0))) for eid, edition in sorted(knowledge.editions.items())],
        upcoming=outlook.sends,
        waiting_for_date=len(outlook.waiting_for_date),
        scheduled=announcements.scheduled_announcements(services),
        last_sends=announcements.history(services, per_page=5, kind=None).dispatches,
        questions_waiting=questions_waiting,
        sent_per_day=_per_day(sent, today),
        questions_per_day=_per_day(asked, today),
    )
