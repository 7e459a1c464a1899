"""Reminders as the secretariat sees them: what goes out next and to how many, and the dates to set.

Reminders are planned from data/ and the dates the secretariat set
(``scheduler.planning``); the clock process sends them. Here a clerk lists the
upcoming sends with their audience sizes and the tentative events still waiting
for a date, sets such a date (audited), brings the clock's jobs in line with both,
and reads what became of the reminders already due: sent late, missed, failed or
skipped, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import Delivery, DeliveryStatus, Dispatch, DispatchStatus, Enrolment, EventDate
from bot.delivery import ledger, parse_audience
from bot.i18n import Gettext
from bot.knowledge import Knowledge, ReminderRules
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.services import Services
from scheduler.fire import KIND as REMINDER_KIND
from scheduler.planning import PlannedSend, plan_reminders
from scheduler.reminder_events import ReminderEvent, load_set_dates, reminder_events
from scheduler.sync import SyncReport, plan_and_sync


@dataclass(eq=False)
class UnknownEvent(SecretariatError):
    event_id: str

    def message(self, _: Gettext) -> str:
        return _("no event {event}").format(event=self.event_id)


@dataclass(frozen=True)
class UpcomingSend:
    send: PlannedSend
    receivers: int  # who would receive it if it went out now


@dataclass(frozen=True)
class FailedReminder:
    """A reminder sent recently that did not reach some trainees: which applications, and why."""

    dispatch_id: int
    job_id: str
    started_at: datetime | None  # Japan time
    failed: int
    reasons: list[tuple[str, int]]  # the error and how many it failed
    application_nos: list[str]  # the applications (in the reminder's edition) of the trainees it failed for
    resendable: int  # how many ``kenshu announce resume`` would send again once the cause is fixed


@dataclass(frozen=True)
class Outlook:
    """The reminders still to go out, soonest first, the events that cannot be planned yet,
    and the recent reminders that failed for someone."""

    sends: list[UpcomingSend]
    waiting_for_date: list[ReminderEvent]
    failed: list[FailedReminder]


# Failures older than this have been dealt with, or no longer matter to the clerk.
FAILURES_SHOWN_FOR = timedelta(days=7)


@dataclass(frozen=True)
class PastSend:
    """A reminder that came due: when, to whom, how it went, and why some got nothing."""

    job_id: str
    audience: str
    due_at: datetime
    status: str  # DispatchStatus: done, sending, cancelled (missed while the clock was down)...
    note: str | None  # "late: ..." or "missed: ..." from the clock
    counts: dict[str, int]  # DeliveryStatus -> users
    reasons: list[tuple[str, str, int]]  # (failed | skipped, why, users), most users first

    @property
    def late(self) -> bool:
        return (self.note or "").startswith("late")

    @property
    def missed(self) -> bool:
        return (self.note or "").startswith("missed")


@dataclass(frozen=True)
class DateSet:
    event_id: str
    day: date
    at: time | None  # None: a whole-day deadline
    sync: SyncReport


def _already_fired(session: Session, job_ids: list[str]) -> set[str]:
    """The jobs whose dispatch left the waiting state: sending, sent, or cancelled as missed.

    A reminder's dispatch key is its job id (``scheduler.fire``). Its event is often
    still "useful" after it fired (a deadline a week away), so without this a clerk
    would see a reminder already sent as still to come. A dispatch still
    ``scheduled`` has not gone out yet and stays upcoming.
    """
    return set(session.scalars(select(Dispatch.key).where(
        Dispatch.key.in_(job_ids), Dispatch.status != DispatchStatus.SCHEDULED)))


def _upcoming(session: Session, knowledge: Knowledge, reminder_rules: ReminderRules,
              until: datetime | None) -> list[UpcomingSend]:
    now = clock.now()
    sizes: dict[str, int] = {}
    upcoming = []
    planned = [send for send in plan_reminders(knowledge, reminder_rules, load_set_dates(session))
               if send.useful_until > now and (until is None or send.fire_at <= until)]
    fired = _already_fired(session, [send.job_id for send in planned])
    for send in planned:
        if send.job_id in fired:
            continue
        audience = send.event.audience
        if audience not in sizes:
            sizes[audience] = parse_audience(audience, knowledge).count_receivers(session)
        upcoming.append(UpcomingSend(send, sizes[audience]))
    return upcoming


def _failed(session: Session) -> list[FailedReminder]:
    """Reminders of the last week with failed deliveries, newest first.

    Trainees are named by their application numbers in the reminder's edition,
    never by LINE id: that is how the secretariat knows them.
    """
    since = clock.system_now() - FAILURES_SHOWN_FOR
    dispatches = session.execute(
        select(Dispatch.id, Dispatch.key, Dispatch.started_at, Dispatch.content)
        .where(Dispatch.kind == "reminder", Dispatch.started_at >= since,
               select(Delivery.id).where(Delivery.dispatch_id == Dispatch.id,
                                         Delivery.status == DeliveryStatus.FAILED).exists())
        .order_by(Dispatch.started_at.desc(), Dispatch.id.desc())
    ).all()
    found = []
    for dispatch_id, key, started_at, content in dispatches:
        failed_users = select(Delivery.user_id).where(Delivery.dispatch_id == dispatch_id,
                                                      Delivery.status == DeliveryStatus.FAILED)
        numbers = session.scalars(select(Enrolment.application_no).where(
            Enrolment.user_id.in_(failed_users), Enrolment.edition_id == content.get("params", {}).get("edition_id"))
            .order_by(Enrolment.application_no)).all()
        reasons = ledger.failure_reasons(session, dispatch_id)
        found.append(FailedReminder(dispatch_id, key, started_at.astimezone(clock.JST) if started_at else None,
                                    ledger.tally(session, dispatch_id).failed, reasons, list(numbers),
                                    ledger.resendable_count(session, dispatch_id)))
    return found


def outlook(services: Services, until: datetime | None = None) -> Outlook:
    """Upcoming sends (those due by ``until``, if given) with their audience sizes, tentative events
    waiting for a date, and recent failures.

    Each audience is one count query, so ``until`` spares the dashboard (the next
    7 days) the counts of the whole season's audiences.
    """
    with services.db.session() as session:
        upcoming = _upcoming(session, services.knowledge, services.knowledge.reminder_rules, until)
        set_dates = load_set_dates(session)
        failed = _failed(session)
    waiting = [event for edition in services.knowledge.editions.values()
               for event in reminder_events(edition, set_dates) if event.day is None]
    return Outlook(upcoming, waiting, failed)


def sync_jobs(services: Services) -> SyncReport:
    """Bring the clock's jobs in line with data/ and the dates set (add, move, remove)."""
    return plan_and_sync(services)


