"""Facts from an edition, worded for a trainee and judged against the bot's clock.

An FAQ answer template names facts by placeholder (``{application_period}``,
``{application_status}``...); each name belongs to one function in a topic
module here, registered by its ``@fact`` decorator. A fact reads the typed
edition and returns text, or ``None`` when the documents do not say (the answer
then admits it and gives the contact instead of guessing). Long material
(schedules, requirement lists) also has a *table* form (``@table``), which the
reply carries as rows.

Time-aware wording (受付中 / 締切まであと3日 / 受付は終了しました) always
comes from ``now`` passed in, never from the system clock, so answers are
testable with a fixed ``KENSHU_NOW``.

Topics: ``application``, ``documents``, ``requirements`` (who and how many),
``fees``, ``schedule`` (when and where), ``countdown`` (any dated fact and the
days left), ``online``, ``certificates``,
``rules``, ``contacts``, ``about`` (the training itself).
"""

# Importing the topic modules registers their facts.
from bot.qa.facts import (  # noqa: F401
    about,
    application,
    certificates,
    contacts,
    countdown,
    documents,
    fees,
    online,
    requirements,
    rules,
    schedule,
)
from bot.qa.facts.context import FactContext, TableRow
from bot.qa.facts.registry import fact_function, table_function

__all__ = ["FactContext", "TableRow", "fact_function", "table_function"]
