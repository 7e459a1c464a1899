"""The placeholder names an FAQ answer template may use, filled by decorators.

Each fact function says its own placeholder next to its definition
(``@fact("fee")``), so adding a fact is one decorated function in its topic
module and nothing else. Open-ended families take the rest of the name as a key
(``{milestone_consent_form}``, ``{contact_prefecture}``), and long material
registers a table form under the name an entry's ``detail`` uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.qa.facts.context import FactFunction, TableFunction

FactFamily = Callable[[str], FactFunction]
T = TypeVar("T")

_FACTS: dict[str, FactFunction] = {}
_FAMILIES: dict[str, FactFamily] = {}
_TABLES: dict[str, TableFunction] = {}


def _register(registry: dict[str, T], name: str, what: str) -> Callable[[T], T]:
    def register(function: T) -> T:
        if name in registry:
            raise ValueError(f"two {what}s are named {name!r}")
        registry[name] = function
        return function

    return register


def fact(name: str) -> Callable[[FactFunction], FactFunction]:
    """Register the decorated function as the fact behind ``{name}``."""
    return _register(_FACTS, name, "fact")


def fact_family(prefix: str) -> Callable[[FactFamily], FactFamily]:
    """Register the decorated factory for every ``{prefix<key>}``; it gets the key."""
    return _register(_FAMILIES, prefix, "fact family")


def table(name: str) -> Callable[[TableFunction], TableFunction]:
    """Register the decorated function as the table an entry's ``detail: name`` shows."""
    return _register(_TABLES, name, "table")


def fact_function(name: str) -> FactFunction | None:
    """The function behind a placeholder: a named fact first, then a family by prefix."""
    if name in _FACTS:
        return _FACTS[name]
    for prefix, family in _FAMILIES.items():
        if name.startswith(prefix):
            return family(name.removeprefix(prefix))
    return None


def table_function(name: str) -> TableFunction | None:
    """The table behind an entry's ``detail``, if there is one."""
    return _TABLES.get(name)
