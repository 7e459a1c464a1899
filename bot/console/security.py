"""Who may see and do what in the console: sessions, CSRF, cookies and roles, all checked on the server.

- **Sessions** are Flask-Login's, in Flask's signed cookie, keyed by a key derived
  from ``KENSHU_SECRET_KEY``. The id a session carries is ``<clerk id>:<session
  generation>``; raising the generation (logout everywhere, a role or password
  change, deactivation) makes every older cookie name nobody. A session is
  permanent with ``KENSHU_CONSOLE_IDLE_MINUTES`` of lifetime, refreshed by each
  request: inactivity longer than that ends it (Flask refuses the cookie's signature as too old).
- **CSRF**: Flask-WTF's token is checked on every POST, PUT, PATCH and DELETE under
  ``/console`` (forms send it as a field, htmx as the ``X-CSRFToken`` header set in
  the layout); the webhook is not a console route and keeps LINE's signature instead.
- **Cookies**: HttpOnly, SameSite=Lax, and Secure unless ``KENSHU_CONSOLE_HTTP=1``
  (the demo and the tests, on plain http://127.0.0.1).
- **Roles**: ``requires(...)`` on each view that changes something; a hidden
  button is never the only check.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.db.tables import ConsoleRole
from bot.secretariat import staff
from bot.secretariat.audit import Actor
from bot.services import Services

View = TypeVar("View", bound=Callable[..., Any])

# The views anyone may reach without a session.
PUBLIC_ENDPOINTS = {"console.auth.login", "console.auth.login_code", "console.auth.login_language", "console.static"}
SENDERS = (ConsoleRole.ADMIN, ConsoleRole.SENDER)
ADMINS = (ConsoleRole.ADMIN,)
_SESSION_KEY_LABEL = b"kenshu-bot console sessions v1\x00"


class SignedInClerk(UserMixin):
    """Flask-Login's view of a clerk: the session id carries the session generation."""

    def __init__(self, clerk: staff.Clerk) -> None:
        self.clerk = clerk

    def get_id(self) -> str:
        return f"{self.clerk.id}:{self.clerk.session_generation}"

    @property
    def role(self) -> str:
        return self.clerk.role

    def may(self, *roles: str) -> bool:
        return self.clerk.role in roles


def clerk() -> staff.Clerk:
    """The signed-in clerk of this request."""
    return current_user.clerk  # type: ignore[no-any-return]


def actor() -> Actor:
    """The signed-in clerk as the audit log names them, with the request's address."""
    return Actor(clerk().email, client_address())


def client_address() -> str | None:
    """The address the request came from (``ProxyFix`` in front of a proxy makes it the client's)."""
    return request.remote_addr


def session_key(secret_key: str) -> str:
    """The Flask session key: derived from ``KENSHU_SECRET_KEY``, never the key itself."""
    return hmac.new(secret_key.encode(), _SESSION_KEY_LABEL, hashlib.sha256).hexdigest()


def install(app: Flask, services: Services) -> None:
    """Sessions, cookies and CSRF for the console on ``app``."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = session_key(app.config["KENSHU_SECRET_KEY"])
    idle = int(app.config.get("KENSHU_CONSOLE_IDLE_MINUTES") or 30)
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=idle),
        SESSION_REFRESH_EACH_REQUEST=True,
        SESSION_COOKIE_NAME="kenshu_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not app.config.get("KENSHU_CONSOLE_HTTP", False),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by ``guard`` for console routes only (not the webhook)
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session
        WTF_CSRF_SSL_STRICT=not app.config.get("KENSHU_CONSOLE_HTTP", False),
    )
    logins = LoginManager()
    logins.session_protection = "basic"
    logins.init_app(app)

    @logins.user_loader
    def load(session_id: str) -> SignedInClerk | None:
        clerk_id, _, generation = session_id.partition(":")
        if not (clerk_id.isdigit() and generation.isdigit()):
            return None
        found = staff.session_clerk(services, int(clerk_id), int(generation))
        return SignedInClerk(found) if found else None

    csrf = CSRFProtect()
    csrf.init_app(app)
    app.extensions["kenshu_console_csrf"] = csrf


def guard() -> Any:
    """Before every console view: the CSRF token on changes, then a signed-in clerk (or the login page)."""
    if request.endpoint == "console.static":
        return None
    csrf: CSRFProtect = current_app.extensions["kenshu_console_csrf"]
    try:
        csrf.protect()
    except CSRFError:
        return render_template("console/error.html", status=400, reason="csrf"), 400
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    login = url_for("console.auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": login}
    return redirect(login)


def requires(*roles: str) -> Callable[[View], View]:
    """Refuse the view with 403 unless the signed-in clerk has one of ``roles``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not current_user.may(*roles):
                abort(403)
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("console/error.html", status=403, reason="role"), 403
