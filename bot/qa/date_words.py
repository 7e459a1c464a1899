"""Date words a trainee types (今日, 明日, 来週, 今月, 年内...) as a window of days on the bot's clock.

「来週ECMOの研修ある？」 asks about the days of next week, which only the clock
(``bot.clock``, ``KENSHU_NOW``) can say; the answers keep the dated facts inside
the window, or say there is none there and give the next one. The words are data
(``data/faq/time_words.yaml``) and a slot apart from the topic: the topic model sees
one token for any of them, so 「今月の日程」 and 「来週の日程」 are one question.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.knowledge.time_words import DateWord, WindowKind
from bot.textfold import fold_width_and_case

# Stands for any date word in a topic text; becomes the one feature ``p:date``.
DATE_TOKEN = "〈日付〉"
# Hiragana words this short count only standing alone (きょうと is 京都, きょうかい is 協会).
_SHORT_KANA = 3
_ALONE_BEFORE = r"(?<![ぁ-ん])"
_ALONE_AFTER = r"(?=[はのにでもって、。？?!！\s]|まで|から|$)"
_HIRAGANA = re.compile(r"^[ぁ-ん]+$")


@dataclass(frozen=True)
class Window:
    """The days a date word covers, both ends included."""

    start: date
    end: date


@dataclass(frozen=True)
class DateWordSpec:
    """What a date word found in a question means, before the clock says which days (a reading is
    kept across questions; the days depend on when it is asked)."""

    kind: WindowKind
    ahead: int = 0

    def window(self, today: date) -> Window:
        """The days this date word names when asked on ``today``."""
        match self.kind:
            case WindowKind.DAY:
                day = today + timedelta(days=self.ahead)
                return Window(day, day)
            case WindowKind.WEEK:
                monday = today - timedelta(days=today.weekday()) + timedelta(weeks=self.ahead)
                return Window(monday, monday + timedelta(days=6))
            case WindowKind.MONTH:
                year, month = divmod(today.month - 1 + self.ahead, 12)
                first = date(today.year + year, month + 1, 1)
                last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
                return Window(first, last)
            case WindowKind.REST_OF_YEAR:
                return Window(today, date(today.year, 12, 31))
            case WindowKind.NEW_YEAR:
                # The coming January, or what is left of this one when asked in January.
                if today.month == 1:
                    return Window(today, date(today.year, 1, 31))
                return Window(date(today.year + 1, 1, 1), date(today.year + 1, 1, 31))
            case WindowKind.NEXT_JANUARY:
                return Window(date(today.year + 1, 1, 1), date(today.year + 1, 1, 31))


def _pattern(word: str) -> str:
    folded = fold_width_and_case(word)
    if _HIRAGANA.match(folded) and len(folded) <= _SHORT_KANA:
        return f"{_ALONE_BEFORE}{re.escape(folded)}{_ALONE_AFTER}"
    return re.escape(folded)


class DateWords:
    """Finds date words in folded text (width and case folded, hiragana kept); built once from the data."""

    def __init__(self, date_words: list[DateWord]) -> None:
        # Spellings folded as the questions they are looked for in are (and as ``TimeReader`` folds its words).
        self._specs = {fold_width_and_case(word): DateWordSpec(item.window, item.ahead)
                       for item in date_words for word in item.words}
        # Longest spelling first: 再来週 before 来週, 明後日 before 明日.
        ordered = sorted(self._specs, key=len, reverse=True)
        self._any = re.compile("|".join(f"({_pattern(word)})" for word in ordered))
        self._ordered = ordered

    def signature(self) -> str:
        """What reading a text depends on: the words, for the topic model's cache key."""
        return self._any.pattern

    def find(self, text: str) -> DateWordSpec | None:
        """The first date word in ``text``, or None when it has none."""
        match = self._any.search(text)
        if match is None:
            return None
        return self._specs[self._ordered[match.lastindex - 1]] if match.lastindex else None

    def window(self, text: str, today: date) -> Window | None:
        """The window of the first date word in ``text``, or None when it has none."""
        found = self.find(text)
        return found.window(today) if found is not None else None

    def with_date_token(self, text: str) -> str:
        """The text with every date word replaced by ``DATE_TOKEN`` (what the topic model reads)."""
        return self._any.sub(f" {DATE_TOKEN} ", text)
