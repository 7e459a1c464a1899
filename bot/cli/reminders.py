"""``kenshu reminders``: list what goes out next, set the dates of tentative events, sync the clock's jobs.

The use cases are in ``bot.secretariat.reminders``; ``kenshu clock`` sends what
they plan.
"""

from __future__ import annotations

import json
from datetime import date, time

import click
from flask.cli import AppGroup

from bot import clock
from bot.cli.clerk import failure, locale_option
from bot.i18n import Gettext, gettext_for
from bot.secretariat import reminders
from bot.secretariat.audit import Actor
from bot.secretariat.errors import SecretariatError
from bot.services import Services
from scheduler.sync import SyncReport

reminders_group = AppGroup("reminders", help="Reminders planned from data/ and sent by `kenshu clock`.")


def _summary(report: SyncReport, _: Gettext) -> str:
    return _("{added} added, {moved} moved, {removed} removed, {kept} unchanged").format(
        added=len(report.added), moved=len(report.moved), removed=len(report.removed), kept=report.kept)


@reminders_group.command("sync")
@locale_option
def sync_command(locale: str) -> None:
    """Bring the clock's jobs in line with data/ and the dates set (add, move, remove)."""
    _ = gettext_for(locale)
    try:
        report = reminders.sync_jobs(Services.current())
    except SecretariatError as error:
        raise failure(error, _) from None
    for old, new in report.moved:
        click.echo(_("moved   {old} -> {new}").format(old=old, new=new.rsplit(":", 1)[1]))
    for job_id in report.added:
        click.echo(_("added   {job}").format(job=job_id))
    for job_id in report.removed:
        click.echo(_("removed {job}").format(job=job_id))
    click.echo(_summary(report, _))


def _as_json(outlook: reminders.Outlook) -> str:
    return json.dumps({
        "sends": [{"job_id": upcoming.send.job_id, "event_id": upcoming.send.event.event_id,
                   "rule": upcoming.send.rule.id, "fire_at": upcoming.send.fire_at.isoformat(),
                   "audience": upcoming.send.event.audience, "receivers": upcoming.receivers,
                   "credentials": upcoming.send.rule.credentials,
                   "moved_by_quiet_hours": upcoming.send.moved_by_quiet_hours}
                  for upcoming in outlook.sends],
        "waiting_for_date": [{"event_id": e.event_id, "window": e.tentative.label_ja if e.tentative else None}
                             for e in outlook.waiting_for_date],
        "failed": [{"dispatch_id": f.dispatch_id, "job_id": f.job_id,
                    "started_at": f.started_at.isoformat() if f.started_at else None, "failed": f.failed,
                    "reasons": [{"error": error, "count": count} for error, count in f.reasons],
                    "application_nos": f.application_nos, "resendable": f.resendable}
                   for f in outlook.failed],
    }, ensure_ascii=False, indent=2)


@reminders_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: sends and events waiting for a date.")
@locale_option
def list_command(as_json: bool, locale: str) -> None:
    """Upcoming reminders with their audience sizes, and tentative events waiting for a date."""
    _ = gettext_for(locale)
    try:
        outlook = reminders.outlook(Services.current())
    except SecretariatError as error:
        raise failure(error, _) from None
    if as_json:
        click.echo(_as_json(outlook))
        return
    for failed in outlook.failed:
        _echo_failed(failed, _)
    for upcoming in outlook.sends:
        send = upcoming.send
        flags = [_("[credentials]")] if send.rule.credentials else []
        if send.moved_by_quiet_hours:
            flags.append(_("[after quiet hours]"))
        click.echo(_("{time}  {event}  {rule}  {audience} ({count} receivers){flags}").format(
            time=f"{send.fire_at:%Y-%m-%d %H:%M}", event=send.event.event_id, rule=send.rule.id,
            audience=send.event.audience, count=upcoming.receivers, flags="".join(f" {flag}" for flag in flags)))
    for event in outlook.waiting_for_date:
        click.echo(_("waiting for a date: {event}  {window}  (kenshu reminders set-date {event} ...)").format(
            event=event.event_id, window=event.tentative.label_ja if event.tentative else ""))
    click.echo(_("{upcoming} upcoming, {waiting} waiting for a date").format(
        upcoming=len(outlook.sends), waiting=len(outlook.waiting_for_date)))


def _echo_failed(failed: reminders.FailedReminder, _: Gettext) -> None:
    """A recent reminder that did not reach everyone: first, so the clerk sees it before the plan."""
    click.echo(_("NOT SENT to {count}: #{id} {job} ({time}); applications: {numbers}").format(
        count=failed.failed, id=failed.dispatch_id, job=failed.job_id,
        time=f"{failed.started_at:%Y-%m-%d %H:%M}" if failed.started_at else "-",
        numbers=", ".join(failed.application_nos) or "-"))
    for error, count in failed.reasons:
        click.echo("  " + _("failed x{count}: {error}").format(count=count, error=error))
    if failed.resendable:
        click.echo("  " + _("once the cause is fixed, `kenshu announce resume {id}` sends these {count} again").format(
            id=failed.dispatch_id, count=failed.resendable))


def _parse_when(value: str, _: Gettext) -> tuple[date, time | None]:
    try:
        if "T" in value or " " in value.strip():
            moment = clock.parse_jst(value.strip().replace(" ", "T"))
            return moment.date(), moment.time()
        return date.fromisoformat(value.strip()), None
    except ValueError:
        raise click.BadParameter(_("{value} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM (Japan time)").format(value=value),
                                 param_hint="WHEN") from None


@reminders_group.command("set-date")
@click.argument("event_id")
@click.argument("when")
@locale_option
def set_date_command(event_id: str, when: str, locale: str) -> None:
    """Set the real date of an event (e.g. a live stream announced as 「10月下旬～11月上旬 予定」).

    WHEN is Japan time: 2023-10-28T18:00, or 2023-10-28 for a whole-day deadline.
    """
    _ = gettext_for(locale)
    try:
        day, at = _parse_when(when, _)
        result = reminders.set_date(Services.current(), Actor.cli(), event_id, day, at)
    except reminders.UnknownEvent as error:
        raise click.BadParameter(_("{error}; `kenshu reminders list` shows the ids").format(error=error.message(_)),
                                 param_hint="EVENT_ID") from None
    except SecretariatError as error:
        raise failure(error, _) from None
    click.echo(_("{event} set to {when}").format(event=event_id, when=when))
    click.echo(_summary(result.sync, _))
