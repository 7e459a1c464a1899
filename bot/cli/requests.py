"""``kenshu requests``: who asked the bot about their own training, and what came of it.

The use case is ``bot.secretariat.personal_requests.list_requests`` (the console shows the same).
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import click
from flask.cli import with_appcontext

from bot import clock
from bot.cli.clerk import failure, locale_option
from bot.clock import JST
from bot.i18n import gettext_for
from bot.secretariat import personal_requests
from bot.secretariat.errors import SecretariatError
from bot.services import Services


@click.command("requests")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day (Japan time) to list; default: the last 7 days.")
@click.option("--edition", "edition_id", default=None, help="Only trainees linked to this edition.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@locale_option
@with_appcontext
def requests_command(since: datetime | None, edition_id: str | None, as_json: bool, locale: str) -> None:
    """List trainees' requests: 私の研修, joining details sent again, application status."""
    _ = gettext_for(locale)
    first_day = since.date() if since else clock.now().date() - timedelta(days=7)
    try:
        since_midnight = datetime.combine(first_day, time(0), JST)
        rows = personal_requests.list_requests(Services.current(), since_midnight, edition_id)
    except SecretariatError as error:
        raise failure(error, _) from None
    if as_json:
        for row in rows:
            click.echo(json.dumps({
                "asked_at": row.asked_at.astimezone(JST).isoformat(), "kind": row.kind, "outcome": row.outcome,
                "edition_id": row.edition_id, "target": row.target,
                "applications": [vars(application) for application in row.applications]}, ensure_ascii=False))
        return
    click.echo(_("{count} requests since {day}").format(count=len(rows), day=first_day.isoformat()))
    for row in rows:
        who = ", ".join(f"{a.application_no} {a.name}" for a in row.applications) or _("(no linked application)")
        click.echo(f"{row.asked_at.astimezone(JST):%Y-%m-%d %H:%M}  {who}  "
                   f"{personal_requests.kind_label(row.kind, _)}  {personal_requests.outcome_label(row, _)}")
