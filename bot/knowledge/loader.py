"""Load and validate every edition in ``data/editions/``.

The bot refuses to start on invalid knowledge: a wrong answer about a deadline
is worse than no bot. All problems are collected (not just the first), each as
``file:line: field.path: message`` so the secretariat can fix them in one pass.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.knowledge.base import Text
from bot.knowledge.crosscheck import Loc, duplicate_course_ids, edition_problems
from bot.knowledge.models import Course, Edition
from bot.knowledge.yaml_source import YamlDocument, duplicate_keys, parse_yaml

EDITIONS_SUBDIR = "editions"
_VALIDATOR_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$")


class KnowledgeError(Exception):
    """The knowledge data is invalid; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid training knowledge:\n" + "\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Training:
    """A training across years, with the ids of its editions (oldest first)."""

    id: str
    name: Text
    aliases: tuple[str, ...]
    edition_ids: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    """All validated editions, looked up by edition, course or training id."""

    editions: dict[str, Edition]
    trainings: dict[str, Training] = field(default_factory=dict)

    def edition(self, edition_id: str) -> Edition:
        """The edition with this id; KeyError when unknown."""
        return self.editions[edition_id]

    def editions_of(self, training_id: str) -> list[Edition]:
        """Editions of one training, oldest fiscal year first (empty when unknown)."""
        training = self.trainings.get(training_id)
        return [self.editions[e] for e in training.edition_ids] if training else []

    def course(self, course_id: str) -> Course:
        """The course or sub-course with this id in any edition; KeyError when unknown."""
        return self.course_with_edition(course_id)[0]

    def course_with_edition(self, course_id: str) -> tuple[Course, Edition]:
        """The course and the edition it belongs to; KeyError when unknown."""
        for edition in self.editions.values():
            course = edition.course(course_id)
            if course is not None:
                return course, edition
        raise KeyError(course_id)


def default_data_dir() -> Path:
    """``KENSHU_DATA_DIR`` when set, else ``<repo>/data``."""
    configured = os.environ.get("KENSHU_DATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "data"


def _format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(document)"


def _display_path(path: Path, data_dir: Path) -> str:
    try:
        return str(path.relative_to(data_dir.parent))
    except ValueError:
        return str(path)


def _clean_loc(loc: tuple[str | int, ...]) -> Loc:
    """Drop pydantic's internal location parts (``function-after[...]``) that are not YAML keys."""
    return tuple(p for p in loc if isinstance(p, int) or not _VALIDATOR_TAG.match(p))


def _validate_file(path: Path, shown: str) -> tuple[Edition | None, YamlDocument | None, list[str]]:
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, None, [f"{shown}:{line}: (yaml): {getattr(error, 'problem', None) or error}"]
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [f"{shown}:1: (file): {error}"]
    duplicates = [f"{shown}:{line}: {path}: key given twice" for line, path in duplicate_keys(document.root)]
    if duplicates:
        return None, document, duplicates
    try:
        edition = Edition.model_validate(document.data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = _clean_loc(item["loc"])
            problems.append(f"{shown}:{document.line_of(loc)}: {_format_loc(loc)}: {item['msg']}")
        return None, document, problems
    problems = [f"{shown}:{document.line_of(loc)}: {_format_loc(loc)}: {msg}" for loc, msg in edition_problems(edition)]
    if edition.id != path.stem:
        problems.append(f"{shown}:{document.line_of(('id',))}: id: edition id {edition.id!r} must match the file name")
    return edition, document, problems


def _trainings(editions: list[Edition], problems: list[str]) -> dict[str, Training]:
    trainings: dict[str, Training] = {}
    for edition in sorted(editions, key=lambda e: (e.fiscal_year, e.id)):
        info = edition.training
        known = trainings.get(info.id)
        if known is None:
            trainings[info.id] = Training(info.id, info.name, tuple(info.aliases), (edition.id,))
            continue
        if known.name.ja != info.name.ja:
            problems.append(f"{edition.id}: training.name: {info.name.ja!r} differs from {known.name.ja!r} "
                            f"given for training {info.id!r} by another edition")
        aliases = known.aliases + tuple(a for a in info.aliases if a not in known.aliases)
        trainings[info.id] = Training(known.id, known.name, aliases, known.edition_ids + (edition.id,))
    return trainings


def _load(data_dir: Path) -> tuple[Knowledge, list[str]]:
    editions_dir = data_dir / EDITIONS_SUBDIR
    files = sorted(editions_dir.glob("*.yaml"))
    if not files:
        return Knowledge(editions={}), [f"{_display_path(editions_dir, data_dir)}: no edition files (*.yaml) found"]
    problems: list[str] = []
    loaded: list[tuple[str, Edition, YamlDocument]] = []
    for path in files:
        shown = _display_path(path, data_dir)
        edition, document, file_problems = _validate_file(path, shown)
        problems.extend(file_problems)
        if edition is not None and document is not None:
            loaded.append((shown, edition, document))
    documents = {shown: document for shown, _, document in loaded}
    for shown, loc, msg in duplicate_course_ids((shown, edition) for shown, edition, _ in loaded):
        problems.append(f"{shown}:{documents[shown].line_of(loc)}: {_format_loc(loc)}: {msg}")
    editions = {edition.id: edition for _, edition, _ in loaded}
    trainings = _trainings(list(editions.values()), problems)
    return Knowledge(editions=editions, trainings=trainings), problems


def load_knowledge(data_dir: Path | None = None) -> Knowledge:
    """Load and validate all editions; raise ``KnowledgeError`` listing every problem."""
    knowledge, problems = _load(data_dir or default_data_dir())
    if problems:
        raise KnowledgeError(problems)
    return knowledge


def check(data_dir: Path | None = None) -> list[str]:
    """Every problem in the data, as ``file:line: field: message`` lines (empty when valid)."""
    return _load(data_dir or default_data_dir())[1]
