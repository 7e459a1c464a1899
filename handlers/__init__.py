"""Routes inbound events to the handler modules, in one explicit order.

Each route pairs a *does this event match?* predicate with a handler; the first
match wins and the rest are not consulted. An event nobody matches is stored and
ignored. Feature modules export their routes; the order lives here.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.line.context import EventContext
from handlers import data_deletion, follow, groups, linking, notices, other_messages, postbacks, questions, settings

Predicate = Callable[[EventContext], bool]
Handler = Callable[[EventContext], None]

ROUTES: tuple[tuple[Predicate, Handler], ...] = (
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


def dispatch(context: EventContext) -> bool:
    """Run the first matching handler; False when no route matched."""
    for matches, handle in ROUTES:
        if matches(context):
            handle(context)
            return True
    return False
