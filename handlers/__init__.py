"""The handler modules' routes, in one explicit order.

Each route pairs a *does this event match?* predicate with a handler; the first
match wins and the rest are not consulted (``bot.line.routes.route_event``). An event
nobody matches is stored and ignored. Feature modules export their routes; the
order lives here, and ``create_app`` hands it to the event worker.
"""

from __future__ import annotations

from bot.line.routes import EventRoute
from handlers import (
    data_deletion,
    follow,
    groups,
    handoff,
    linking,
    my_training,
    notices,
    other_messages,
    postbacks,
    questions,
    settings,
)

ROUTES: tuple[EventRoute, ...] = (
    *follow.ROUTES,
    *my_training.GROUP_ROUTES,  # a personal question in a group: "ask me one-to-one", before the generic reply
    *groups.ROUTES,
    *postbacks.ROUTES,
    *handoff.QUIET_ROUTES,  # while a chat is with the secretariat, its messages go to the inbox, not to the bot
    *settings.ROUTES,
    *other_messages.ROUTES,
    *notices.ROUTES,
    *data_deletion.ROUTES,
    *linking.ROUTES,
    # the free-text routes keep the last exchanges for a clerk who may take over (handlers.handoff)
    *handoff.remembering(handoff.ROUTES),  # "talk to a person" and the rich menu's 問い合わせ offer 担当者に質問を送る
    *handoff.remembering(my_training.ROUTES),  # questions about one's own training, before the FAQ
    *handoff.remembering(questions.ROUTES),  # free text last: anything not a command is a question
)
