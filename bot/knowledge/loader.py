"""Load and validate everything in ``data/``: editions, FAQ entries, lexicon, time words, training names, reminders.

The bot refuses to start on invalid knowledge: a wrong answer about a deadline
is worse than no bot. Every file is read by the one reader (``yaml_source``), all
problems are collected (not just the first), each as ``file:line: field.path: message``
so the secretariat can fix them in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.knowledge.base import Text
from bot.knowledge.crosscheck import duplicate_course_ids, edition_problems
from bot.knowledge.faq import GUARD_LABELS, EntryFile, EntryOrigin, ExampleFile, Faq, FaqEntry, Lexicon
from bot.knowledge.models import Course, Edition
from bot.knowledge.personal_questions import PersonalQuestions
from bot.knowledge.reminder_rules import ReminderRules
from bot.knowledge.secretariat_desk import SecretariatDesk, default_desk
from bot.knowledge.regions import Regions
from bot.knowledge.time_words import TimeWords
from bot.knowledge.training_names import TrainingNames, TrainingsFile
from bot.knowledge.yaml_source import Model, YamlDocument, read_model

EDITIONS_DIR = "editions"
FAQ_ENTRIES_DIR = "faq/entries"
FAQ_EXAMPLES_DIR = "faq/examples"
LEXICON_FILE = "faq/lexicon.yaml"
TIME_WORDS_FILE = "faq/time_words.yaml"
REGIONS_FILE = "faq/regions.yaml"
TRAINING_NAMES_FILE = "faq/trainings.yaml"
PERSONAL_QUESTIONS_FILE = "faq/personal_questions.yaml"
REMINDER_RULES_FILE = "reminders.yaml"
SECRETARIAT_FILE = "secretariat.yaml"

T = TypeVar("T")


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
    """Everything in ``data/``, validated: editions by id, trainings, FAQ, training names, reminder rules."""

    editions: dict[str, Edition]
    trainings: dict[str, Training]
    faq: Faq
    training_names: dict[str, TrainingNames]
    reminder_rules: ReminderRules
    personal_questions: PersonalQuestions = field(default_factory=PersonalQuestions)
    secretariat: SecretariatDesk = field(default_factory=default_desk)
    # Views computed from this knowledge, by ``derived``: they live and go with it (a reload brings a new one).
    _derived: dict[Hashable, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` computed once for this knowledge (which never changes) and kept with it.

        For what pages derive from data/ on every request (研修データ's facts as
        YAML). Two threads may both compute it the first time; either result is the same.
        """
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]  # type: ignore[return-value]

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


