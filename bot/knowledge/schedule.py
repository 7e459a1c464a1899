"""The dated events of an edition, for reminders.

Events are derived from the typed facts (application period, fee deadline,
on-demand periods, live streams, sessions) plus the explicit ``milestones`` of
the YAML, so a new edition gets reminders without code changes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import model_validator

from bot.clock import JST
from bot.knowledge.base import Source, Strict, Text
from bot.knowledge.models import Edition, EventAudience, MilestoneKind
from bot.knowledge.timing import ArrivalRule, Deadline, TentativeWindow, When

EventKind = MilestoneKind


class ScheduledEvent(Strict):
    """One dated event: a concrete day/datetime, or a tentative window that has no day."""

    kind: EventKind
    edition_id: str
    course_id: str | None
    session_id: str | None = None
    audience: EventAudience
    title: Text
    at: date | datetime | None = None
    end: datetime | None = None
    tentative: TentativeWindow | None = None
    approximate: bool = False
    rule: ArrivalRule = ArrivalRule.NOT_STATED  # how a deadline is judged (必着, 厳守), said beside its day
    source: Source

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduledEvent:
        if (self.at is None) == (self.tentative is None):
            raise ValueError("an event has either `at` or `tentative`")
        return self

    def sort_key(self) -> datetime:
        """Earliest possible moment, for chronological ordering."""
        if self.tentative is not None:
            return datetime.combine(self.tentative.earliest, time(0), JST)
        if isinstance(self.at, datetime):
            return self.at
        assert self.at is not None
        return datetime.combine(self.at, time(0), JST)


class _Builder:
    """Collects events of one edition; a helper object rather than module state."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.events: list[ScheduledEvent] = []

    def add(self, kind: EventKind, audience: EventAudience, title: Text, source: Source,
            when: When | Deadline | date | datetime | TentativeWindow, course_ids: list[str] | None = None,
            end: datetime | None = None, approximate: bool = False, session_id: str | None = None) -> None:
        at: date | datetime | None = None
        tentative: TentativeWindow | None = None
        rule = ArrivalRule.NOT_STATED
        if isinstance(when, When):
            at = when.at or when.date
            tentative = when.tentative
            approximate = approximate or when.approximate
        elif isinstance(when, Deadline):
            at = datetime.combine(when.date, when.time, JST) if when.time else when.date
            approximate = approximate or when.approximate
            rule = when.rule
        elif isinstance(when, TentativeWindow):
            tentative = when
        else:
            at = when
        for course_id in course_ids or [None]:
            self.events.append(ScheduledEvent(
                kind=kind, edition_id=self.edition.id, course_id=course_id, session_id=session_id,
                audience=audience, title=title,
                at=at, end=end, tentative=tentative, approximate=approximate, rule=rule, source=source))


def _application(b: _Builder) -> None:
    app = b.edition.application
    if app.period is not None:
        b.add(EventKind.APPLICATION_OPEN, EventAudience.PROSPECTIVE, Text(ja="申込受付開始", en="Applications open"),
              app.source, app.period.start)
    last = app.last_day()
    if last is not None:
        b.add(EventKind.APPLICATION_DEADLINE, EventAudience.PROSPECTIVE, Text(ja="申込締切", en="Application deadline"),
              app.source, last)
    notice = b.edition.decision_notice
    if notice is not None and notice.when is not None:
        b.add(EventKind.DECISION_NOTICE, EventAudience.PROSPECTIVE, Text(ja="受講決定通知", en="Decision notice"),
              notice.source, notice.when)


def _fee(b: _Builder) -> None:
    fee = b.edition.fee
    if fee.payment is None:
        return
    if fee.payment.notice is not None:
        b.add(EventKind.FEE_PAYMENT_NOTICE, EventAudience.ENROLLED,
              Text(ja="納入通知書の発送", en="Payment notice sent"), fee.source, fee.payment.notice)
    if fee.payment.deadline is not None:
        b.add(EventKind.FEE_PAYMENT_DEADLINE, EventAudience.ENROLLED,
              Text(ja="受講料の納付期限", en="Fee payment deadline"), fee.source, fee.payment.deadline)


