"""``kenshu announce``: the secretariat's announcements to trainees, within LINE's quota.

Before anything is sent the command shows the audience size, the messages the
send consumes and what remains of this month's quota, and refuses to exceed the
quota unless ``--force``. With ``--at`` the announcement is stored as a scheduled
dispatch; ``kenshu announce run-due`` (run periodically, e.g. from cron or the
clock process) sends those whose time has come and resumes any interrupted send.
The use cases are in ``bot.secretariat.announcements``.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from bot import clock
from bot.cli.clerk import failure, locale_option
from bot.i18n import Gettext, gettext_for
from bot.secretariat import announcements
from bot.secretariat.audit import Actor
from bot.secretariat.errors import SecretariatError
from bot.services import Services

AT_FORMAT = "%Y-%m-%d %H:%M"
PREVIEW_CHARS = 40


def _parse_at(value: str, _: Gettext) -> datetime:
    try:
        return datetime.strptime(value.strip(), AT_FORMAT).replace(tzinfo=clock.JST)
    except ValueError:
        raise click.BadParameter(_("{value} is not YYYY-MM-DD HH:MM (Japan time)").format(value=value),
                                 param_hint="--at") from None


def _read_text(text: str | None, file: Path | None, _: Gettext) -> str:
    if (text is None) == (file is None):
        raise click.UsageError(_("give the announcement as --text TEXT or --file FILE (one of them)"))
    if file is None:
        return text or ""
    try:
        return file.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise click.ClickException(_("{file} is not UTF-8 text; save it as UTF-8 and try again").format(
            file=file)) from None


def _fail(error: SecretariatError, _: Gettext) -> click.ClickException:
    if isinstance(error, announcements.TimeHasPassed):
        return click.BadParameter(error.message(_), param_hint="--at")
    if isinstance(error, announcements.OverQuota):
        return click.ClickException(_("{error} (use --force to send anyway: LINE refuses what exceeds the quota)")
                                    .format(error=error.message(_)))
    return failure(error, _)


def _echo_draft(draft: announcements.Draft, _: Gettext) -> None:
    click.echo(_("Audience: {audience} ({count} recipients)").format(audience=draft.audience, count=draft.receivers))
    click.echo(_("Messages to consume: {count}").format(count=draft.quota.needed))
    if draft.quota.remaining is None:
        click.echo(_("Quota remaining this month: unlimited"))
    else:
        click.echo(_("Quota remaining this month: {remaining}").format(remaining=draft.quota.remaining))


def _echo_report(report: announcements.SendReport, _: Gettext) -> None:
    tally = report.tally
    click.echo(_("Sent: {sent}  Failed: {failed}  Skipped: {skipped}").format(
        sent=tally.sent, failed=tally.failed, skipped=tally.skipped))
    if tally.pending:
        click.echo(_("Still pending: {pending} (run `kenshu announce resume {id}`)").format(
            pending=tally.pending, id=report.dispatch_id))
    for error, count in report.failures:
        click.echo("  " + _("failed x{count}: {error}").format(count=count, error=error))
    if report.resendable:
        click.echo(_("{count} failed and can be sent again once the cause is fixed (LINE unavailable, or the "
                     "reason above): `kenshu announce resume {id}` sends them again (nobody receives it twice)").format(
                         count=report.resendable, id=report.dispatch_id))


@click.group("announce", cls=AppGroup, invoke_without_command=True)
@click.option("--audience", help="all | training:ID | edition:ID | course:ID | prospects:EDITION_ID")
@click.option("--text", help="The announcement (one LINE text message, at most 5,000 characters).")
@click.option("--file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the text from FILE.")
@click.option("--quick-reply", "quick_reply_lines", multiple=True, metavar='"LABEL[|TEXT]"',
              help="A button under the message (repeatable, at most 13): tapping it sends TEXT (or LABEL) to the bot.")
@click.option("--at", "at_text", metavar='"YYYY-MM-DD HH:MM"', help="Send at this Japan time instead of now.")
@click.option("--dry-run", is_flag=True, help="Show audience and quota; send nothing.")
@click.option("--force", is_flag=True, help="Send even if it exceeds this month's remaining quota.")
@click.option("--no-wait", is_flag=True, help="Store it due now and return; the clock process sends it within seconds.")
@locale_option
@click.pass_context
@with_appcontext
def announce(
    ctx: click.Context,
    audience: str | None,
    text: str | None,
    file: Path | None,
    quick_reply_lines: tuple[str, ...],
    at_text: str | None,
    dry_run: bool,
    force: bool,
    no_wait: bool,
    locale: str,
) -> None:
    """Send an announcement to an audience now or at a given time (subcommands manage scheduled ones)."""
    if ctx.invoked_subcommand is not None:
        return
    if audience is None:
        click.echo(ctx.get_help())
        return
    _ = gettext_for(locale)
    services = Services.current()
    body = _read_text(text, file, _)
    at = _parse_at(at_text, _) if at_text else None
    try:
        quick_replies = announcements.quick_replies_of(quick_reply_lines)
        draft = announcements.prepare(services, audience, body, at, quick_replies)
        _echo_draft(draft, _)
        announcements.ensure_fits(draft, force)
        if not draft.quota.fits:
            click.echo(_("Warning: exceeding the quota (--force); LINE will refuse the messages beyond it."))
        if dry_run:
            click.echo(_("Dry run: nothing sent."))
            return
        dispatch_id = announcements.create(services, draft, note=f"kenshu announce by {getpass.getuser()}",
                                           force=force, actor=Actor.cli())
        if at is not None:
            click.echo(_("Scheduled as #{id} for {time} (Japan time); `kenshu announce run-due` sends it.").format(
                id=dispatch_id, time=f"{at:%Y-%m-%d %H:%M}"))
            return
        if no_wait:
            click.echo(_("Stored as #{id}, due now: the clock process sends it within seconds "
                         "(`kenshu announce history` shows its progress).").format(id=dispatch_id))
            return
        click.echo(_("Sending #{id}...").format(id=dispatch_id))
        _echo_report(announcements.send(services, dispatch_id, take_over=False), _)
    except SecretariatError as error:
        raise _fail(error, _) from None


@announce.command("list")
@locale_option
def list_scheduled(locale: str) -> None:
    """Announcements scheduled and not yet sent."""
    _ = gettext_for(locale)
    waiting = announcements.scheduled_announcements(Services.current())
    if not waiting:
        click.echo(_("No scheduled announcements."))
    for announcement in waiting:
        text = announcement.text.replace("\n", " ")
        preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"
        click.echo(f"#{announcement.dispatch_id}  {announcement.at:%Y-%m-%d %H:%M}  {announcement.audience}  {preview}")


@announce.command("cancel")
@click.argument("dispatch_id", type=int)
@locale_option
def cancel_scheduled(dispatch_id: int, locale: str) -> None:
    """Cancel a scheduled announcement before it is sent."""
    _ = gettext_for(locale)
    try:
        announcements.cancel(Services.current(), dispatch_id, Actor.cli())
    except SecretariatError as error:
        raise failure(error, _) from None
    click.echo(_("Cancelled #{id}.").format(id=dispatch_id))


@announce.command("run-due")
@locale_option
def run_due_command(locale: str) -> None:
    """Send scheduled announcements whose time has come; resume sends interrupted 5+ minutes ago."""
    _ = gettext_for(locale)
    # Reminder dispatches are due here too (the clock normally sends them); they need
    # the reminder renderer to build each trainee's message.
    reports = announcements.run_due(Services.current())
    if not reports:
        click.echo(_("Nothing due."))
    for report in reports:
        click.echo(f"#{report.dispatch_id}")
        _echo_report(report, _)


@announce.command("resume")
@click.argument("dispatch_id", type=int)
@locale_option
def resume(dispatch_id: int, locale: str) -> None:
    """Finish a send whose process died (announcement or reminder): re-send what is pending, then the rest (never twice)."""
    _ = gettext_for(locale)
    try:
        report = announcements.send(Services.current(), dispatch_id, actor=Actor.cli())
    except SecretariatError as error:
        raise failure(error, _) from None
    _echo_report(report, _)


@announce.command("history")
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--reminders", is_flag=True, help="Reminder sends too, not only announcements.")
@locale_option
def history_command(page: int, reminders: bool, locale: str) -> None:
    """Sends newest first with their status and sent / failed / skipped counts (the console's history)."""
    _ = gettext_for(locale)
    found = announcements.history(Services.current(), page=page, kind=None if reminders else announcements.KIND)
    if not found.dispatches:
        click.echo(_("No sends yet."))
    for sent in found.dispatches:
        tally = sent.tally
        progress = f" {sent.done_count}/{sent.expected}" if sent.expected is not None else ""
        click.echo(f"#{sent.dispatch_id}  {sent.scheduled_at.astimezone(clock.JST):%Y-%m-%d %H:%M}  {sent.status}{progress}  "
                   f"{sent.audience}  " + _("Sent: {sent}  Failed: {failed}  Skipped: {skipped}").format(
                       sent=tally.sent, failed=tally.failed, skipped=tally.skipped) + f"  {sent.note}")
    if found.pages > 1:
        click.echo(_("Page {page} of {pages}").format(page=found.page, pages=found.pages))
