"""お知らせ配信: compose with a LINE-like preview and the live reach, confirm the count, send or schedule; history.

Every step is a use case of ``bot.secretariat.announcements`` (the same as ``kenshu
announce``): reach and quota, the checks, storing, sending, cancelling, resuming.
A viewer may compose and see the reach; sending, cancelling and resuming need
配信担当 or 管理者, and exceeding the quota needs 管理者 with "force".
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from bot import clock
from bot.console import layout
from bot.console.security import SENDERS, actor, requires
from bot.db.tables import ConsoleRole
from bot.secretariat import announcements
from bot.secretariat.audit import Action, record
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("announcements", __name__, url_prefix="/announcements")


def _at(value: str | None) -> datetime | None:
    """The form's ``datetime-local`` value as Japan time (empty: now)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=clock.JST)
    except ValueError:
        abort(400)


def _form() -> tuple[str, str, datetime | None]:
    return request.form.get("audience", "all"), request.form.get("text", ""), _at(request.form.get("at"))


@bp.get("/")
def index() -> str:
    services = Services.current()
    history = announcements.history(services, page=request.args.get("page", 1, type=int))
    return render_template("console/announcements/index.html", choices=announcements.audience_choices(
        services.knowledge, layout.locale()), history=history, dispatches=history.dispatches, audience="all", text="")


@bp.post("/draft")
def draft() -> str:
    """The live part of the composer (htmx): the phone preview and the reach against the quota."""
    audience, text, _at_time = _form()
    reach = error = None
    try:
        reach = announcements.reach(Services.current(), audience)
    except SecretariatError as refused:
        error = refused.message(layout.gettext())
    return render_template("console/announcements/_draft.html", text=text, reach=reach, error=error)


@bp.post("/confirm")
@requires(*SENDERS)
def confirm() -> str | tuple[str, int]:
    """「1,234人に送信します」: what will happen, before it does."""
    audience, text, at = _form()
    services = Services.current()
    try:
        prepared = announcements.prepare(services, audience, text, at)
    except SecretariatError as refused:
        flash(refused.message(layout.gettext()), "error")
        return render_template("console/announcements/index.html", choices=announcements.audience_choices(
            services.knowledge, layout.locale()), history=None, dispatches=[], audience=audience, text=text), 400
    return render_template("console/announcements/confirm.html", draft=prepared, audience=audience, text=text,
                           at=request.form.get("at", ""), label=_audience_label(services, audience))


def _audience_label(services: Services, audience: str) -> str:
    return next((f"{choice.name} ({choice.value})" if choice.name else choice.value
                 for choice in announcements.audience_choices(services.knowledge, layout.locale()) if choice.value == audience),
                audience)


@bp.post("/send")
@requires(*SENDERS)
def send() -> Response:
    audience, text, at = _form()
    services = Services.current()
    _ = layout.gettext()
    force = request.form.get("force") == "1"
    if force and not current_user.may(ConsoleRole.ADMIN):
        abort(403)  # only an administrator may exceed the quota
    who = actor()
    try:
        prepared = announcements.prepare(services, audience, text, at)
        dispatch_id = announcements.create(services, prepared, note=f"console: {who.name}", force=force, actor=who)
        if at is not None:
            flash(_("Scheduled as #{id} for {time} (Japan time).").format(id=dispatch_id, time=f"{at:%Y-%m-%d %H:%M}"),
                  "ok")
            return redirect(url_for("console.announcements.index"))
        report = announcements.send(services, dispatch_id, take_over=False)
    except SecretariatError as refused:
        flash(refused.message(_), "error")
        return redirect(url_for("console.announcements.index"))
    tally = report.tally
    flash(_("Sent #{id}: {sent} sent, {failed} failed, {skipped} skipped.").format(
        id=dispatch_id, sent=tally.sent, failed=tally.failed, skipped=tally.skipped), "ok")
    return redirect(url_for("console.announcements.index"))


@bp.post("/<int:dispatch_id>/cancel")
@requires(*SENDERS)
def cancel(dispatch_id: int) -> Response:
    services = Services.current()
    _ = layout.gettext()
    try:
        announcements.cancel(services, dispatch_id, actor())
    except SecretariatError as refused:
        flash(refused.message(_), "error")
    else:
        flash(_("Cancelled #{id}.").format(id=dispatch_id), "ok")
    return redirect(url_for("console.announcements.index"))


@bp.post("/<int:dispatch_id>/resume")
@requires(*SENDERS)
def resume(dispatch_id: int) -> Response:
    """Finish a send whose process died: pending rows first, never anyone twice."""
    services = Services.current()
    _ = layout.gettext()
    try:
        report = announcements.send(services, dispatch_id)
    except SecretariatError as refused:
        flash(refused.message(_), "error")
    else:
        with services.db.session() as session:
            record(session, actor(), Action.SEND, f"#{dispatch_id}", f"resumed: {report.tally.sent} sent")
        flash(_("Sent #{id}: {sent} sent, {failed} failed, {skipped} skipped.").format(
            id=dispatch_id, sent=report.tally.sent, failed=report.tally.failed, skipped=report.tally.skipped), "ok")
    return redirect(url_for("console.announcements.index"))
