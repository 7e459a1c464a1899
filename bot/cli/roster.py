"""``kenshu roster``: import the applicant list, export link codes, reissue a code, unlink an application.

The use cases are in ``bot.secretariat.roster``; output is Japanese by default,
for the clerks who run them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli.clerk import failure, locale_option, usage_failure
from bot.i18n import Gettext, gettext_for
from bot.roster import MissingColumnsError, RosterFileError
from bot.roster.batches import progress_printer
from bot.roster.headers import FIELD_HEADERS
from bot.roster.report import report_lines
from bot.secretariat import roster
from bot.secretariat.audit import Actor
from bot.secretariat.editions import UnknownEdition
from bot.secretariat.errors import SecretariatError
from bot.services import Services
from bot.trainees import linking

roster_group = AppGroup("roster", help="The applicant roster and link codes.")


def _fail(error: SecretariatError, _: Gettext) -> click.ClickException:
    if isinstance(error, UnknownEdition | roster.NoSuchApplication):
        return usage_failure(error, _)
    return failure(error, _)


@roster_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--edition", "edition_id", required=True, help="Edition id, e.g. nanchisei-tokyo-r5.")
@click.option("--dry-run", is_flag=True, help="Only check the file; save nothing.")
@click.option("--code-valid-days", default=linking.LINK_CODE_VALID_DAYS, show_default=True, type=click.IntRange(1),
              help="How long new link codes are valid.")
@locale_option
def roster_import(file: Path, edition_id: str, dry_run: bool, code_valid_days: int, locale: str) -> None:
    """Import the applicant list FILE (CSV: UTF-8, UTF-8 with BOM or Shift_JIS).

    Valid rows are imported and rows with problems are listed by line and skipped
    (exit status 2, so a script notices); importing the same file again changes nothing.
    """
    _ = gettext_for(locale)
    try:
        report = roster.import_file(Services.current(), Actor.cli(), edition_id, file.read_bytes(),
                                    code_valid_days=code_valid_days, dry_run=dry_run,
                                    progress=progress_printer(lambda text: click.echo(text, err=True), _),
                                    filename=file.name)
    except SecretariatError as error:
        raise _fail(error, _) from None
    except MissingColumnsError as error:
        headers = "; ".join(f"{name}: {' / '.join(FIELD_HEADERS[name])}" for name in error.fields)
        click.echo(_("{file}: required columns not found, nothing imported. Accepted headers: {headers}").format(
            file=file, headers=headers), err=True)
        sys.exit(1)
    except RosterFileError as error:
        click.echo(_("{file}: cannot read the file ({error}); nothing imported.").format(file=file, error=error),
                   err=True)
        sys.exit(1)
    for line in report_lines(report, _, dry_run=dry_run):
        click.echo(line)
    if report.problems:
        sys.exit(2)


@roster_group.command("codes")
@click.option("--edition", "edition_id", required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@locale_option
def roster_codes(edition_id: str, out: Path, locale: str) -> None:
    """Write the link codes of an edition to a CSV file for a mail merge (UTF-8 with BOM)."""
    _ = gettext_for(locale)
    try:
        export = roster.export_codes(Services.current(), Actor.cli(), edition_id, _)
    except SecretariatError as error:
        raise _fail(error, _) from None
    out.write_text(export.text, encoding="utf-8", newline="")
    click.echo(_("{count} link codes written to {file}").format(count=export.rows, file=out))


@roster_group.command("reissue")
@click.option("--edition", "edition_id", required=True)
@click.option("--application-no", required=True)
@click.option("--code-valid-days", default=linking.LINK_CODE_VALID_DAYS, show_default=True, type=click.IntRange(1))
@locale_option
def roster_reissue(edition_id: str, application_no: str, code_valid_days: int, locale: str) -> None:
    """Unlink one application and give it a new link code (to relink a trainee)."""
    _ = gettext_for(locale)
    try:
        reissued = roster.reissue(Services.current(), Actor.cli(), edition_id, application_no, code_valid_days)
    except SecretariatError as error:
        raise _fail(error, _) from None
    click.echo(_("new link code for {number}: {code} (valid until {date})").format(
        number=reissued.application_no, code=reissued.code, date=f"{reissued.valid_until:%Y-%m-%d}"))


@roster_group.command("unlink")
@click.option("--edition", "edition_id", required=True)
@click.option("--application-no", required=True)
@locale_option
def roster_unlink(edition_id: str, application_no: str, locale: str) -> None:
    """End an application's LINE link (its code stays used; `reissue` gives a new one)."""
    _ = gettext_for(locale)
    try:
        unlinked = roster.unlink(Services.current(), Actor.cli(), edition_id, application_no)
    except SecretariatError as error:
        raise _fail(error, _) from None
    click.echo((_("{number} unlinked") if unlinked else _("{number} was not linked")).format(number=application_no))
