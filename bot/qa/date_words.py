"""Date words a trainee types (今日, 明日, 来週, 今月, 年内...) as a window of days on the bot's clock.

「来週ECMOの研修ある？」 asks about the days of next week, which only the clock
(``bot.clock``, ``KENSHU_NOW``) can say; the schedule answer keeps the session days
inside the window, or says there is none there and gives the next one. The words are
a slot apart from the topic: the topic model sees one token for any of them, so
「今月の日程」 and 「来週の日程」 are one question.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# Stands for any date word in a topic text; becomes the one feature ``p:date``.
DATE_TOKEN = "〈日付〉"


@dataclass(frozen=True)
class Window:
    """The days a date word covers, both ends included."""

    start: date
    end: date


def _month(today: date, ahead: int) -> Window:
    year, month = divmod(today.month - 1 + ahead, 12)
    first = date(today.year + year, month + 1, 1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return Window(max(first, today), last)


def _week(today: date, ahead: int) -> Window:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=ahead)
    return Window(max(monday, today), monday + timedelta(days=6))


def _new_year(today: date) -> Window:
    """年明け: the coming January, or what is left of this one when asked in January."""
    if today.month == 1:
        return Window(today, date(today.year, 1, 31))
    return Window(date(today.year + 1, 1, 1), date(today.year + 1, 1, 31))


def _day(ahead: int) -> Callable[[date], Window]:
    return lambda today: Window(today + timedelta(days=ahead), today + timedelta(days=ahead))


# Longest spelling first within each pattern (明後日 before 明日, 再来週 before 来週); folded text
# (width and case folded, hiragana kept), so kana spellings are listed as typed. Short kana words
# count only standing alone (ていきょう is 提供, きょうと is 京都).
_ALONE_BEFORE = r"(?<![ぁ-ん])"
_ALONE_AFTER = r"(?=[はのにでもって、。？?!！\s]|まで|から|$)"  # not きょうかい (協会)
_WORDS: tuple[tuple[re.Pattern[str], Callable[[date], Window]], ...] = (
    (re.compile(r"明後日|あさって|day after tomorrow"), _day(2)),
    (re.compile(rf"今日|本日|{_ALONE_BEFORE}きょう{_ALONE_AFTER}|today"), _day(0)),
    (re.compile(rf"明日|{_ALONE_BEFORE}あした{_ALONE_AFTER}|tomorrow"), _day(1)),
    (re.compile(r"再来週|さらいしゅう|week after next"), lambda today: _week(today, 2)),
    (re.compile(r"来週|らいしゅう|next week"), lambda today: _week(today, 1)),
    (re.compile(r"今週|こんしゅう|this week"), lambda today: _week(today, 0)),
    (re.compile(r"再来月|さらいげつ|month after next"), lambda today: _month(today, 2)),
    (re.compile(r"来月|らいげつ|next month"), lambda today: _month(today, 1)),
    (re.compile(r"今月|こんげつ|this month"), lambda today: _month(today, 0)),
    (re.compile(r"年内|今年中|ねんない|this year|by the end of the year"),
     lambda today: Window(today, date(today.year, 12, 31))),
    (re.compile(r"年明け|としあけ"), lambda today: _new_year(today)),
    (re.compile(r"来年の?1月|january next year"),
     lambda today: Window(date(today.year + 1, 1, 1), date(today.year + 1, 1, 31))),
)
_ANY = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _WORDS))


def window(text: str, today: date) -> Window | None:
    """The window of the first date word in ``text`` (folded), or None when it has none."""
    found = [(match.start(), days) for pattern, days in _WORDS if (match := pattern.search(text))]
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1](today)


def with_date_token(text: str) -> str:
    """The text with every date word replaced by ``DATE_TOKEN`` (what the topic model reads)."""
    return _ANY.sub(f" {DATE_TOKEN} ", text)
