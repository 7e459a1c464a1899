"""The secretariat's web console at ``/console``: server-rendered Jinja pages, htmx for the live parts.

Every page calls the use cases in ``bot.secretariat`` (the same ones as the
``kenshu`` commands); nothing here sends, imports or lists on its own.

How it is put together:

- ``security``: Flask-Login sessions (ended by inactivity or by "logout
  everywhere"), Flask-WTF's CSRF check on every POST of the console (forms and
  htmx requests alike), cookie settings, and ``requires`` for role checks.
- ``background_sends``: sends started here run on threads of the web process, so a request never waits for LINE.
- ``layout``: the navigation and what every template gets (``_``, the clerk, dates in Japan time).
- ``views/``: one blueprint per page, each listed in ``PAGES`` below. To add a
  page: write ``views/<page>.py`` with ``bp = Blueprint("<page>", __name__)``,
  templates under ``templates/console/<page>/``, add ``bp`` to ``PAGES`` and its
  entry to ``layout.NAVIGATION``. Endpoints are ``console.<page>.<view>``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from bot.console import layout, security
from bot.console.background_sends import BackgroundSends
from bot.console.views import announcements, audit, auth, dashboard, inbox, users
from bot.console.views import credentials, knowledge, questions, reminders, roster, trainees, two_step
from bot.services import Services

PAGES = (auth.bp, dashboard.bp, announcements.bp, users.bp, audit.bp, inbox.bp,
         roster.bp, credentials.bp, reminders.bp, questions.bp, trainees.bp, knowledge.bp, two_step.bp)


def install_console(app: Flask, services: Services) -> None:
    """Serve the console on ``app``: sessions, CSRF, the pages and their templates."""
    security.install(app, services)
    BackgroundSends(services).install(app)
    console = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                        static_folder="static", static_url_path="/static")
    console.before_request(security.guard)
    console.context_processor(layout.template_context)
    console.register_error_handler(403, security.forbidden)
    for page in PAGES:
        console.register_blueprint(page)
    app.register_blueprint(console)