class _Reader:
    """Reads the files of one data folder, collecting every problem with the file named as shown to people."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.problems: list[str] = []

    def shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.data_dir.parent))
        except ValueError:
            return str(path)

    def files(self, folder: str, what: str) -> list[Path]:
        paths = sorted((self.data_dir / folder).glob("*.yaml"))
        if not paths:
            self.problems.append(f"{self.shown(self.data_dir / folder)}: no {what} files (*.yaml) found")
        return paths

    def read(self, path: Path, model: type[Model]) -> tuple[Model | None, YamlDocument | None]:
        loaded, document, problems = read_model(path, self.shown(path), model)
        self.problems.extend(problems)
        return loaded, document


def _editions(reader: _Reader) -> list[tuple[Edition, YamlDocument]]:
    loaded: list[tuple[Edition, YamlDocument]] = []
    for path in reader.files(EDITIONS_DIR, "edition"):
        edition, document = reader.read(path, Edition)
        if edition is None or document is None:
            continue
        reader.problems.extend(document.problem(loc, msg) for loc, msg in edition_problems(edition))
        if edition.id != path.stem:
            reader.problems.append(document.problem(("id",), f"edition id {edition.id!r} must match the file name"))
        loaded.append((edition, document))
    documents = {document.shown: document for _, document in loaded}
    for shown, loc, msg in duplicate_course_ids((document.shown, edition) for edition, document in loaded):
        reader.problems.append(documents[shown].problem(loc, msg))
    return loaded


def _trainings(reader: _Reader, editions: list[tuple[Edition, YamlDocument]]) -> dict[str, Training]:
    trainings: dict[str, Training] = {}
    for edition, document in sorted(editions, key=lambda loaded: (loaded[0].fiscal_year, loaded[0].id)):
        info = edition.training
        known = trainings.get(info.id)
        if known is None:
            trainings[info.id] = Training(info.id, info.name, tuple(info.aliases), (edition.id,))
            continue
        if known.name.ja != info.name.ja:
            reader.problems.append(document.problem(("training", "name"), (
                f"{info.name.ja!r} differs from {known.name.ja!r} given for training {info.id!r} by another edition")))
        aliases = known.aliases + tuple(a for a in info.aliases if a not in known.aliases)
        trainings[info.id] = Training(known.id, known.name, aliases, known.edition_ids + (edition.id,))
    return trainings


def _faq(reader: _Reader) -> Faq | None:
    """Entries and lexicon; references between them are checked once every entry file is valid
    (an entry missing because its file has a problem would make every reference to it one more)."""
    entries: list[FaqEntry] = []
    origins: dict[str, EntryOrigin] = {}
    documents: dict[str, YamlDocument] = {}
    complete = True
    for path in reader.files(FAQ_ENTRIES_DIR, "FAQ entry"):
        entry_file, document = reader.read(path, EntryFile)
        if entry_file is None or document is None:
            complete = False
            continue
        for index, entry in enumerate(entry_file.entries):
            if entry.id in origins:
                reader.problems.append(document.problem(
                    ("entries", index, "id"), f"entry id {entry.id!r} already given in {origins[entry.id].file}"))
                continue
            lines = {name: document.line_of(("entries", index, name)) for name in FaqEntry.model_fields}
            origins[entry.id] = EntryOrigin(document.shown, index, lines)
            documents[entry.id] = document
            entries.append(entry)
    lexicon, lexicon_document = reader.read(reader.data_dir / LEXICON_FILE, Lexicon)
    time_words, _ = reader.read(reader.data_dir / TIME_WORDS_FILE, TimeWords)
    regions, _ = reader.read(reader.data_dir / REGIONS_FILE, Regions)
    if not complete or lexicon is None or lexicon_document is None or time_words is None or regions is None:
        return None
    for entry in entries:
        origin = origins[entry.id]
        references = [("related", i, r) for i, r in enumerate(entry.related)]
        references += [("siblings", i, r) for i, r in enumerate(entry.siblings)]
        references += [("carries", i, r) for i, r in enumerate(entry.carries)]
        for field, ref_index, related in references:
            loc = ("entries", origin.index, field, ref_index)
            if related == entry.id:
                reader.problems.append(documents[entry.id].problem(loc, "an entry cannot relate to itself"))
            elif related not in origins:
                reader.problems.append(documents[entry.id].problem(loc, f"unknown entry {related!r}"))
    return Faq(entries=entries, lexicon=lexicon, time_words=time_words, regions=tuple(regions.regions), origins=origins,
               examples=_examples(reader, set(origins)))


def _examples(reader: _Reader, entry_ids: set[str]) -> dict[str, list[str]]:
    """Example questions of every file in ``faq/examples/``, merged by label; unknown labels are problems."""
    merged: dict[str, list[str]] = {}
    folder = reader.data_dir / FAQ_EXAMPLES_DIR
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        example_file, document = reader.read(path, ExampleFile)
        if example_file is None or document is None:
            continue
        for label, texts in example_file.examples.items():
            if label not in entry_ids and label not in GUARD_LABELS:
                reader.problems.append(document.problem(("examples", label), f"unknown entry {label!r}"))
                continue
            merged.setdefault(label, []).extend(text for text in texts if text.strip())
    return merged


def _reminder_rules(reader: _Reader) -> ReminderRules | None:
    rules, document = reader.read(reader.data_dir / REMINDER_RULES_FILE, ReminderRules)
    if rules is None or document is None:
        return None
    scopes = [(("defaults",), rules.defaults)] + [(("editions", e), s) for e, s in rules.editions.items()]
    for loc, scope in scopes:
        for kind, kind_rules in scope.items():
            seen: set[str] = set()
            for index, rule in enumerate(kind_rules):
                if rule.id in seen:
                    reader.problems.append(document.problem((*loc, kind.value, index, "id"),
                                                            f"rule id {rule.id!r} given twice for {kind.value}"))
                seen.add(rule.id)
    edition_files = {path.stem for path in (reader.data_dir / EDITIONS_DIR).glob("*.yaml")}
    for edition_id in rules.editions:
        if edition_id not in edition_files:
            reader.problems.append(document.problem(("editions", edition_id), f"unknown edition id {edition_id!r}"))
    return rules


def _personal_questions(reader: _Reader) -> PersonalQuestions | None:
    """The phrases of questions about one's own training; optional (a data folder without them has none)."""
    path = reader.data_dir / PERSONAL_QUESTIONS_FILE
    return reader.read(path, PersonalQuestions)[0] if path.exists() else None


def _secretariat(reader: _Reader) -> SecretariatDesk | None:
    """Office hours and how trainees ask for a person; optional (defaults: weekdays 9:00-17:00)."""
    path = reader.data_dir / SECRETARIAT_FILE
    return reader.read(path, SecretariatDesk)[0] if path.exists() else None


def load_knowledge(data_dir: Path | None = None, check_faq: Callable[[Faq], list[str]] | None = None) -> Knowledge:
    """Load and validate everything in ``data_dir``; raise ``KnowledgeError`` listing every problem.

    ``check_faq`` adds the answering engine's own checks of the FAQ (that templates
    name facts it has), so those problems come in the same pass as the rest.
    """
    reader = _Reader(data_dir or default_data_dir())
    editions = _editions(reader)
    trainings = _trainings(reader, editions)
    faq = _faq(reader)
    if faq is not None and check_faq is not None:
        reader.problems.extend(check_faq(faq))
    names, _ = reader.read(reader.data_dir / TRAINING_NAMES_FILE, TrainingsFile)
    rules = _reminder_rules(reader)
    personal = _personal_questions(reader)
    desk = _secretariat(reader)
    if reader.problems or faq is None or names is None or rules is None:
        raise KnowledgeError(reader.problems)
    return Knowledge(editions={edition.id: edition for edition, _ in editions}, trainings=trainings, faq=faq,
                     training_names=names.trainings, reminder_rules=rules,
                     personal_questions=personal or PersonalQuestions(), secretariat=desk or default_desk())
