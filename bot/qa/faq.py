"""The FAQ as data: entries, training nicknames and the word lists behind routing.

Everything a non-engineer might tune lives in ``data/faq/``:

* ``entries/*.yaml``: one entry per question trainees ask, with Japanese and
  English phrasings, keywords, the answer template (an English message id
  whose Japanese lives in the ``qa`` catalog) and related entries;
* ``trainings.yaml``: nicknames, short names and date style per training;
* ``lexicon.yaml``: words that mark a clinical question, small talk or a
  greeting.

All models forbid unknown keys, and cross-references (related entries,
training ids) are checked at load time so a typo fails at start-up.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.qa.yaml_source import DataFileError, load_model

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phrasings(_Strict):
    """Ways trainees ask the question; the first Japanese one is the canonical wording."""

    ja: list[str] = Field(min_length=2)
    en: list[str] = Field(min_length=1)


class FaqEntry(_Strict):
    """One answerable question."""

    id: str = Field(pattern=SLUG)
    category: str = Field(pattern=SLUG)
    ask: str = Field(min_length=1, description="Short English msgid: the question as a quick-reply label")
    questions: Phrasings
    keywords: list[str] = Field(default_factory=list)
    answer: str = Field(min_length=1, description="English msgid template; {placeholders} name facts")
    detail: str | None = Field(default=None, description="A fact shown as a Flex table when it is long")
    needs_training: bool = True
    trainings: list[str] = Field(default_factory=list, description="Only for these trainings (empty: all)")
    related: list[str] = Field(min_length=2, max_length=4)

    @field_validator("answer")
    @classmethod
    def _template_parses(cls, value: str) -> str:
        try:
            list(string.Formatter().parse(value))
        except ValueError as error:
            raise ValueError(f"answer template does not parse: {error}") from error
        return value

    def placeholders(self) -> list[str]:
        """The fact names the answer template needs."""
        return [name for _, name, _, _ in string.Formatter().parse(self.answer) if name]


class EntryFile(_Strict):
    """One file of ``data/faq/entries/``."""

    entries: list[FaqEntry] = Field(min_length=1)


class TrainingNames(_Strict):
    """How trainees name one training and its courses."""

    short_name: str = Field(min_length=1, description="Japanese short name for buttons, e.g. 難治性精神疾患研修")
    short_name_en: str = Field(min_length=1)
    date_style: Literal["era", "western"] = "era"
    aliases: list[str] = Field(default_factory=list)
    course_aliases: dict[str, list[str]] = Field(default_factory=dict)


class TrainingsFile(_Strict):
    """``data/faq/trainings.yaml``: training id -> names."""

    trainings: dict[str, TrainingNames]


class Lexicon(_Strict):
    """``data/faq/lexicon.yaml``: words and patterns that route a question before ranking."""

    clinical_terms: list[str] = Field(min_length=1)
    clinical_soft_terms: list[str] = Field(default_factory=list)
    clinical_patterns: list[str] = Field(default_factory=list)
    clinical_exempt_terms: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    thanks: list[str] = Field(default_factory=list)
    menu_words: list[str] = Field(default_factory=list)
    off_topic_terms: list[str] = Field(default_factory=list)
    topic_free_words: list[str] = Field(
        default_factory=list,
        description="Words that say nothing about which answer is wanted (必要, 使う, 見る): never ranked or counted",
    )
    rewrites: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Canonical wording -> ways trainees type it; an empty canonical drops filler (について)",
    )

    ambiguous: dict[str, list[str]] = Field(
        default_factory=dict,
        description="A word that alone could mean several entries (配信 -> live-stream, on-demand): ask which",
    )

    @model_validator(mode="after")
    def _patterns_compile(self) -> Lexicon:
        for pattern in self.clinical_patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"clinical pattern {pattern!r} does not compile: {error}") from error
        return self


class Faq(_Strict):
    """Everything under ``data/faq/``, validated and cross-checked."""

    entries: list[FaqEntry]
    trainings: dict[str, TrainingNames]
    lexicon: Lexicon

    def entry(self, entry_id: str) -> FaqEntry:
        """The entry with this id (ids are checked unique at load)."""
        return next(e for e in self.entries if e.id == entry_id)


def load_faq(faq_dir: Path) -> Faq:
    """Read and cross-check ``faq_dir``; raise DataFileError naming the bad file."""
    entry_paths = sorted((faq_dir / "entries").glob("*.yaml"))
    if not entry_paths:
        raise DataFileError(f"{faq_dir / 'entries'}: no FAQ entry files")
    entries: list[FaqEntry] = []
    origin: dict[str, Path] = {}
    for path in entry_paths:
        for entry in load_model(path, EntryFile).entries:
            if entry.id in origin:
                raise DataFileError(f"{path}: entry id {entry.id!r} already defined in {origin[entry.id]}")
            origin[entry.id] = path
            entries.append(entry)
    for entry in entries:
        for related in entry.related:
            if related not in origin:
                raise DataFileError(f"{origin[entry.id]}: entry {entry.id!r} relates to unknown entry {related!r}")
            if related == entry.id:
                raise DataFileError(f"{origin[entry.id]}: entry {entry.id!r} relates to itself")
    trainings = load_model(faq_dir / "trainings.yaml", TrainingsFile).trainings
    lexicon = load_model(faq_dir / "lexicon.yaml", Lexicon)
    for term, entry_ids in lexicon.ambiguous.items():
        unknown = [e for e in entry_ids if e not in origin]
        if unknown:
            raise DataFileError(f"{faq_dir / 'lexicon.yaml'}: ambiguous word {term!r} names unknown entries {unknown}")
    return Faq(entries=entries, trainings=trainings, lexicon=lexicon)
