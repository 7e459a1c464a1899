"""``kenshu credentials``: import, set and list joining details (always shown masked)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bot.credentials.importer import import_credentials
from bot.credentials.secrets import Cipher, JoinDetails
from bot.credentials.store import ANY_TARGET, known_targets, set_shared
from bot.db.tables import Enrolment, PersonalCredential, SharedCredential
from bot.knowledge import Edition
from bot.roster.decoding import RosterFileError
from bot.services import Services

credentials_group = AppGroup("credentials", help="Joining details (URL, ID, password) sent before sessions.")


def _cipher() -> Cipher:
    return Cipher(current_app.config["KENSHU_SECRET_KEY"])


def _edition(edition_id: str) -> Edition:
    editions = Services.current().knowledge.editions
    if edition_id not in editions:
        raise click.BadParameter(f"no edition {edition_id!r} (known: {', '.join(sorted(editions))})",
                                 param_hint="--edition")
    return editions[edition_id]


@credentials_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--edition", "edition_id", required=True, help="Edition the applications belong to.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, without saving.")
def import_command(file: Path, edition_id: str, dry_run: bool) -> None:
    """Import personal joining details from a CSV (columns: 申込番号, URL, ID, パスワード[, 対象, ツール])."""
    edition = _edition(edition_id)
    services = Services.current()
    try:
        with services.db.session() as session:
            report = import_credentials(session, _cipher(), edition, file.read_bytes(), dry_run=dry_run)
    except RosterFileError as error:
        raise click.ClickException(f"{file}: {error}; nothing was imported") from None
    for line in report.lines(dry_run):
        click.echo(line)


@credentials_group.command("set-shared")
@click.option("--edition", "edition_id", required=True)
@click.option("--target", default=ANY_TARGET, show_default=True,
              help="on-demand, a live stream, session or course id from data/, or * for the whole edition.")
@click.option("--url")
@click.option("--id", "login_id")
@click.option("--password", help="Password or passcode (prompted, hidden, when --prompt-password).")
@click.option("--prompt-password", is_flag=True, help="Ask for the password without echoing it.")
@click.option("--tool", help="e.g. Zoom, Zoom ウェビナー, Leaf")
def set_shared_command(edition_id: str, target: str, url: str | None, login_id: str | None, password: str | None,
                       prompt_password: bool, tool: str | None) -> None:
    """Set the details everyone in a session shares (one Zoom link for everyone)."""
    edition = _edition(edition_id)
    if target not in known_targets(edition):
        raise click.BadParameter(f"unknown target {target!r} for {edition_id}", param_hint="--target")
    if prompt_password:
        password = click.prompt("Password", hide_input=True)
    details = JoinDetails(url, login_id, password)
    if details.is_empty():
        raise click.UsageError("give at least one of --url, --id, --password")
    with Services.current().db.session() as session:
        set_shared(session, _cipher(), edition_id, target, details, tool)
    _echo_row(f"saved shared {target}", tool, details)


@credentials_group.command("list")
@click.option("--edition", "edition_id", required=True)
def list_command(edition_id: str) -> None:
    """List stored details, masked (nothing here can be used to join)."""
    _edition(edition_id)
    cipher = _cipher()
    with Services.current().db.session() as session:
        shared = session.scalars(select(SharedCredential).filter_by(edition_id=edition_id)
                                 .order_by(SharedCredential.target)).all()
        personal = session.execute(select(PersonalCredential, Enrolment).join(Enrolment)
                                   .where(Enrolment.edition_id == edition_id)
                                   .order_by(Enrolment.application_no, PersonalCredential.target)).all()
        for row in shared:
            _echo_row(f"shared {row.target}", row.tool, cipher.decrypt(row.secret))
        for credential, enrolment in personal:
            linked = "linked" if enrolment.user_id else "not linked"
            _echo_row(f"{enrolment.application_no} {credential.target} ({linked})", credential.tool,
                      cipher.decrypt(credential.secret))
    click.echo(f"{len(shared)} shared, {len(personal)} personal")


def _echo_row(label: str, tool: str | None, details: JoinDetails) -> None:
    masked = details.masked()
    click.echo(f"{label}: tool={tool or '-'} url={masked.url or '-'} id={masked.login_id or '-'} "
               f"password={masked.password or '-'}")
