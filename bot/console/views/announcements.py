"""お知らせ配信: compose with a LINE-like preview and the live reach, confirm the count, send or schedule; history.

Every step is a use case of ``bot.secretariat.announcements`` (the same as ``kenshu
announce``): reach and quota, the checks, storing, sending, cancelling, resuming.
A send stored here runs on a background thread (``background_sends``): the request
returns at once and the history, refreshed by htmx while anything is moving, shows
its progress. A test send goes to the clerk's own LINE account, linked with a
one-time code (``bot.secretariat.clerk_line``). A viewer may compose and see the
reach; sending, test sends, cancelling and resuming need 配信担当 or 管理者, and
exceeding the quota needs 管理者 with "force".
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from bot import clock
from bot.console import layout
from bot.console.background_sends import BackgroundSends
from bot.console.security import SENDERS, actor, clerk, requires
from bot.db.tables import ConsoleRole
from bot.secretariat import announcements, clerk_line
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


def _quick_reply_lines() -> str:
    return request.form.get("quick_replies", "")


def _quick_replies() -> tuple[announcements.QuickReply, ...]:
    """The composer's quick replies (``SecretariatError`` beyond LINE's limits)."""
    return announcements.quick_replies_of(_quick_reply_lines().splitlines())


def _page(status: int = 200, **values: object) -> tuple[str, int]:
    """The composer and the history, with what the clerk had typed (``values``) kept."""
    services = Services.current()
    history = announcements.history(services, page=request.args.get("page", 1, type=int))
    values = {"audience": "all", "text": "", "quick_reply_lines": "", "issued_code": None, **values}
    return render_template("console/announcements/index.html", choices=announcements.audience_choices(
        services.knowledge, layout.locale()), history=history, dispatches=history.dispatches,
        line_code_minutes=clerk_line.CODE_VALID_MINUTES, **values), status


@bp.get("/")
def index() -> tuple[str, int]:
    return _page()


@bp.get("/history")
def history() -> str:
    """The history table alone: htmx reloads it every few seconds while a send is moving."""
    found = announcements.history(Services.current(), page=request.args.get("page", 1, type=int))
    return render_template("console/announcements/_history_table.html", history=found, dispatches=found.dispatches)


@bp.post("/draft")
def draft() -> str:
    """The live part of the composer (htmx): the phone preview and the reach against the quota."""
    audience, text, _at_time = _form()
    reach = error = None
    quick_replies: tuple[announcements.QuickReply, ...] = ()
    try:
        quick_replies = _quick_replies()
        reach = announcements.reach(Services.current(), audience)
    except SecretariatError as refused:
        error = refused.message(layout.gettext())
    return render_template("console/announcements/_draft.html", text=text, reach=reach, error=error,
                           quick_replies=quick_replies)


@bp.post("/confirm")
@requires(*SENDERS)
def confirm() -> str | tuple[str, int]:
    """「1,234人に送信します」: what will happen, before it does."""
    audience, text, at = _form()
    services = Services.current()
    try:
        quick_replies = _quick_replies()
        prepared = announcements.prepare(services, audience, text, at, quick_replies)
    except SecretariatError as refused:
        flash(refused.message(layout.gettext()), "error")
        return _page(400, audience=audience, text=text, quick_reply_lines=_quick_reply_lines())
    return render_template("console/announcements/confirm.html", draft=prepared, audience=audience, text=text,
                           at=request.form.get("at", ""), label=_audience_label(services, audience),
                           quick_replies=quick_replies, quick_reply_lines=_quick_reply_lines())


def _audience_label(services: Services, audience: str) -> str:
    return next((f"{choice.name} ({choice.value})" if choice.name else choice.value
                 for choice in announcements.audience_choices(services.knowledge, layout.locale()) if choice.value == audience),
                audience)


@bp.post("/send")
@requires(*SENDERS)
def send() -> Response:
    """Store the send and hand it to a background thread; the history shows how it goes."""
    audience, text, at = _form()
    services = Services.current()
    _ = layout.gettext()
    force = request.form.get("force") == "1"
    if force and not current_user.may(ConsoleRole.ADMIN):
        abort(403)  # only an administrator may exceed the quota
    who = actor()
    try:
        prepared = announcements.prepare(services, audience, text, at, _quick_replies())
        dispatch_id = announcements.create(services, prepared, note=f"console: {who.name}", force=force, actor=who)
    except SecretariatError as refused:
        flash(refused.message(_), "error")
        return redirect(url_for("console.announcements.index"))
    if at is not None:
        flash(_("Scheduled as #{id} for {time} (Japan time).").format(id=dispatch_id, time=f"{at:%Y-%m-%d %H:%M}"),
              "ok")
    else:
        BackgroundSends.of(current_app).start(dispatch_id)
        flash(_("Sending #{id} to {count} people; the history below shows its progress.").format(
            id=dispatch_id, count=f"{prepared.receivers:,}"), "ok")
    return redirect(url_for("console.announcements.index"))


@bp.post("/test-send")
@requires(*SENDERS)
def test_send() -> tuple[str, int]:
    """The draft to the clerk's own LINE account only (through the ledger, like any send)."""
    audience, text, _at_time = _form()
    _ = layout.gettext()
    status = 200
    try:
        dispatch_id = announcements.create_test(Services.current(), clerk().id, text, _quick_replies(), actor())
    except SecretariatError as refused:
        kind, message, status = "error", refused.message(_), 400
    else:
        BackgroundSends.of(current_app).start(dispatch_id)
        kind, message = "ok", _("Test send #{id} to your own LINE account: check your phone.").format(id=dispatch_id)
    if request.headers.get("HX-Request"):  # the composer stays as it is; only the result line changes
        return render_template("console/announcements/_test_result.html", kind=kind, message=message), status
    flash(message, kind)
    return _page(status, audience=audience, text=text, quick_reply_lines=_quick_reply_lines())


@bp.post("/line-code")
@requires(*SENDERS)
def line_code() -> tuple[str, int]:
    """A one-time code the clerk sends to the bot from their phone, to receive test sends there."""
    issued = clerk_line.issue_code(Services.current(), clerk().id, actor())
    return _page(issued_code=issued)


@bp.post("/line-unlink")
@requires(*SENDERS)
def line_unlink() -> Response:
    clerk_line.unlink(Services.current(), clerk().id, actor())
    flash(layout.gettext()("Your LINE account is no longer linked to the console."), "ok")
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
    """Finish a send whose process died, in the background: pending rows first, never anyone twice."""
    BackgroundSends.of(current_app).start(dispatch_id, resume_by=actor())
    flash(layout.gettext()("Resuming #{id}; the history below shows its progress.").format(id=dispatch_id), "ok")
    return redirect(url_for("console.announcements.index"))
