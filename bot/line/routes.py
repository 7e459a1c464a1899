"""Event routes: a *does this event match?* predicate paired with the handler that acts on it.

The handler modules export their routes and ``handlers.ROUTES`` puts them in one
explicit order; the event worker receives that order from ``create_app`` and
runs the first route that matches. (Where a *question* goes is ``bot.qa.routing``.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.line.context import EventContext

Predicate = Callable[[EventContext], bool]
Handler = Callable[[EventContext], None]
EventRoute = tuple[Predicate, Handler]


def route_event(context: EventContext, routes: Sequence[EventRoute]) -> bool:
    """Run the first matching handler; False when no route matched (the event is ignored)."""
    for matches, handle in routes:
        if matches(context):
            handle(context)
            return True
    return False
