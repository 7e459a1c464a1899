"""Typed date facts, always in Japan time.

Trainings are announced with exact dates, date ranges, clock times, and windows
that are only known roughly (「10月下旬～11月上旬に1回実施予定」). A rough
window is its own type that has no "day" at all, so no code path can turn it
into an invented concrete date.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from bot.clock import JST
from bot.knowledge.base import Strict, Text


def _to_japan_time(value: dt.datetime) -> dt.datetime:
    """Naive datetimes in the data are Japan time; aware ones are converted to it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=JST)
    return value.astimezone(JST)


JstDateTime = Annotated[dt.datetime, AfterValidator(_to_japan_time)]


class Period(Strict):
    """An inclusive range of days, e.g. an application or on-demand viewing period."""

    start: dt.date
    end: dt.date
    label_ja: str | None = Field(default=None, description="The period as written in the source, for display")
    approximate: bool = Field(default=False, description="True when the source marks the period （予定）")

    @model_validator(mode="after")
    def _start_not_after_end(self) -> Period:
        if self.start > self.end:
            raise ValueError(f"period start {self.start} is after its end {self.end}")
        return self

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` falls within the period (both ends included)."""
        return self.start <= day <= self.end


class TimeRange(Strict):
    """Clock times within one day (Japan time), e.g. 8:30～12:15."""

    start: dt.time
    end: dt.time

    @model_validator(mode="after")
    def _start_before_end(self) -> TimeRange:
        if self.start >= self.end:
            raise ValueError(f"time range start {self.start} is not before its end {self.end}")
        return self

    def on(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The range as Japan-time datetimes on ``day``."""
        return dt.datetime.combine(day, self.start, JST), dt.datetime.combine(day, self.end, JST)


class TentativeWindow(Strict):
    """A window known only roughly (下旬, 上旬, 予定); it deliberately has no day.

    ``earliest``/``latest`` bound the window so reminders can tell whether it has
    passed or is coming up, but answers must show ``label_ja`` (which says 予定),
    never a date picked from inside the window.
    """

    earliest: dt.date
    latest: dt.date
    label_ja: str = Field(min_length=1, description="As the source words it, including 予定")
    label_en: str | None = None

    @model_validator(mode="after")
    def _earliest_not_after_latest(self) -> TentativeWindow:
        if self.earliest > self.latest:
            raise ValueError(f"tentative window earliest {self.earliest} is after latest {self.latest}")
        return self

    def label(self, locale: str) -> str:
        """The human wording of the window, in English when asked and available."""
        if locale == "en" and self.label_en:
            return self.label_en
        return self.label_ja

    def has_passed(self, today: dt.date) -> bool:
        """True once even the latest possible day is over."""
        return today > self.latest

    def may_include(self, day: dt.date) -> bool:
        """True when ``day`` could be the (still unknown) day."""
        return self.earliest <= day <= self.latest


class When(Strict):
    """A point in time given as exactly one of: a day, a datetime, or a tentative window.

    ``approximate`` marks wording such as 「頃」 or 「（予定）」 on a concrete day
    (e.g. 受講決定通知書 8月25日（予定）発送): the day is real data but answers
    should say 予定/頃.
    """

    date: dt.date | None = None
    at: JstDateTime | None = None
    tentative: TentativeWindow | None = None
    approximate: bool = False
    label_ja: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> When:
        given = [name for name in ("date", "at", "tentative") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of date, at, tentative (got {given or 'none'})")
        return self

    @property
    def is_tentative(self) -> bool:
        """True when only a rough window is known."""
        return self.tentative is not None

    def day(self) -> dt.date | None:
        """The concrete day, or None for a tentative window (never a guessed day)."""
        if self.at is not None:
            return self.at.date()
        return self.date

    def earliest_day(self) -> dt.date:
        """The first day this could be: useful for ordering and reminder windows."""
        if self.tentative is not None:
            return self.tentative.earliest
        day = self.day()
        assert day is not None
        return day


class ArrivalRule(str, Enum):
    """How a postal or delivered deadline is judged."""

    MUST_ARRIVE = "必着"
    POSTMARK = "消印有効"
    STRICT = "厳守"
    NOT_STATED = "not_stated"


class Deadline(Strict):
    """A deadline day (optionally with a time) and how it is judged."""

    date: dt.date
    time: dt.time | None = None
    rule: ArrivalRule = ArrivalRule.NOT_STATED
    approximate: bool = False
    label_ja: str | None = None

    def last_moment(self) -> dt.datetime:
        """The last moment that still counts, in Japan time (end of day when no time)."""
        if self.time is not None:
            return dt.datetime.combine(self.date, self.time, JST)
        return dt.datetime.combine(self.date + dt.timedelta(days=1), dt.time(0, 0), JST) - dt.timedelta(microseconds=1)


class RelativeTiming(Strict):
    """A timing given relative to another fact, e.g. 「オンデマンド配信開始の1週間前頃まで」."""

    days_before: int = Field(ge=0)
    anchor: str = Field(description="What it is relative to, e.g. on_demand_start")
    approximate: bool = True
    label: Text