def set_date(services: Services, actor: Actor, event_id: str, day: date, at: time | None = None) -> DateSet:
    """Set the real date (and start time) of an event announced as 「10月下旬～11月上旬 予定」, then sync.

    ``at`` is Japan time; without it the event is a whole-day deadline.
    """
    edition = services.knowledge.editions.get(event_id.split("/", 1)[0])
    known = {event.event_id for event in reminder_events(edition, {})} if edition else set()
    if event_id not in known:
        raise UnknownEvent(event_id)
    with services.db.session() as session:
        row = session.get(EventDate, event_id) or EventDate(event_id=event_id)
        row.day, row.time, row.set_at = day, at, clock.system_now()
        session.merge(row)
        record(session, actor, Action.DATE_CHANGE, event_id, day.isoformat() + (f"T{at:%H:%M}" if at else ""))
    return DateSet(event_id, day, at, sync_jobs(services))


def past_sends(services: Services, limit: int = 30) -> list[PastSend]:
    """The last reminders that came due, newest first, with their ledger counts and failure reasons.

    Three queries whatever the number of recipients: the dispatches, their counts
    by status, and the reasons of the failed and skipped ones, grouped.
    """
    with services.db.session() as session:
        dispatches = session.scalars(select(Dispatch).where(
            Dispatch.kind == REMINDER_KIND, Dispatch.status != DispatchStatus.SCHEDULED)
            .order_by(Dispatch.scheduled_at.desc(), Dispatch.id.desc()).limit(limit)).all()
        ids = [dispatch.id for dispatch in dispatches]
        counts: dict[int, dict[str, int]] = {id_: {} for id_ in ids}
        for dispatch_id, status, users in session.execute(
                select(Delivery.dispatch_id, Delivery.status, func.count())
                .where(Delivery.dispatch_id.in_(ids)).group_by(Delivery.dispatch_id, Delivery.status)):
            counts[dispatch_id][status] = users
        reasons: dict[int, list[tuple[str, str, int]]] = {id_: [] for id_ in ids}
        for dispatch_id, status, error, users in session.execute(
                select(Delivery.dispatch_id, Delivery.status, Delivery.error, func.count())
                .where(Delivery.dispatch_id.in_(ids),
                       Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]))
                .group_by(Delivery.dispatch_id, Delivery.status, Delivery.error)):
            reasons[dispatch_id].append((status, error or "", users))
        return [PastSend(d.key, d.audience, d.scheduled_at, d.status, d.note, counts[d.id],
                         sorted(reasons[d.id], key=lambda reason: -reason[2])) for d in dispatches]
