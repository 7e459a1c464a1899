"""``kenshu credentials``: import, set and list joining details (always shown masked).

The use cases are in ``bot.secretariat.credentials``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli.clerk import failure, locale_option
from bot.credentials.secrets import JoinDetails
from bot.credentials.store import ANY_TARGET
from bot.i18n import Gettext, gettext_for
from bot.roster import MissingColumnsError, RosterFileError
from bot.roster.batches import progress_printer
from bot.secretariat import credentials
from bot.secretariat.audit import Actor
from bot.secretariat.editions import UnknownEdition
from bot.secretariat.errors import SecretariatError
from bot.services import Services

credentials_group = AppGroup("credentials", help="Joining details (URL, ID, password) sent before sessions.")


def _fail(error: SecretariatError, _: Gettext) -> click.ClickException:
    if isinstance(error, UnknownEdition):
        return click.BadParameter(error.message(_), param_hint="--edition")
    if isinstance(error, credentials.UnknownTarget):
        return click.BadParameter(error.message(_), param_hint="--target")
    if isinstance(error, credentials.NoDetails):
        return click.UsageError(_("give at least one of --url, --id, --password"))
    return failure(error, _)


@credentials_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--edition", "edition_id", required=True, help="Edition the applications belong to.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, without saving.")
@locale_option
def import_command(file: Path, edition_id: str, dry_run: bool, locale: str) -> None:
    """Import personal joining details from a CSV (columns: 申込番号, URL, ID, パスワード[, 対象, ツール]).

    Rows with problems are listed by line, never with their values, and skipped
    (exit status 2, also in a dry run, so a script notices).
    """
    _ = gettext_for(locale)
    try:
        report = credentials.import_file(Services.current(), Actor.cli(), edition_id, file.read_bytes(),
                                         dry_run=dry_run, filename=file.name,
                                         progress=progress_printer(lambda text: click.echo(text, err=True), _))
    except SecretariatError as error:
        raise _fail(error, _) from None
    except MissingColumnsError:
        raise click.ClickException(_("{file}: needs a column for the application number and one for at least one of "
                                     "URL, ID, password; nothing was imported").format(file=file)) from None
    except RosterFileError as error:
        raise click.ClickException(_("{file}: cannot read the file ({error}); nothing imported.").format(
            file=file, error=error)) from None
    for line in report.lines(_, dry_run):
        click.echo(line)
    if report.problems:
        sys.exit(2)


@credentials_group.command("set-shared")
@click.option("--edition", "edition_id", required=True)
@click.option("--target", default=ANY_TARGET, show_default=True,
              help="on-demand, a live stream, session or course id from data/, or * for the whole edition.")
@click.option("--url")
@click.option("--id", "login_id")
@click.option("--password", help="Password or passcode (prompted, hidden, when --prompt-password).")
@click.option("--prompt-password", is_flag=True, help="Ask for the password without echoing it.")
@click.option("--tool", help="e.g. Zoom, Zoom ウェビナー, Leaf")
@locale_option
def set_shared_command(edition_id: str, target: str, url: str | None, login_id: str | None, password: str | None,
                       prompt_password: bool, tool: str | None, locale: str) -> None:
    """Set the details everyone in a session shares (one Zoom link for everyone)."""
    _ = gettext_for(locale)
    services = Services.current()
    try:
        credentials.check_target(services, edition_id, target)
        if prompt_password:
            password = click.prompt(_("Password"), hide_input=True)
        saved = credentials.set_shared(services, Actor.cli(), edition_id, JoinDetails(url, login_id, password),
                                       target, tool)
    except SecretariatError as error:
        raise _fail(error, _) from None
    _echo_row(_("saved shared {target}").format(target=saved.target), saved, _)


@credentials_group.command("list")
@click.option("--edition", "edition_id", required=True)
@locale_option
def list_command(edition_id: str, locale: str) -> None:
    """List stored details, masked (nothing here can be used to join)."""
    _ = gettext_for(locale)
    try:
        listing = credentials.list_masked(Services.current(), edition_id)
    except SecretariatError as error:
        raise _fail(error, _) from None
    for row in listing.shared:
        _echo_row(_("shared {target}").format(target=row.target), row, _)
    for row in listing.personal:
        label = (_("{number} {target} (linked)") if row.linked else _("{number} {target} (not linked)")).format(
            number=row.application_no, target=row.target)
        _echo_row(label, row, _)
    click.echo(_("{shared} shared, {personal} personal").format(
        shared=len(listing.shared), personal=len(listing.personal)))
    unreadable = sum(row.unreadable for row in [*listing.shared, *listing.personal])
    if unreadable:
        click.echo(_("{count} cannot be decrypted: reminders fail for the trainees they belong to").format(
            count=unreadable))


def _echo_row(label: str, row: credentials.MaskedCredential, _: Gettext) -> None:
    details = row.details
    if details is None:
        click.echo(_("{label}: cannot be decrypted (stored under another KENSHU_SECRET_KEY): import or set it "
                     "again").format(label=label))
        return
    click.echo(_("{label}: tool={tool} url={url} id={id} password={password}").format(
        label=label, tool=row.tool or "-", url=details.url or "-", id=details.login_id or "-",
        password=details.password or "-"))
