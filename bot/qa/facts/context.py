"""What a fact function reads: the edition, the locale, the asker's clock and question."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime

from bot.i18n import Gettext
from bot.knowledge import Edition, Text
from bot.knowledge.regions import Region
from bot.knowledge.timing import Period
from bot.qa.date_words import Window
from bot.qa.dates import format_day, format_range
from bot.qa.time_slots import TimeSlots


@dataclass(frozen=True)
class FactContext:
    """Everything a fact function may read."""

    edition: Edition
    locale: str
    now: datetime
    gettext: Gettext
    course_ids: tuple[str, ...] = ()
    era: bool = True
    question: str = ""  # the question as typed (width and case folded), for facts that pick from a list
    time: TimeSlots = TimeSlots()  # what the question says about time: date word, countdown, events, ordinal
    regions: tuple[Region, ...] = ()  # the places of each region, for a venue named by the asker's city (大阪)
    purpose_words: tuple[str, ...] = ()  # words asking what a training is for (目的), from the lexicon

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def window(self) -> Window | None:
        """The days the question's date word names on this clock (来週: next Monday to Sunday). A month or
        day named without a year is the nearest one, unless only the same days a year the other side hold a
        session of this edition: 「1月9日は何の科目？」 asked in June means the programme's coming January."""
        spec = self.time.date_word
        if spec is None:
            return None
        nearest, other = spec.window(self.today), spec.other_year(self.today)
        if other is None or self._has_session_in(nearest) or not self._has_session_in(other):
            return nearest
        return other

    def _has_session_in(self, window: Window) -> bool:
        return any((day := s.date.earliest_day()) is not None and window.start <= day <= window.end
                   for s in self.edition.sessions)

    def text(self, value: Text | None) -> str | None:
        return value.in_locale(self.locale) if value is not None else None

    def day(self, value: date) -> str:
        return format_day(value, self.locale, era=self.era)

    def period(self, value: Period) -> str:
        return format_range(value.start, value.end, self.locale, era=self.era)

    def course_name(self, course_id: str) -> str:
        course = self.edition.course(course_id)
        return course.name.in_locale(self.locale) if course else course_id

    @cached_property
    def _family(self) -> frozenset[str]:
        """The named courses with their parents and children, worked out once per reply: a schedule
        asks ``wanted`` for every session day."""
        family: set[str] = set()
        for named in self.course_ids:
            course = self.edition.course(named)
            if course is not None:
                family.update(c.id for c in course.walk())
            family.update(p.id for p in self.edition.all_courses() if any(s.id == named for s in p.walk()))
        return frozenset(family)

    def wanted(self, course_ids: list[str]) -> bool:
        """True when no course was named, or one of ``course_ids`` (or a parent/child) was."""
        if not self.course_ids or not course_ids:
            return True
        return any(c in self._family for c in course_ids)


# A fact: text, or None when the documents do not say.
FactFunction = Callable[[FactContext], str | None]
TableRow = tuple[str, str]
# Long material as rows (date | session), which the reply shows as a table.
TableFunction = Callable[[FactContext], list[TableRow] | None]
