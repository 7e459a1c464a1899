"""ユーザー管理 (administrators only): add clerks, change their role, deactivate, reset a password,
turn two-step login off for a clerk who lost their phone."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.console import layout
from bot.console.security import ADMINS, actor, clerk, requires
from bot.secretariat import staff, two_step
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("/")
@requires(*ADMINS)
def index() -> str:
    return render_template("console/users/index.html", clerks=staff.clerks(Services.current()))


def _done(use_case: Callable[..., object], *args: object) -> Response:
    """Run a use case; its refusal becomes a message on the page, never a 500."""
    _ = layout.gettext()
    try:
        use_case(Services.current(), actor(), *args)
    except SecretariatError as error:
        flash(error.message(_), "error")
    else:
        flash(_("Saved."), "ok")
    return redirect(url_for("console.users.index"))


@bp.post("/")
@requires(*ADMINS)
def create() -> Response:
    form = request.form
    return _done(staff.create_user, form.get("email", ""), form.get("password", ""), form.get("role", ""))


@bp.post("/<int:clerk_id>/role")
@requires(*ADMINS)
def role(clerk_id: int) -> Response:
    return _done(staff.change_role, clerk_id, request.form.get("role", ""))


@bp.post("/<int:clerk_id>/active")
@requires(*ADMINS)
def active(clerk_id: int) -> Response:
    return _done(staff.set_active, clerk_id, request.form.get("active") == "1")


@bp.post("/<int:clerk_id>/password")
@requires(*ADMINS)
def password(clerk_id: int) -> Response:
    return _done(staff.set_password, clerk_id, request.form.get("password", ""))


@bp.post("/<int:clerk_id>/two-step-off")
@requires(*ADMINS)
def two_step_off(clerk_id: int) -> Response:
    """For a clerk who lost their phone; one's own account only with a code (the 2段階認証 page)."""
    if clerk_id == clerk().id:
        return _done(two_step.turn_off_own, clerk_id, request.form.get("code", ""))
    return _done(two_step.turn_off, clerk_id)
