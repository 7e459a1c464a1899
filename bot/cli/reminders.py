"""``kenshu reminders`` (sync, list, set-date) and ``kenshu clock``."""

from __future__ import annotations

import json
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import EventDate
from bot.delivery import parse_audience
from bot.knowledge import Knowledge
from bot.services import Services
from scheduler.planning import PlannedSend, plan
from scheduler.reminder_events import load_set_dates, reminder_events
from scheduler.rules import RulesError, load_rules
from scheduler.sync import sync_app

reminders_group = AppGroup("reminders", help="Reminders planned from data/ and sent by `kenshu clock`.")


def _rules():  # type: ignore[no-untyped-def]
    try:
        return load_rules(Services.current().data_dir)
    except RulesError as error:
        raise click.ClickException(str(error)) from None


@reminders_group.command("sync")
def sync_command() -> None:
    """Bring the clock's jobs in line with data/ and the dates set (add, move, remove)."""
    _rules()
    report = sync_app(current_app)
    for old, new in report.moved:
        click.echo(f"moved   {old} -> {new.rsplit(':', 1)[1]}")
    for job_id in report.added:
        click.echo(f"added   {job_id}")
    for job_id in report.removed:
        click.echo(f"removed {job_id}")
    click.echo(report.summary())


def _upcoming(session: Session, knowledge: Knowledge) -> list[tuple[PlannedSend, int]]:
    now = clock.now()
    sizes: dict[str, int] = {}
    rows = []
    for send in plan(knowledge, _rules(), load_set_dates(session)):
        if send.useful_until <= now:
            continue
        audience = send.event.audience
        if audience not in sizes:
            sizes[audience] = parse_audience(audience, knowledge).count_receivers(session)
        rows.append((send, sizes[audience]))
    return rows


@reminders_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: sends and events waiting for a date.")
def list_command(as_json: bool) -> None:
    """Upcoming reminders with their audience sizes, and tentative events waiting for a date."""
    services = Services.current()
    with services.db.session() as session:
        upcoming = _upcoming(session, services.knowledge)
        set_dates = load_set_dates(session)
    waiting = [event for edition in services.knowledge.editions.values()
               for event in reminder_events(edition, set_dates) if event.day is None]
    if as_json:
        click.echo(json.dumps({
            "sends": [{"job_id": send.job_id, "event_id": send.event.event_id, "rule": send.rule.id,
                       "fire_at": send.fire_at.isoformat(), "audience": send.event.audience, "receivers": size,
                       "credentials": send.rule.credentials, "moved_by_quiet_hours": send.moved_by_quiet_hours}
                      for send, size in upcoming],
            "waiting_for_date": [{"event_id": e.event_id, "window": e.tentative.label_ja if e.tentative else None}
                                 for e in waiting],
        }, ensure_ascii=False, indent=2))
        return
    for send, size in upcoming:
        flags = " [credentials]" if send.rule.credentials else ""
        flags += " [after quiet hours]" if send.moved_by_quiet_hours else ""
        click.echo(f"{send.fire_at:%Y-%m-%d %H:%M}  {send.event.event_id}  {send.rule.id}  "
                   f"{send.event.audience} ({size} receivers){flags}")
    for event in waiting:
        window = event.tentative.label_ja if event.tentative else ""
        click.echo(f"waiting for a date: {event.event_id}  {window}  (kenshu reminders set-date {event.event_id} ...)")
    click.echo(f"{len(upcoming)} upcoming, {len(waiting)} waiting for a date")


def _parse_when(value: str) -> tuple[date, datetime | None]:
    try:
        if "T" in value or " " in value.strip():
            moment = clock.parse_jst(value.strip().replace(" ", "T"))
            return moment.date(), moment
        return date.fromisoformat(value.strip()), None
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM (Japan time)",
                                 param_hint="WHEN") from None


@reminders_group.command("set-date")
@click.argument("event_id")
@click.argument("when")
def set_date_command(event_id: str, when: str) -> None:
    """Set the real date of an event (e.g. a live stream announced as 「10月下旬～11月上旬 予定」).

    WHEN is Japan time: 2023-10-28T18:00, or 2023-10-28 for a whole-day deadline.
    """
    services = Services.current()
    edition = services.knowledge.editions.get(event_id.split("/", 1)[0])
    known = {e.event_id for e in reminder_events(edition, {})} if edition else set()
    if event_id not in known:
        raise click.BadParameter(f"no event {event_id!r}; `kenshu reminders list` shows the ids", param_hint="EVENT_ID")
    day, moment = _parse_when(when)
    with services.db.session() as session:
        row = session.get(EventDate, event_id) or EventDate(event_id=event_id)
        row.day, row.time, row.set_at = day, moment.timetz().replace(tzinfo=None) if moment else None, clock.system_now()
        session.merge(row)
    click.echo(f"{event_id} set to {when}")
    click.echo(sync_app(current_app).summary())


@click.command("clock")
@with_appcontext
def clock_command() -> None:
    """Run the scheduler (one leader; a second clock waits as a hot standby)."""
    from scheduler.clock_process import run_clock

    _rules()
    run_clock(current_app._get_current_object())  # type: ignore[attr-defined]
