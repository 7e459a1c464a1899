"""Date words a trainee types (今日, 明日, 来週, 今月, 年内, 1月, 1月18日...) as a window of days on the bot's clock.

「来週ECMOの研修ある？」 asks about the days of next week, which only the clock
(``bot.clock``, ``KENSHU_NOW``) can say; the answers keep the dated facts inside
the window, or say there is none there and give the next one. The words are data
(``data/faq/time_words.yaml``) and a slot apart from the topic: the topic model sees
one token for any of them, so 「今月の日程」 and 「来週の日程」 are one question.
A month or a day named by number (「1月のECMO研修はどこ？」「1/18の研修」, "in February")
is a pattern, not a word: it means the nearest such month or day to the clock, past or
coming, since a trainee asking in December about 「11月の回」 means the one just held
and about 「1月」 the coming one.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
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
# 来年度 and 今年度 are fiscal years, which no date word means.
_NOT_FISCAL = r"(?!度)"
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
_MONTH = r"(1[0-2]|0?[1-9])"
_DAY = r"(3[01]|[12][0-9]|0?[1-9])"
# A day or a month named by number, in folded text (NFKC: full-width digits are ASCII). Not 3か月 (a
# length), 月曜 (a weekday), 2026年度 or a larger number's tail (60月 is none).
_NAMED = (
    rf"(?P<ymd>(?<![0-9])(20[0-9][0-9])年{_MONTH}月{_DAY}日)",
    # 2026/1/18, 2026-01-18, 2026.1.18: a full date written with one separator.
    rf"(?P<ymd_sep>(?<![0-9])(20[0-9][0-9])(?P<sep>[/.-]){_MONTH}(?P=sep){_DAY}(?![0-9]))",
    rf"(?P<md>(?<![0-9/年]){_MONTH}月{_DAY}日)",
    # 1/18 only before a particle or the end: 1/2以上, 1/2日だけ and 5/10人 are fractions and counts.
    rf"(?P<slash>(?<![0-9/.]){_MONTH}/{_DAY}(?=[のにはで、。?？\s]|$))",
    rf"(?P<ym>(?<![0-9])(20[0-9][0-9])年{_MONTH}月(?!曜))",
    rf"(?P<nym>来年の?{_MONTH}月(?![曜0-9]))",
    # Not after 年: 「5年6月」 is a length of service, 「令和5年6月」 a year this reading does not count in.
    rf"(?P<m>(?<![0-9年]){_MONTH}月(?![曜0-9]))",
    # "may" alone is the verb (may I...): May counts only with its day.
    rf"(?P<en>(?<![a-z])({'|'.join(m for m in _MONTHS_EN if m != 'may')})(?![a-z])(\s+{_DAY}(?:st|nd|rd|th)?(?![0-9]))?)",
    rf"(?P<en_day>(?<![a-z])(may)\s+{_DAY}(?:st|nd|rd|th)?(?![0-9]))",
)
# A question in the past tense asks about a month or day gone (「6月にありましたか」「11月にやったのはどこ？」,
# "When was it?"). Only the question's own verb counts: 「2月の回に申し込みましたが、会場は？」 asks about February
# to come, so a past form must end the text or come just before its question word or sign. A past form with
# っけ (「ありましたっけ」「何日でしたっけ」) asks what the asker forgot, of days gone or to come: no past tense.
_PAST_TENSE = re.compile(r"(でした|だった|ました|あった|やった|終わった|済んだ)(か|の)?(はどこ|はいつ|どこ|いつ)?[?？!！。\s]*$|"
                         r"(?<![a-z])(was|were|did)(?![a-z])")
# How far a named month or day may lie from today on either side: the nearest one is meant.
_HALF_YEAR_MONTHS = 6


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
    month: int | None = None  # a month named by number (1月): the nearest one, not one counted ahead
    day: int | None = None  # ...and its day (1月18日)
    year: int | None = None  # ...in the year written, if any (2026年1月)
    past: bool = False  # ...asked about in the past tense (「6月にありましたか」): the latest one gone

    @property
    def often_stated(self) -> bool:
        """A month, day or year named (「3月末で退職予定」「今年受講できますか」) belongs to a statement as often as
        to a question about its days; 今日 or 来週 seldom does."""
        return self.month is not None or self.kind is WindowKind.YEAR

    def other_year(self, today: date) -> Window | None:
        """For a month or day named without a year, in the present tense: the same days a year the other
        side of the nearest ones (``window``), which the documents may hold instead; else None."""
        if self.month is None or self.year is not None or self.ahead or self.past:
            return None
        nearest = self.window(today)
        return _shifted_a_year(nearest, 1 if nearest.end < today else -1)

    def window(self, today: date) -> Window:
        """The days this date word names when asked on ``today``."""
        if self.month is not None:
            year = today.year + 1 if self.ahead else self.year
            return _named_window(today, self.month, self.day, year, self.past)
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
            case WindowKind.YEAR:
                return Window(date(today.year + self.ahead, 1, 1), date(today.year + self.ahead, 12, 31))


def _shifted_a_year(window: Window, years: int) -> Window:
    """The same days ``years`` later (29 February becomes 28th)."""
    def shift(day: date) -> date:
        year = day.year + years
        return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))
    return Window(shift(window.start), shift(window.end))


def _named_window(today: date, month: int, day: int | None, year: int | None, past: bool = False) -> Window:
    """The named month (or day) in the year written, else the latest one gone when asked in the past
    tense, else the nearest one to today: from six months back to six ahead (December's 「1月」 is next
    January, its 「11月」 the one just gone)."""
    if year is None and past:
        year = today.year if (month, day or 1) <= (today.month, today.day) else today.year - 1
    if year is None:
        ahead = (month - today.month) % 12
        year = today.year + (today.month + ahead - 1) // 12 if ahead <= _HALF_YEAR_MONTHS else \
            today.year - (1 if month > today.month else 0)
    last = calendar.monthrange(year, month)[1]
    if day is not None:
        named = date(year, month, min(day, last))
        return Window(named, named)
    return Window(date(year, month, 1), date(year, month, last))


def _named_spec(match: re.Match[str]) -> DateWordSpec:
    """What a day or month named by number means (the pattern's groups say which form it took)."""
    kind = match.lastgroup
    groups = [g for g in match.groups() if g is not None]
    if kind in ("en", "en_day"):
        name, *rest = groups[1:]
        day = int(rest[-1]) if rest else None
        return DateWordSpec(WindowKind.DAY if day else WindowKind.MONTH, month=_MONTHS_EN.index(name) + 1, day=day)
    if kind == "ymd":
        return DateWordSpec(WindowKind.DAY, month=int(groups[2]), day=int(groups[3]), year=int(groups[1]))
    if kind == "ymd_sep":  # its groups: the whole, the year, the separator, the month, the day
        return DateWordSpec(WindowKind.DAY, month=int(groups[3]), day=int(groups[4]), year=int(groups[1]))
    if kind in ("md", "slash"):
        return DateWordSpec(WindowKind.DAY, month=int(groups[1]), day=int(groups[2]))
    if kind == "ym":
        return DateWordSpec(WindowKind.MONTH, month=int(groups[2]), year=int(groups[1]))
    if kind == "nym":
        return DateWordSpec(WindowKind.MONTH, month=int(groups[1]), ahead=1)
    return DateWordSpec(WindowKind.MONTH, month=int(groups[1]))


def _pattern(word: str) -> str:
    folded = fold_width_and_case(word)
    if _HIRAGANA.match(folded) and len(folded) <= _SHORT_KANA:
        return f"{_ALONE_BEFORE}{re.escape(folded)}{_ALONE_AFTER}"
    return re.escape(folded) + _NOT_FISCAL


class DateWords:
    """Finds date words in folded text (width and case folded, hiragana kept); built once from the data."""

    def __init__(self, date_words: list[DateWord]) -> None:
        # Spellings folded as the questions they are looked for in are (and as ``TimeReader`` folds its words).
        self._specs = {fold_width_and_case(word): DateWordSpec(item.window, item.ahead)
                       for item in date_words for word in item.words}
        # Longest spelling first: 再来週 before 来週, 明後日 before 明日; a month named by number first of all
        # (来年3月 is March, not the year).
        ordered = sorted(self._specs, key=len, reverse=True)
        words = (f"(?P<w{i}>{_pattern(word)})" for i, word in enumerate(ordered))
        self._any = re.compile("|".join((*_NAMED, *words)))
        self._ordered = ordered

    def signature(self) -> str:
        """What reading a text depends on: the words, for the topic model's cache key."""
        return self._any.pattern

    def find(self, text: str) -> DateWordSpec | None:
        """The first date word in ``text``, or None when it has none."""
        match = self._any.search(text)
        if match is None or match.lastgroup is None:
            return None
        if match.lastgroup.startswith("w"):
            return self._specs[self._ordered[int(match.lastgroup[1:])]]
        following = self._any.search(text, match.end())
        if following is not None and following.lastgroup is not None and not following.lastgroup.startswith("w"):
            return None  # 「10月下旬から11月上旬」: a range this reading does not span; no window rather than half
        spec = _named_spec(match)
        return replace(spec, past=True) if _PAST_TENSE.search(text, match.end()) else spec

    def window(self, text: str, today: date) -> Window | None:
        """The window of the first date word in ``text``, or None when it has none."""
        found = self.find(text)
        return found.window(today) if found is not None else None

    def with_date_token(self, text: str) -> str:
        """The text with every date word replaced by ``DATE_TOKEN`` (what the topic model reads)."""
        return self._any.sub(f" {DATE_TOKEN} ", text)
