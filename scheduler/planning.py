"""From events and rules to planned sends: one per (event, rule), never per user.

A planned send knows when it fires, until when it is still useful (a reminder
of a deadline that has passed is noise), whom it goes to (an audience string of
the delivery engine) and how it is rendered. Who exactly receives it is decided
at fire time, so a trainee who links their account the day before still gets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import JST
from bot.knowledge import Edition, Knowledge, QuietHours, ReminderRules, Rule
from scheduler.reminder_events import LIVE_KINDS, ReminderEvent, SetDates, reminder_events

RENDERER = "reminder"
JOB_PREFIX = "reminder:"


@dataclass(frozen=True)
class PlannedSend:
    job_id: str
    event: ReminderEvent
    rule: Rule
    fire_at: datetime
    moved_by_quiet_hours: bool

    @property
    def useful_until(self) -> datetime:
        return self.event.useful_until

    def content(self, late: bool = False) -> dict[str, Any]:
        """The delivery engine's personalised content: what the reminder renderer needs."""
        event = self.event
        return {"renderer": RENDERER, "params": {
            "edition_id": event.edition_id, "event_id": event.event_id, "kind": event.kind.value,
            "rule_id": self.rule.id, "course_id": event.course_id,
            "title": {"ja": event.title.ja, "en": event.title.en},
            "day": event.day.isoformat() if event.day else None,
            "start": event.start.isoformat() if event.start else None,
            "target": event.target, "credentials": self.rule.credentials,
            "only_with_credentials": self.rule.only_with_credentials, "late": late,
            "useful_until": self.useful_until.isoformat(),
        }}


def job_id(event: ReminderEvent, rule: Rule, fire_at: datetime) -> str:
    """Deterministic, so planning twice (or in two processes) names the same job."""
    return f"{JOB_PREFIX}{event.event_id}:{rule.id}:{fire_at.astimezone(JST):%Y%m%dT%H%M}"


def _raw_fire_time(event: ReminderEvent, rule: Rule) -> datetime | None:
    if rule.minutes_before is not None:
        return None if event.start is None else event.start - timedelta(minutes=rule.minutes_before)
    assert rule.days_before is not None and rule.at is not None and event.day is not None
    return datetime.combine(event.day - timedelta(days=rule.days_before), rule.at, JST)


def _after_quiet_hours(moment: datetime, quiet: QuietHours) -> datetime:
    day = moment.date() + timedelta(days=1) if moment.time() >= quiet.start > quiet.end else moment.date()
    return datetime.combine(day, quiet.end, JST)


def plan_event(event: ReminderEvent, rules: list[Rule], quiet: QuietHours) -> list[PlannedSend]:
    """The sends of one event; a tentative event has none."""
    if event.day is None:
        return []
    timed = [(rule, at) for rule in rules if (at := _raw_fire_time(event, rule)) is not None]
    last = max((at for _, at in timed), default=None)
    sends: list[PlannedSend] = []
    for rule, fire_at in timed:
        exempt = event.kind in LIVE_KINDS and fire_at == last
        moved = not exempt and quiet.contains(fire_at.time())
        if moved:
            fire_at = _after_quiet_hours(fire_at, quiet)
        if fire_at >= event.useful_until:
            continue
        sends.append(PlannedSend(job_id(event, rule, fire_at), event, rule, fire_at, moved))
    return sends


def plan_edition(edition: Edition, rules: ReminderRules, set_dates: SetDates) -> list[PlannedSend]:
    by_kind = rules.for_edition(edition.id)
    sends: list[PlannedSend] = []
    for event in reminder_events(edition, set_dates):
        sends.extend(plan_event(event, by_kind.get(event.kind, []), rules.quiet_hours))
    return sends


def plan_reminders(knowledge: Knowledge, rules: ReminderRules, set_dates: SetDates) -> list[PlannedSend]:
    """Every planned send of every edition, soonest first."""
    sends = [send for edition in knowledge.editions.values() for send in plan_edition(edition, rules, set_dates)]
    return sorted(sends, key=lambda send: (send.fire_at, send.job_id))


def edition_of_job(job: str) -> str:
    """The edition id inside a reminder job id."""
    return job.removeprefix(JOB_PREFIX).split("/", 1)[0]
