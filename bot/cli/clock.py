"""``kenshu clock``: the process that sends reminders and scheduled announcements (Procfile ``clock``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.services import Services
from scheduler.clock_process import run_clock


@click.command("clock")
@with_appcontext
def clock_command() -> None:
    """Run the scheduler (one leader; a second clock waits as a hot standby)."""
    run_clock(Services.current())
