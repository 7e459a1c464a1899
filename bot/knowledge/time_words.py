"""The schema of ``data/faq/time_words.yaml``: words about time a question may hold.

Date words (今日, 来週, 年内) name days on the bot's clock; countdown and when words
say the question asks for a day count or a date; event words say which dated fact
it asks about (配信開始, 払込期限); ordinals pick one of several (最後の回). They are
data, like the lexicon, so a new phrasing is a line in a YAML file, checked on load.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from bot.knowledge.base import Strict
from bot.knowledge.schedule import EventKind


class WindowKind(StrEnum):
    """How a date word's days are counted from today."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    REST_OF_YEAR = "rest_of_year"
    NEW_YEAR = "new_year"
    NEXT_JANUARY = "next_january"
    YEAR = "year"


class Ordinal(StrEnum):
    """Which one of several dated things a question means."""

    FIRST = "first"
    LAST = "last"
    NEXT = "next"


# Days, weeks or months ahead: 再来週 is two; nobody types 三週間後 as one word.
MAX_AHEAD = 2


def _words(values: list[str]) -> list[str]:
    """Words as listed, without blanks (a blank would match every question)."""
    if any(not value.strip() for value in values):
        raise ValueError("a word is empty")
    return values


class DateWord(Strict):
    """Spellings of one date word and the window of days they name."""

    window: WindowKind
    ahead: int = Field(default=0, ge=0, le=MAX_AHEAD, description="For day, week, month and year: how many ahead")
    words: list[str] = Field(min_length=1)

    @field_validator("words")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        return _words(value)

    @model_validator(mode="after")
    def _ahead_only_where_counted(self) -> DateWord:
        if self.ahead and self.window not in (WindowKind.DAY, WindowKind.WEEK, WindowKind.MONTH, WindowKind.YEAR):
            raise ValueError(f"ahead is given for a {self.window.value} window, which counts no days ahead")
        return self


class WeekdayWord(Strict):
    """Spellings of a weekday or a set of them (土日) and which days they are (0 is Monday)."""

    days: list[int] = Field(min_length=1)
    words: list[str] = Field(min_length=1)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(not 0 <= day <= 6 for day in value):
            raise ValueError("a weekday is 0 (Monday) to 6 (Sunday)")
        return value

    @field_validator("words")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        return _words(value)


class TimeWords(Strict):
    """``data/faq/time_words.yaml``."""

    date_words: list[DateWord] = Field(min_length=1)
    countdown_words: list[str] = Field(min_length=1, description="The question asks for a day count (あと何日)")
    when_words: list[str] = Field(min_length=1, description="The question asks for a date (いつ, いつまで)")
    events: dict[EventKind, list[str]] = Field(min_length=1, description="Words naming a dated fact, by event kind")
    ordinals: dict[Ordinal, list[str]] = Field(default_factory=dict)
    not_time_words: list[str] = Field(
        default_factory=list, description="Longer words holding a time word that name no date (有効期限)")
    where_words: list[str] = Field(
        default_factory=list, description="What may stand beside a place in a question that asks only when and "
                                          "where the sessions there are (どこ, 近く, 行くなら)")
    venue_nouns: list[str] = Field(
        default_factory=list, description="Nouns beside a place that ask nothing more than the place (医大, 病院)")
    weekdays: list[WeekdayWord] = Field(
        default_factory=list, description="Weekday words (土曜日, 週末): the session days on those weekdays")
    is_it_on_words: list[str] = Field(
        min_length=1, description="What may stand beside a date word in a question that only asks whether "
                                  "something is on then (研修, 開催, ある)")

    @field_validator("countdown_words", "when_words", "is_it_on_words", "not_time_words", "where_words", "venue_nouns")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        return _words(value)

    @field_validator("events", "ordinals")
    @classmethod
    def _no_blank_word(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for words in value.values():
            _words(words)
        return value

    @model_validator(mode="after")
    def _each_date_word_once(self) -> TimeWords:
        seen: set[str] = set()
        for date_word in self.date_words:
            for word in date_word.words:
                if word in seen:
                    raise ValueError(f"date word {word!r} is listed twice")
                seen.add(word)
        return self
