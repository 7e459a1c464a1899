"""二段階認証 (administrators only): turn on a code from the phone after the password, or turn it off.

The new key is shown once, in the answer to "set up" (as text and as the
``otpauth://`` URI an authenticator app reads); it is never shown again. No QR
code: no library of the project draws one, and the key as text works in every
authenticator app. The use cases are ``bot.secretariat.two_step``.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from bot.console import layout
from bot.console.security import ADMINS, SignedInClerk, actor, clerk, requires
from bot.secretariat import two_step
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("two_step", __name__, url_prefix="/two-step")


@bp.get("/")
@requires(*ADMINS)
def index() -> str:
    return render_template("console/two_step/index.html", new_key=None, error=None)


@bp.post("/begin")
@requires(*ADMINS)
def begin() -> Response | tuple[str, int]:
    """A new key, shown in this answer only (and kept out of every cache)."""
    try:
        new_key = two_step.begin(Services.current(), clerk().id)
    except SecretariatError as error:
        return render_template("console/two_step/index.html", new_key=None,
                               error=error.message(layout.gettext())), 400
    page = make_response(render_template("console/two_step/index.html", new_key=new_key, error=None))
    page.headers["Cache-Control"] = "no-store"
    return page


@bp.post("/confirm")
@requires(*ADMINS)
def confirm() -> str | Response | tuple[str, int]:
    try:
        updated = two_step.confirm(Services.current(), actor(), clerk().id, request.form.get("code", ""))
    except SecretariatError as error:
        return render_template("console/two_step/index.html", new_key=None, waiting=True,
                               error=error.message(layout.gettext())), 400
    login_user(SignedInClerk(updated))  # this session goes on; the account's others ended
    session.permanent = True
    flash(layout.gettext()("Two-step login is on: from now on the console asks for a code after your password."), "ok")
    return redirect(url_for("console.two_step.index"))


@bp.post("/off")
@requires(*ADMINS)
def off() -> Response | tuple[str, int]:
    """Back to the password alone, with a current code (another administrator helps after a lost phone)."""
    try:
        two_step.turn_off_own(Services.current(), actor(), clerk().id, request.form.get("code", ""))
    except SecretariatError as error:
        return render_template("console/two_step/index.html", new_key=None,
                               error=error.message(layout.gettext())), 400
    flash(layout.gettext()("Two-step login is off: the password alone logs in."), "ok")
    return redirect(url_for("console.two_step.index"))
