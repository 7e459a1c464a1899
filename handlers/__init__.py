"""The handler modules' routes, in one explicit order.

Each route pairs a *does this event match?* predicate with a handler; the first
match wins and the rest are not consulted (``bot.line.routes.route_event``). An event
nobody matches is stored and ignored. Feature modules export their routes; the
order lives here, and ``create_app`` hands it to the event worker.
"""

from __future__ import annotations

from bot.line.routes import EventRoute
from handlers import data_deletion, follow, groups, linking, notices, other_messages, postbacks, questions, settings

ROUTES: tuple[EventRoute, ...] = (
    *follow.ROUTES,
    *groups.ROUTES,
    *postbacks.ROUTES,
    *settings.ROUTES,
    *other_messages.ROUTES,
    *notices.ROUTES,
    *data_deletion.ROUTES,
    *linking.ROUTES,
    *questions.ROUTES,  # free text last: anything not a command is a question
)
