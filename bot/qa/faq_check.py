"""The FAQ data asks only for what the engine can give: checked at start-up, not at the first question.

An answer template may name only facts the engine has (``{fee}``, ``{milestone_<kind>}``...),
its translations may name only what the English template names (the engine fills
those), a detail table must exist, and the menu needs its overview entry. Each
problem names the entry's file, line and field, like every other problem in ``data/``.
"""

from __future__ import annotations

from bot.i18n import SUPPORTED_LOCALES, gettext_for
from bot.knowledge import Faq
from bot.knowledge.faq import template_placeholders
from bot.qa.facts import fact_function, table_function
from bot.qa.index import OVERVIEW_ENTRY


def faq_problems(faq: Faq) -> list[str]:
    """Every placeholder, translation, detail table or entry the engine cannot work with."""
    problems: list[str] = []
    for entry in faq.entries:
        origin = faq.origins[entry.id]
        placeholders = set(entry.placeholders())
        for name in sorted(placeholders - {"training"}):
            if fact_function(name) is None:
                problems.append(origin.problem("answer", f"unknown fact {{{name}}} in answer template"))
        for locale in SUPPORTED_LOCALES:
            translated = gettext_for(locale)(entry.answer)
            try:
                extra = set(template_placeholders(translated)) - placeholders
            except ValueError as error:
                problems.append(origin.problem("answer", f"the {locale} translation does not parse: {error}"))
                continue
            if extra:
                names = ", ".join(f"{{{name}}}" for name in sorted(extra))
                problems.append(origin.problem("answer", f"the {locale} translation names {names}, "
                                                         "which the English template does not"))
        if entry.detail is not None and table_function(entry.detail) is None:
            problems.append(origin.problem("detail", f"unknown detail table {entry.detail!r}"))
    if OVERVIEW_ENTRY not in faq.origins:
        problems.append(f"data/faq/entries: id: no entry has the id {OVERVIEW_ENTRY!r}, which the menu needs")
    return problems
