"""``kenshu announce``: the secretariat's announcements to trainees, within LINE's quota.

Before anything is sent the command shows the audience size, the messages the
send consumes and what remains of this month's quota, and refuses to exceed the
quota unless ``--force``. With ``--at`` the announcement is stored as a scheduled
dispatch; ``kenshu announce run-due`` (run periodically, e.g. from cron or the
clock process) sends those whose time has come and resumes any interrupted send.
"""

from __future__ import annotations

import getpass
import uuid
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from bot import clock
from bot.db.tables import Dispatch
from bot.delivery import (
    AudienceError,
    ContentError,
    DispatchBusy,
    DispatchError,
    Tally,
    cancel,
    check_quota,
    create_dispatch,
    ledger,
    parse_audience,
    run_dispatch,
    run_due,
    scheduled,
    text_content,
)
from bot.delivery.content import message_count
from bot.line.gateway import LineApiError
from bot.services import Services
from scheduler.reminder_message import reminder_renderers

AT_FORMAT = "%Y-%m-%d %H:%M"
KIND = "announcement"


def _services() -> Services:
    return Services.current()


def _parse_at(value: str) -> datetime:
    try:
        at = datetime.strptime(value.strip(), AT_FORMAT).replace(tzinfo=clock.JST)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD HH:MM (Japan time)", param_hint="--at") from None
    if at <= clock.now():
        raise click.BadParameter(f"{value} (Japan time) has already passed", param_hint="--at")
    return at


def _read_text(text: str | None, file: Path | None) -> str:
    if (text is None) == (file is None):
        raise click.UsageError("give the announcement as --text TEXT or --file FILE (one of them)")
    if file is None:
        return text or ""
    try:
        return file.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text; save it as UTF-8 and try again") from None


def _echo_tally(tally: Tally, dispatch_id: int) -> None:
    click.echo(f"Sent: {tally.sent}  Failed: {tally.failed}  Skipped: {tally.skipped}")
    if tally.pending:
        click.echo(f"Still pending: {tally.pending} (run `kenshu announce resume {dispatch_id}`)")
    with _services().db.session() as session:
        for error, count in ledger.failure_reasons(session, dispatch_id):
            click.echo(f"  failed x{count}: {error}")


@click.group("announce", cls=AppGroup, invoke_without_command=True)
@click.option("--audience", help="all | training:ID | edition:ID | course:ID | prospects:EDITION_ID")
@click.option("--text", help="The announcement (one LINE text message, at most 5,000 characters).")
@click.option("--file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the text from FILE.")
@click.option("--at", "at_text", metavar='"YYYY-MM-DD HH:MM"', help="Send at this Japan time instead of now.")
@click.option("--dry-run", is_flag=True, help="Show audience and quota; send nothing.")
@click.option("--force", is_flag=True, help="Send even if it exceeds this month's remaining quota.")
@click.pass_context
@with_appcontext
def announce(
    ctx: click.Context,
    audience: str | None,
    text: str | None,
    file: Path | None,
    at_text: str | None,
    dry_run: bool,
    force: bool,
) -> None:
    """Send an announcement to an audience now or at a given time (subcommands manage scheduled ones)."""
    if ctx.invoked_subcommand is not None:
        return
    if audience is None:
        click.echo(ctx.get_help())
        return
    services = _services()
    try:
        parsed = parse_audience(audience, services.knowledge)
        content = text_content(_read_text(text, file))
    except (AudienceError, ContentError) as error:
        raise click.ClickException(str(error)) from None
    at = _parse_at(at_text) if at_text else None

    with services.db.session() as session:
        receivers = parsed.count_receivers(session)
    try:
        quota = check_quota(services.line, receivers, message_count(content))
    except LineApiError as error:
        raise click.ClickException(f"could not read this month's quota from LINE ({error}); nothing sent") from None
    click.echo(f"Audience: {parsed} ({receivers} recipients)")
    click.echo(f"Messages to consume: {quota.needed}")
    click.echo(f"Quota remaining this month: {'unlimited' if quota.remaining is None else quota.remaining}")
    if not quota.fits:
        if not force:
            raise click.ClickException(
                f"this needs {quota.needed} messages but only {quota.remaining} remain this month; "
                "nothing sent (use --force to send anyway: LINE refuses what exceeds the quota)"
            )
        click.echo("Warning: exceeding the quota (--force); LINE will refuse the messages beyond it.")
    if dry_run:
        click.echo("Dry run: nothing sent.")
        return

    with services.db.session() as session:
        dispatch = create_dispatch(
            session,
            key=f"{KIND}:{uuid.uuid4()}",
            kind=KIND,
            audience=str(parsed),
            content=content,
            scheduled_at=at or clock.now(),
            note=f"kenshu announce by {getpass.getuser()}",
        )
        dispatch_id = dispatch.id
    if at is not None:
        click.echo(f"Scheduled as #{dispatch_id} for {at:%Y-%m-%d %H:%M} (Japan time); `kenshu announce run-due` sends it.")
        return
    click.echo(f"Sending #{dispatch_id}...")
    _echo_tally(run_dispatch(services, dispatch_id), dispatch_id)


@announce.command("list")
def list_scheduled() -> None:
    """Announcements scheduled and not yet sent."""
    with _services().db.session() as session:
        waiting = scheduled(session, KIND)
        if not waiting:
            click.echo("No scheduled announcements.")
        for dispatch in waiting:
            text = dispatch.content["messages"][0].get("text", "").replace("\n", " ")
            preview = text if len(text) <= 40 else text[:39] + "…"
            at = dispatch.scheduled_at.astimezone(clock.JST)
            click.echo(f"#{dispatch.id}  {at:%Y-%m-%d %H:%M}  {dispatch.audience}  {preview}")


@announce.command("cancel")
@click.argument("dispatch_id", type=int)
def cancel_scheduled(dispatch_id: int) -> None:
    """Cancel a scheduled announcement before it is sent."""
    with _services().db.session() as session:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None or dispatch.kind != KIND:
            raise click.ClickException(f"no announcement #{dispatch_id}")
        try:
            cancel(session, dispatch_id)
        except DispatchError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Cancelled #{dispatch_id}.")


@announce.command("run-due")
def run_due_command() -> None:
    """Send scheduled announcements whose time has come; resume sends interrupted 5+ minutes ago."""
    # Reminder dispatches are due here too (the clock normally sends them); they need
    # the reminder renderer to build each trainee's message.
    results = run_due(_services(), clock.now(), reminder_renderers(current_app))
    if not results:
        click.echo("Nothing due.")
    for dispatch_id, tally in results.items():
        click.echo(f"#{dispatch_id}")
        _echo_tally(tally, dispatch_id)


@announce.command("resume")
@click.argument("dispatch_id", type=int)
def resume(dispatch_id: int) -> None:
    """Finish a send whose process died (announcement or reminder): re-send what is pending, then the rest (never twice)."""
    try:
        tally = run_dispatch(_services(), dispatch_id, reminder_renderers(current_app))
    except (AudienceError, ContentError, DispatchError, DispatchBusy) as error:
        raise click.ClickException(str(error)) from None
    _echo_tally(tally, dispatch_id)