def _on_demand(b: _Builder) -> None:
    for item in b.edition.on_demand:
        if item.period is None:
            continue
        b.add(EventKind.ON_DEMAND_START, EventAudience.ENROLLED,
              Text(ja="オンデマンド配信開始", en="On-demand viewing opens"), item.source, item.period.start,
              item.course_ids, approximate=item.period.approximate)
        b.add(EventKind.ON_DEMAND_END, EventAudience.ENROLLED,
              Text(ja="オンデマンド配信終了", en="On-demand viewing closes"), item.source, item.period.end,
              item.course_ids, approximate=item.period.approximate)


def _credentials(b: _Builder) -> None:
    creds = b.edition.credentials
    if creds is None or creds.timing is None or creds.timing.anchor != "on_demand_start":
        return
    starts = [item.period.start for item in b.edition.on_demand if item.period is not None]
    if not starts:
        return
    by = min(starts) - timedelta(days=creds.timing.days_before)
    window = TentativeWindow(earliest=by, latest=by, label_ja=creds.timing.label.ja, label_en=creds.timing.label.en)
    b.add(EventKind.CREDENTIALS_DELIVERY, EventAudience.ENROLLED,
          Text(ja="受講URL・ID・パスワードの送付", en="Login details sent"), creds.source, window)


def _live_streams(b: _Builder) -> None:
    for stream in b.edition.live_streams:
        end = None
        when = stream.when
        if stream.hours is not None and when.date is not None:
            start, end = stream.hours.on(when.date)
            when = When(at=start, approximate=when.approximate)
        b.add(EventKind.LIVE_STREAM, EventAudience.ENROLLED, Text(ja="ライブ配信", en="Live stream"), stream.source,
              when, stream.course_ids, end=end)


def _sessions(b: _Builder) -> None:
    top_level = [c.id for c in b.edition.courses]
    for session in b.edition.sessions:
        for course_id in session.course_ids or top_level:
            course = b.edition.course(course_id)
            hours = session.hours or (course.hours if course else None)
            when: When = session.date
            end = None
            if hours is not None and session.date.date is not None:
                start, end = hours.on(session.date.date)
                when = When(at=start, approximate=session.date.approximate)
            b.add(EventKind.COURSE_DAY, EventAudience.ENROLLED, session.label, session.source, when, [course_id],
                  end=end, session_id=session.id)
            _session_tasks(b, session.id, session.date, course_id)


def _session_tasks(b: _Builder, session_id: str, day: When, course_id: str) -> None:
    """Tasks due before a session day (e.g. 確認テスト 当日までに); tentative days stay tentative."""
    top_level = [c.id for c in b.edition.courses]
    for task in b.edition.session_tasks:
        if course_id not in (task.course_ids or top_level):
            continue
        when: When | date = day
        concrete = day.day()
        if concrete is not None:
            when = concrete - timedelta(days=task.days_before)
        b.add(task.kind, EventAudience.ENROLLED, task.title, task.source, when, [course_id], session_id=session_id,
              approximate=day.approximate)


def _milestones(b: _Builder) -> None:
    for milestone in b.edition.milestones:
        b.add(milestone.kind, milestone.audience, milestone.title, milestone.source, milestone.when,
              milestone.course_ids or None)


def edition_events(edition: Edition) -> list[ScheduledEvent]:
    """All dated events of ``edition`` in chronological order."""
    builder = _Builder(edition)
    for derive in (_application, _fee, _on_demand, _credentials, _live_streams, _sessions, _milestones):
        derive(builder)
    return sorted(builder.events, key=lambda e: (e.sort_key(), e.kind.value, e.course_id or ""))
