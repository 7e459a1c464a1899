"""The schema of the FAQ: ``data/faq/entries/*.yaml`` and ``data/faq/lexicon.yaml``.

* ``entries/*.yaml``: one entry per question trainees ask, with Japanese and
  English phrasings, keywords, the answer template (an English message id
  whose Japanese lives in the ``qa`` catalog) and related entries;
* ``examples/*.yaml``: more example questions per entry, and the guard classes
  (clinical, out-of-scope), for the topic model;
* ``lexicon.yaml``: words that mark a clinical question, small talk or a
  greeting, and the word lists behind routing;
* ``time_words.yaml``: date words, countdown and when words, the words naming
  each kind of dated event, and ordinals (``time_words``).
* ``regions.yaml``: the prefectures and cities of each region, so a venue held for a
  region is found by the trainee's own city (``regions``).

The loader checks references between entries; the answering engine checks that
every template names a fact it can give. Both report problems at the entry's
file and line, which is why ``Faq`` remembers where each entry was written.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from pydantic import Field, field_validator, model_validator

from bot.knowledge.base import SLUG, Strict
from bot.knowledge.schedule import EventKind
from bot.knowledge.regions import Region
from bot.knowledge.time_words import TimeWords


class Phrasings(Strict):
    """Ways trainees ask the question; the first Japanese one is the canonical wording."""

    ja: list[str] = Field(min_length=2)
    en: list[str] = Field(min_length=1)


class FaqEntry(Strict):
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
    siblings: list[str] = Field(
        default_factory=list,
        description="Entries trainees cannot tell apart from this one: when the model hesitates between "
                    "them, both answers are given together",
    )
    dated: bool = Field(
        default=False,
        description="The answer is a date: a bare 「それはいつ？」「あと何日？」 right after it asks about it again",
    )
    dates: list[EventKind] = Field(
        default_factory=list,
        description="The dated events whose day and days left this entry's answer states: 「締切まであと何日」 "
                    "is answered by it when the model agrees, by the countdown entry otherwise",
    )
    carries: list[str] = Field(
        default_factory=list,
        description="Sibling entries whose answer this one always includes (trainees and the examples mix "
                    "them up, so asking one gives both facts)",
    )

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
        return template_placeholders(self.answer)


def template_placeholders(template: str) -> list[str]:
    """The ``{names}`` in a template (raises ValueError when it does not parse)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


class EntryFile(Strict):
    """One file of ``data/faq/entries/``."""

    entries: list[FaqEntry] = Field(min_length=1)


# Labels of the topic model that are not entries: questions never answered from the FAQ.
CLINICAL_LABEL = "clinical"
OUT_OF_SCOPE_LABEL = "out-of-scope"
GUARD_LABELS = (CLINICAL_LABEL, OUT_OF_SCOPE_LABEL)


class ExampleFile(Strict):
    """One file of ``data/faq/examples/``: example questions by entry id (or guard label)."""

    examples: dict[str, list[str]] = Field(min_length=1)


class Lexicon(Strict):
    """``data/faq/lexicon.yaml``: words and patterns that route a question before ranking."""

    clinical_terms: list[str] = Field(min_length=1)
    clinical_soft_terms: list[str] = Field(default_factory=list)
    clinical_patterns: list[str] = Field(default_factory=list)
    clinical_exempt_terms: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    thanks: list[str] = Field(default_factory=list)
    menu_words: list[str] = Field(default_factory=list)
    off_topic_terms: list[str] = Field(default_factory=list)
    off_topic_exempt_terms: list[str] = Field(
        default_factory=list, description="Words that keep a question with an off-topic word in scope (台風で中止？)")
    off_topic_training_words: list[str] = Field(
        default_factory=list, description="Words of a training that must stand beside an off-topic exemption "
                                          "(研修, 会場); a training's own names count too")
    not_subject_days_words: list[str] = Field(
        default_factory=list, description="Words that make a question naming a curriculum subject and いつ ask "
                                          "about something else than the subject's days (欠席, 補講, 課題)")
    purpose_words: list[str] = Field(
        default_factory=list, description="Words that ask what a training is for (目的, ねらい, purpose)")
    own_training_words: list[str] = Field(
        default_factory=list,
        description="Words before 研修/講習... that name part of our trainings (集合研修), not another training",
    )

    @model_validator(mode="after")
    def _patterns_compile(self) -> Lexicon:
        for pattern in self.clinical_patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"clinical pattern {pattern!r} does not compile: {error}") from error
        return self


@dataclass(frozen=True)
class EntryOrigin:
    """Where one entry is written, so a check made after loading can name file, line and field."""

    file: str
    index: int
    lines: dict[str, int]

    def problem(self, field: str, message: str) -> str:
        """``file:line: entries[i].field: message``."""
        return f"{self.file}:{self.lines[field]}: entries[{self.index}].{field}: {message}"


@dataclass(frozen=True)
class Faq:
    """Every FAQ entry (ids unique, references checked), the lexicon and the time words."""

    entries: list[FaqEntry]
    lexicon: Lexicon
    time_words: TimeWords
    regions: tuple[Region, ...]  # the places of each region, for venues named by region (data/faq/regions.yaml)
    origins: dict[str, EntryOrigin]
    examples: dict[str, list[str]]  # by entry id or guard label, from data/faq/examples/
