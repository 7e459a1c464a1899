"""Load a YAML file into a pydantic model, naming file and line on any error.

The FAQ files are edited by the secretariat's staff, not only by engineers:
"line 42: unknown key 'qestions'" is a fix they can make; a traceback is not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that cannot be used, with its location in the message."""


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((value for name, value in node.value if name.value == key), None)
            if match is None:
                # An unknown key: point at the key itself.
                match = next((name for name, _ in node.value if name.value == key), None)
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def load_model(path: Path, model: type[Model]) -> Model:
    """Parse ``path`` and validate it as ``model``; raise DataFileError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(f"{path}: cannot read YAML: {error}") from error
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            line = _line_of(node, tuple(detail["loc"]))
            where = ".".join(str(part) for part in detail["loc"]) or "(top)"
            problems.append(f"{path}:{line or '?'}: {where}: {detail['msg']}")
        raise DataFileError("\n".join(problems)) from error
