"""リマインダー: what goes out next (time, audience, how many), events waiting for a date with a form
to set it, and what became of the reminders already due (late, missed, failed, skipped, and why).

The same use cases as ``kenshu reminders list`` and ``kenshu reminders set-date``
(``bot.secretariat.reminders``); setting a date needs 配信担当 or 管理者.
"""

from __future__ import annotations

from datetime import date, time

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from bot.console import layout
from bot.console.security import SENDERS, actor, requires
from bot.secretariat import reminders
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


@bp.get("/")
def index() -> str:
    services = Services.current()
    return render_template("console/reminders/index.html", outlook=reminders.outlook(services),
                           past=reminders.past_sends(services))


@bp.post("/date")
@requires(*SENDERS)
def set_date() -> Response:
    """Set the real date (and start time) of an event the documents gave only roughly."""
    _ = layout.gettext()
    event_id = request.form.get("event_id", "")
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        at = time.fromisoformat(request.form["time"]) if request.form.get("time") else None
    except ValueError:
        flash(_("Give the day as YYYY-MM-DD and the time as HH:MM (Japan time)."), "error")
        return redirect(url_for("console.reminders.index"))
    try:
        result = reminders.set_date(Services.current(), actor(), event_id, day, at)
    except SecretariatError as error:
        flash(error.message(_), "error")
    else:
        flash(_("{event} set to {when}; {added} reminders planned.").format(
            event=event_id, when=f"{day:%Y-%m-%d}" + (f" {at:%H:%M}" if at else ""),
            added=len(result.sync.added) + len(result.sync.moved)), "ok")
    return redirect(url_for("console.reminders.index"))
