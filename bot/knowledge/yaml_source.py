"""The one reader for every file in ``data/``: YAML to a validated model, or problems at their lines.

Each problem reads ``data/faq/entries/money.yaml:12: entries[0].asks: <message>``
(file, line, field), because the files are edited by the secretariat's staff as well
as by engineers: "line 12: unknown key 'asks'" is a fix they can make; a traceback is not.

The parser is PyYAML's safe loader minus two YAML 1.1 surprises: dates stay
strings (pydantic parses them, and reports bad ones by field), and ``8:30`` is
not read as the sexagesimal integer 510. A key given twice is a problem (PyYAML
would silently keep the last value and quietly drop a fact).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

Loc = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)

_DROPPED_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
# pydantic's own location parts (``function-after[...]``, ``[key]``) that name no YAML key.
_VALIDATOR_TAG = re.compile(r"^[a-z-]*\[.*\]$")


class _KnowledgeLoader(yaml.SafeLoader):
    """Safe loader with plain decimal ints/floats and no implicit timestamps."""


_KnowledgeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_KnowledgeLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_KnowledgeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+\.[0-9]+$"), list("-+0123456789"))


def format_loc(loc: Loc) -> str:
    """A field path as written in problems: ``live_streams[0].duration_minutes``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(document)"


@dataclass(frozen=True)
class YamlDocument:
    """One parsed file: its name as shown in problems, the data, and the node tree it came from."""

    shown: str
    data: Any
    root: Node | None

    def line_of(self, loc: Loc) -> int:
        """1-based line of the deepest node along ``loc`` (a pydantic error location).

        Parts that do not name a node (a missing key) stop the walk, so a missing
        field points at its parent mapping; an unknown key points at itself.
        """
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line
        for part in loc:
            if isinstance(node, MappingNode):
                match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
                if match is None:
                    break
                line, node = match[0].start_mark.line, match[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line
            else:
                break
        return line + 1

    def problem(self, loc: Loc, message: str) -> str:
        """``file:line: field: message`` for the field at ``loc``."""
        return f"{self.shown}:{self.line_of(loc)}: {format_loc(loc)}: {message}"


def _duplicate_keys(node: Node | None, path: Loc = ()) -> list[tuple[int, str]]:
    """Keys given twice in one mapping, as (1-based line, dotted path)."""
    if isinstance(node, MappingNode):
        found: list[tuple[int, str]] = []
        seen: set[object] = set()
        for key, value in node.value:
            name = getattr(key, "value", None)
            if name in seen:
                found.append((key.start_mark.line + 1, format_loc((*path, str(name)))))
            seen.add(name)
            found.extend(_duplicate_keys(value, (*path, str(name))))
        return found
    if isinstance(node, SequenceNode):
        return [item for index, child in enumerate(node.value) for item in _duplicate_keys(child, (*path, index))]
    return []


def _parse_yaml(text: str, shown: str) -> YamlDocument:
    """Parse one YAML document, keeping its node tree; raises ``yaml.YAMLError``."""
    loader = _KnowledgeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return YamlDocument(shown=shown, data=data, root=root)


def read_yaml(path: Path, shown: str) -> tuple[YamlDocument | None, list[str]]:
    """Parse the file at ``path``; the document is None when it cannot be read or parsed."""
    try:
        document = _parse_yaml(path.read_text(encoding="utf-8"), shown)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [f"{shown}:{line}: (yaml): {getattr(error, 'problem', None) or error}"]
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{shown}:1: (file): {error}"]
    return document, [f"{shown}:{line}: {where}: key given twice" for line, where in _duplicate_keys(document.root)]


def read_model(path: Path, shown: str, model: type[Model]) -> tuple[Model | None, YamlDocument | None, list[str]]:
    """Parse the file at ``path`` and validate it as ``model``; the model is None on any problem."""
    document, problems = read_yaml(path, shown)
    if document is None or problems:
        return None, document, problems
    try:
        return model.model_validate(document.data), document, []
    except ValidationError as error:
        return None, document, [document.problem(_yaml_loc(item["loc"]), item["msg"]) for item in error.errors()]


def _yaml_loc(loc: tuple[str | int, ...]) -> Loc:
    """A pydantic error location without the parts that are not YAML keys."""
    return tuple(p for p in loc if isinstance(p, int) or not _VALIDATOR_TAG.match(p))
