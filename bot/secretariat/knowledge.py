"""The training data as a clerk audits it: each edition's facts with the document and section they
came from, and the same check of ``data/`` as ``kenshu data check`` (and start-up) runs.

Read only: ``data/`` is edited as files (``data/README.md``), never from the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel

from bot.knowledge import KnowledgeError, Source, Sourced
from bot.secretariat.editions import find_edition
from bot.services import Services, checked_knowledge


@dataclass(frozen=True)
class FactGroup:
    """Facts that come from one place of one document, as written in ``data/`` (YAML, source left out)."""

    path: str  # where in the edition's file: ``application``, ``sessions[2]``, ``courses[0].courses[1]``
    text: str
    source: Source


@dataclass(frozen=True)
class DataCheck:
    folder: Path
    problems: list[str]  # empty: the data is valid and the app starts with it


def _groups(value: object, path: str) -> list[FactGroup]:
    """Every sourced group in ``value``, depth first; a group nested in another is listed on its own."""
    if isinstance(value, list):
        return [group for index, item in enumerate(value) for group in _groups(item, f"{path}[{index}]")]
    if not isinstance(value, BaseModel):
        return []
    found: list[FactGroup] = []
    nested: set[str] = set()
    for name in type(value).model_fields:
        child = getattr(value, name)
        children = child if isinstance(child, list) else [child]
        if any(isinstance(item, Sourced) for item in children):
            nested.add(name)
        found.extend(_groups(child, f"{path}.{name}" if path else name))
    if isinstance(value, Sourced):
        facts = value.model_dump(mode="json", exclude={"source", *nested}, exclude_none=True,
                                 exclude_defaults=True)
        text = yaml.safe_dump(facts, allow_unicode=True, sort_keys=False, width=100).strip()
        found.insert(0, FactGroup(path, text, value.source))
    return found


def facts(services: Services, edition_id: str) -> list[FactGroup]:
    """Every fact group of an edition, in the order of its file (written out once per loaded data/)."""
    edition = find_edition(services.knowledge, edition_id)
    return services.knowledge.derived(("fact groups", edition.id), lambda: _groups(edition, ""))


def check(folder: Path) -> DataCheck:
    """Check ``folder`` exactly as the app does at start-up: every file, the references, the FAQ templates."""
    try:
        checked_knowledge(folder)
    except KnowledgeError as error:
        return DataCheck(folder, list(error.problems))
    return DataCheck(folder, [])
