"""``kenshu console``: the web console's accounts from the command line (the first administrator; two-step login
turned off when no administrator can log in to do it).

The password is prompted for (hidden, asked twice), never taken as an argument
that would stay in the shell's history. The use case is ``bot.secretariat.staff``.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from bot.cli.clerk import failure, locale_option
from bot.db.tables import ConsoleRole
from bot.i18n import gettext_for
from bot.secretariat import staff, two_step
from bot.secretariat.audit import Actor
from bot.secretariat.errors import SecretariatError
from bot.services import Services


@click.group("console", cls=AppGroup)
def console_group() -> None:
    """The web console (/console): its users."""


@console_group.command("create-user")
@click.option("--role", type=click.Choice([role.value for role in ConsoleRole]), default=ConsoleRole.ADMIN.value,
              show_default=True, help="admin (管理者), sender (配信担当) or viewer (閲覧のみ).")
@click.argument("email")
@locale_option
def create_user(role: str, email: str, locale: str) -> None:
    """Create a console user; the password is asked for."""
    _ = gettext_for(locale)
    password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Password again"))
    try:
        created = staff.create_user(Services.current(), Actor.cli(), email, password, role)
    except SecretariatError as error:
        raise failure(error, _) from None
    click.echo(_("Created {email} ({role}). Log in at /console.").format(
        email=created.email, role=staff.role_label(created.role, _)))


@console_group.command("two-step-off")
@click.argument("email")
@locale_option
def two_step_off(email: str, locale: str) -> None:
    """Turn two-step login off for a console user (a lost phone, a changed KENSHU_SECRET_KEY)."""
    _ = gettext_for(locale)
    try:
        two_step.turn_off_by_email(Services.current(), Actor.cli(), email)
    except SecretariatError as error:
        raise failure(error, _) from None
    click.echo(_("Two-step login is off for {email}: the password alone logs in.").format(email=email))
