"""What every console page shares: the navigation, the clerk's language, dates in Japan time.

``NAVIGATION`` lists the pages in the order the menu shows them; an entry whose
endpoint is not registered yet is left out of the menu, so a page appears when
its blueprint is added to ``bot.console.PAGES``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from bot import clock
from bot.db.tables import ConsoleRole
from bot.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, Gettext, gettext_for
from bot.secretariat.audit import action_label
from bot.secretariat.staff import role_label


def _l(message: str) -> str:
    """Marks a message for extraction; translated when the menu is drawn."""
    return message


# (endpoint, label, roles that see it: empty = everyone)
NAVIGATION: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("console.dashboard.index", _l("Dashboard"), ()),
    ("console.inbox.index", _l("Inquiries"), ()),
    ("console.announcements.index", _l("Announcements"), ()),
    ("console.roster.index", _l("Roster"), ()),
    ("console.credentials.index", _l("Joining URLs and IDs"), ()),
    ("console.reminders.index", _l("Reminders"), ()),
    ("console.questions.index", _l("Question log"), ()),
    ("console.trainees.index", _l("Trainees"), ()),
    ("console.knowledge.index", _l("Training data"), ()),
    ("console.audit.index", _l("Audit log"), ()),
    ("console.users.index", _l("Users"), (ConsoleRole.ADMIN,)),
    ("console.two_step.index", _l("Two-step login"), (ConsoleRole.ADMIN,)),
)


def locale() -> str:
    """The signed-in clerk's language, else the one chosen on the login page, else Japanese."""
    if current_user.is_authenticated:
        return current_user.clerk.locale
    chosen = session.get("locale")
    return chosen if chosen in SUPPORTED_LOCALES else DEFAULT_LOCALE


def gettext() -> Gettext:
    return gettext_for(locale())


def jst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the clerk reads it: Japan time."""
    return "" if value is None else value.astimezone(clock.JST).strftime(fmt)


def _menu(_: Gettext) -> list[tuple[str, str]]:
    known = current_app.view_functions
    role = current_user.role if current_user.is_authenticated else None
    return [(endpoint, _(label)) for endpoint, label, roles in NAVIGATION
            if endpoint in known and (not roles or role in roles)]


def template_context() -> dict[str, Any]:
    _ = gettext()
    return {
        "_": _,
        "locale": locale(),
        "menu": _menu(_) if current_user.is_authenticated else [],
        "jst": jst,
        "role_label": lambda role: role_label(role, _),
        "action_label": lambda action: action_label(action, _),
        "csrf_token": generate_csrf,
        "now": clock.now(),
        "Role": ConsoleRole,
    }
