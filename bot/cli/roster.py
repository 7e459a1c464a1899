"""``kenshu roster`` and ``kenshu richmenu``: the secretariat's commands.

Thin wrappers over ``bot.roster``, ``bot.trainees.linking`` and ``bot.line.richmenu`` (the web
console will call the same functions); output is Japanese by default, for the
clerks who run them.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from bot import clock
from bot.db.tables import Enrolment
from bot.i18n import Gettext, gettext_for
from bot.knowledge import Edition
from bot.line import richmenu
from bot.line.gateway import LineApiError
from bot.roster import MissingColumnsError, RosterFileError, codes_csv, import_roster
from bot.roster.headers import FIELD_HEADERS
from bot.roster.report import report_lines
from bot.services import Services
from bot.trainees import linking

roster_group = AppGroup("roster", help="The applicant roster and link codes.")
richmenu_group = AppGroup("richmenu", help="The rich menu under the chat.")

locale_option = click.option("--locale", default="ja", show_default=True, help="Language of the output (ja, en).")


def _services() -> Services:
    return Services.current()


def _edition(edition_id: str, _: Gettext) -> Edition:
    editions = _services().knowledge.editions
    if edition_id not in editions:
        known = ", ".join(sorted(editions))
        raise click.UsageError(_("unknown edition {edition} (known: {known})").format(edition=edition_id, known=known))
    return editions[edition_id]


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
    edition = _edition(edition_id, _)
    try:
        with _services().db.session() as session:
            report = import_roster(session, edition, file.read_bytes(), clock.now(),
                                   valid_days=code_valid_days, dry_run=dry_run)
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
    edition = _edition(edition_id, _)
    with _services().db.session() as session:
        text, count = codes_csv(session, edition, clock.now(), _)
    out.write_text(text, encoding="utf-8", newline="")
    click.echo(_("{count} link codes written to {file}").format(count=count, file=out))


@roster_group.command("reissue")
@click.option("--edition", "edition_id", required=True)
@click.option("--application-no", required=True)
@click.option("--code-valid-days", default=linking.LINK_CODE_VALID_DAYS, show_default=True, type=click.IntRange(1))
@locale_option
def roster_reissue(edition_id: str, application_no: str, code_valid_days: int, locale: str) -> None:
    """Unlink one application and give it a new link code (to relink a trainee)."""
    _ = gettext_for(locale)
    edition = _edition(edition_id, _)
    with _services().db.session() as session:
        enrolment = session.scalar(select(Enrolment).where(
            Enrolment.edition_id == edition.id, Enrolment.application_no == application_no))
        if enrolment is None:
            raise click.UsageError(_("no application {number} in {edition}").format(
                number=application_no, edition=edition.id))
        now = clock.now()
        code = linking.reissue(session, enrolment, now, code_valid_days)
    valid_until = (now + timedelta(days=code_valid_days)).strftime("%Y-%m-%d")
    click.echo(_("new link code for {number}: {code} (valid until {date})").format(
        number=application_no, code=linking.display_code(code), date=valid_until))


@richmenu_group.command("deploy")
def richmenu_deploy() -> None:
    """Create the rich menu, upload its image and make it every user's default."""
    try:
        rich_menu_id = _services().line.create_rich_menu(richmenu.menu_request(), richmenu.render_png())
    except LineApiError as error:
        click.echo(f"LINE refused the rich menu: {error}", err=True)
        sys.exit(1)
    click.echo(f"rich menu {rich_menu_id} is now the default")


@richmenu_group.command("render")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def richmenu_render(out: Path) -> None:
    """Write the rich menu image to a PNG file, to look at before deploying."""
    png = richmenu.render_png()
    out.write_bytes(png)
    click.echo(f"{out}: {len(png)} bytes")
