"""Dates as trainees read them: 令和5年6月30日（金） in Japanese, Babel in English (Fri, June 30, 2023).

Babel formats weekdays and English dates but has no Japanese-calendar support,
so the era year is computed here from the era start days. Documents that
write western years (the ECMO guide: 2025年8月24日（日）) are shown the same
way, chosen per training in ``data/faq/trainings.yaml``.
"""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date

# (first day, era name); newest first. Older eras never appear in training dates.
_ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)


def era_year(day: date) -> str:
    """The Japanese era year of a day, e.g. 令和5年 (and 令和元年 for the first year)."""
    for start, name in _ERAS:
        if day >= start:
            number = day.year - start.year + 1
            return f"{name}{'元' if number == 1 else number}年"
    return f"{day.year}年"


def format_day(day: date, locale: str, *, era: bool = True, with_year: bool = True) -> str:
    """One day for a phone screen: 令和5年6月30日（金） / Fri, June 30, 2023 (month first, as English
    readers in the US and Japan write dates, and as they type them in questions)."""
    if locale == "en":
        pattern = "EEE, MMMM d, y" if with_year else "EEE, MMMM d"
        return format_date(day, pattern, locale="en")
    weekday = format_date(day, "EEE", locale="ja")
    year = (era_year(day) if era else f"{day.year}年") if with_year else ""
    return f"{year}{day.month}月{day.day}日（{weekday}）"


def format_range(start: date, end: date, locale: str, *, era: bool = True) -> str:
    """An inclusive range; the year is not repeated when both ends share it (said first in Japanese,
    令和5年5月15日（月）～6月30日（金）, last in English, Mon, May 15 – Fri, June 30, 2023)."""
    same_year = start.year == end.year
    if locale == "en":
        return f"{format_day(start, locale, with_year=not same_year)} – {format_day(end, locale)}"
    first = format_day(start, locale, era=era)
    last = format_day(end, locale, era=era, with_year=not same_year)
    return f"{first}～{last}"


def format_clock(moment: time) -> str:
    """8:30 style, the way the documents write clock times."""
    return f"{moment.hour}:{moment.minute:02d}"
