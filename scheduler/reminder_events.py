"""The events reminders are planned for: stable ids, and the dates the secretariat set.

An event id names an event without its date (``EDITION/KIND[/STREAM_OR_SESSION][/COURSE]``),
so when data/ moves a deadline the id stays and only the reminder times move.
A tentative event (「10月下旬～11月上旬 予定」) has no moment until the secretariat
sets the real date; then it is planned like any other.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import JST
from bot.db.tables import EventDate
from bot.knowledge import Edition, EventAudience, EventKind, ScheduledEvent, TentativeWindow, Text
from bot.knowledge.schedule import edition_events

# Events whose last reminder carries the joining details people need right before they start.
LIVE_KINDS = frozenset({EventKind.LIVE_STREAM, EventKind.COURSE_DAY})

SetDates = dict[str, tuple[date, time | None]]


@dataclass(frozen=True)
class ReminderEvent:
    """One event of an edition as reminders see it."""

    event_id: str
    edition_id: str
    kind: EventKind
    course_id: str | None
    audience: str
    title: Text
    target: str | None  # what joining details open: "on-demand", a stream id or a session id
    day: date | None  # None while only a tentative window is known
    start: datetime | None  # the start time, for timed events
    tentative: TentativeWindow | None

    @property
    def useful_until(self) -> datetime:
        """After this moment a reminder of the event is no use (its start, or the end of its day)."""
        if self.start is not None:
            return self.start
        assert self.day is not None
        return datetime.combine(self.day + timedelta(days=1), time(0), JST) - timedelta(microseconds=1)


def load_set_dates(session: Session) -> SetDates:
    """Every date the secretariat set, by event id."""
    return {row.event_id: (row.day, row.time) for row in session.scalars(select(EventDate))}


def _stream_id(edition: Edition, event: ScheduledEvent) -> str | None:
    streams = [s for s in edition.live_streams if event.course_id in s.course_ids]
    for stream in streams:
        if stream.when.tentative == event.tentative and (event.tentative is not None or len(streams) == 1
                                                          or stream.when.day() == _day_of(event)):
            return stream.id
    return streams[0].id if streams else None


def _day_of(event: ScheduledEvent) -> date | None:
    if event.at is None:
        return None
    return event.at.date() if isinstance(event.at, datetime) else event.at


def _target(edition: Edition, event: ScheduledEvent) -> str | None:
    if event.kind is EventKind.ON_DEMAND_START:
        return "on-demand"
    if event.kind is EventKind.LIVE_STREAM:
        return _stream_id(edition, event)
    if event.kind is EventKind.COURSE_DAY:
        return event.session_id
    return None


def _audience(event: ScheduledEvent) -> str:
    if event.audience is EventAudience.PROSPECTIVE:
        return f"prospects:{event.edition_id}"
    return f"course:{event.course_id}" if event.course_id else f"edition:{event.edition_id}"


def _base_id(edition: Edition, event: ScheduledEvent) -> str:
    qualifier = _stream_id(edition, event) if event.kind is EventKind.LIVE_STREAM else event.session_id
    parts = [edition.id, event.kind.value, qualifier, event.course_id]
    return "/".join(part for part in parts if part)


def reminder_events(edition: Edition, set_dates: SetDates) -> list[ReminderEvent]:
    """The edition's events with ids, with the secretariat's dates applied."""
    scheduled = edition_events(edition)
    bases = [_base_id(edition, event) for event in scheduled]
    repeated = Counter(bases)
    found: list[ReminderEvent] = []
    for base, event in zip(bases, scheduled):
        # Two events of one kind with nothing else to tell them apart (two "other"
        # milestones): their title tells them apart, and stays put when dates move.
        event_id = base if repeated[base] == 1 else f"{base}~{hashlib.sha1(event.title.ja.encode()).hexdigest()[:6]}"
        day, start = _day_of(event), event.at if isinstance(event.at, datetime) else None
        if event_id in set_dates:
            day, start_time = set_dates[event_id]
            start = datetime.combine(day, start_time, JST) if start_time is not None else None
        found.append(ReminderEvent(
            event_id=event_id, edition_id=edition.id, kind=event.kind, course_id=event.course_id,
            audience=_audience(event), title=event.title, target=_target(edition, event),
            day=day, start=start, tentative=event.tentative if day is None else None))
    return found
