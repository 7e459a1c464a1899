"""Read YAML while keeping line numbers, so errors can point at the offending line.

The loader is PyYAML's safe loader minus two YAML 1.1 surprises: dates stay
strings (pydantic parses them, and reports bad ones by field), and ``8:30`` is
not read as the sexagesimal integer 510.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

_DROPPED_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class _KnowledgeLoader(yaml.SafeLoader):
    """Safe loader with plain decimal ints/floats and no implicit timestamps."""


_KnowledgeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_KnowledgeLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_KnowledgeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+\.[0-9]+$"), list("-+0123456789"))


@dataclass(frozen=True)
class YamlDocument:
    """Parsed data plus the node tree it came from."""

    data: Any
    root: Node | None

    def line_of(self, loc: tuple[str | int, ...]) -> int:
        """1-based line of the deepest node along ``loc`` (a pydantic error location).

        Parts that do not name a node (a missing key, a validator tag) stop the
        walk, so a missing field points at its parent mapping.
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


def duplicate_keys(node: Node | None, path: tuple[str | int, ...] = ()) -> list[tuple[int, str]]:
    """Keys given twice in one mapping, as (1-based line, dotted path).

    PyYAML silently keeps the last value, which would quietly drop a fact.
    """
    if isinstance(node, MappingNode):
        found: list[tuple[int, str]] = []
        seen: set[object] = set()
        for key, value in node.value:
            name = getattr(key, "value", None)
            if name in seen:
                found.append((key.start_mark.line + 1, ".".join(str(p) for p in (*path, name))))
            seen.add(name)
            found.extend(duplicate_keys(value, (*path, str(name))))
        return found
    if isinstance(node, SequenceNode):
        return [item for index, child in enumerate(node.value) for item in duplicate_keys(child, (*path, index))]
    return []


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document, keeping its node tree; raises ``yaml.YAMLError``."""
    loader = _KnowledgeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return YamlDocument(data=data, root=root)
