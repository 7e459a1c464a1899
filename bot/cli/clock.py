"""``kenshu clock``: the process that sends reminders and scheduled announcements (Procfile ``clock``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.cli.clerk import failure
from bot.i18n import DEFAULT_LOCALE, gettext_for
from bot.secretariat import reminders
from bot.services import Services


@click.command("clock")
@with_appcontext
def clock_command() -> None:
    """Run the scheduler (one leader; a second clock waits as a hot standby)."""
    from scheduler.clock_process import run_clock

    try:
        reminders.rules(Services.current())  # refuse to start on invalid rules, with the file and field named
    except reminders.InvalidRules as error:
        raise failure(error, gettext_for(DEFAULT_LOCALE)) from None
    run_clock(current_app._get_current_object())  # type: ignore[attr-defined]
