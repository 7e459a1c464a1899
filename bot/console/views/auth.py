"""Logging in and out: the password checked by ``staff.authenticate`` (throttled, audited), then the
two-step code for the accounts that have one (``two_step.log_in_with_code``).

Between the two steps the session holds only which account passed its password
and until when (``CODE_WAIT``); nobody is logged in until the code is right.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from bot import clock
from bot.console import layout
from bot.console.security import SignedInClerk, actor, clerk, client_address
from bot.i18n import SUPPORTED_LOCALES
from bot.secretariat import staff, two_step
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("auth", __name__)
CODE_WAIT = timedelta(minutes=5)  # how long the code may follow the password
_PENDING = "two_step_pending"


def _safe_next(target: str | None) -> str:
    """Only a console path: never another site (an open redirect)."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("console/login.html", error=None, email="")
    email = request.form.get("email", "")
    try:
        found = staff.authenticate(Services.current(), email, request.form.get("password", ""), client_address())
    except SecretariatError as error:
        status = 429 if isinstance(error, staff.LoginLocked) else 401
        return render_template("console/login.html", error=error.message(layout.gettext()), email=email), status
    except staff.CodeNeeded as needed:
        chosen = session.get("locale")
        session.clear()
        session["locale"] = chosen or needed.locale
        session[_PENDING] = {"clerk": needed.clerk_id, "generation": needed.generation,
                             "until": (clock.system_now() + CODE_WAIT).isoformat(),
                             "next": _safe_next(request.args.get("next"))}
        return redirect(url_for("console.auth.login_code"))
    return _log_in(found, _safe_next(request.args.get("next")))


def _log_in(found: staff.Clerk, target: str) -> Response:
    """A new session for ``found`` (nothing of the anonymous one is kept but the language chosen)."""
    chosen = session.get("locale")
    session.clear()
    login_user(SignedInClerk(found))
    session.permanent = True  # ends after KENSHU_CONSOLE_IDLE_MINUTES without a request
    if chosen in SUPPORTED_LOCALES and chosen != found.locale:
        staff.set_locale(Services.current(), found.id, chosen)
    return redirect(target)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> str | Response | tuple[str, int]:
    """The second step: the 6-digit code from the clerk's authenticator app."""
    pending = session.get(_PENDING)
    if not pending or datetime.fromisoformat(pending["until"]) < clock.system_now():
        session.pop(_PENDING, None)
        return redirect(url_for("console.auth.login"))
    if request.method == "GET":
        return render_template("console/login_code.html", error=None)
    try:
        found = two_step.log_in_with_code(Services.current(), pending["clerk"], pending["generation"],
                                          request.form.get("code", ""), client_address())
    except staff.LoginRefused:
        session.pop(_PENDING, None)
        return redirect(url_for("console.auth.login"))
    except SecretariatError as error:
        status = 429 if isinstance(error, staff.LoginLocked) else 401
        return render_template("console/login_code.html", error=error.message(layout.gettext())), status
    return _log_in(found, pending["next"])


def _logged_out() -> Response:
    """Back to the login page, which keeps speaking the clerk's language."""
    language = layout.locale()
    logout_user()
    session.clear()
    session["locale"] = language
    return redirect(url_for("console.auth.login"))


@bp.post("/logout")
def logout() -> Response:
    return _logged_out()


@bp.post("/logout-everywhere")
def logout_everywhere() -> Response:
    """End every session of this account, on every browser (a lost laptop, a shared PC)."""
    staff.end_sessions(Services.current(), actor(), clerk().id)
    return _logged_out()


@bp.post("/language")
def language() -> Response:
    chosen = request.form.get("locale", "")
    if chosen in SUPPORTED_LOCALES:
        staff.set_locale(Services.current(), clerk().id, chosen)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/login/language")
def login_language() -> Response:
    """The login page's language switch (before anyone is signed in)."""
    chosen = request.form.get("locale", "")
    if chosen in SUPPORTED_LOCALES:
        session["locale"] = chosen
    return redirect(url_for("console.auth.login"))
