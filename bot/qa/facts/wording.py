"""How facts word lists, dates, deadlines and counts, the same way in every topic."""

from __future__ import annotations

import re
from datetime import date

from babel.lists import format_list

from bot.knowledge import Text
from bot.knowledge.timing import ArrivalRule, Deadline, TimeRange, When
from bot.qa.dates import format_clock
from bot.qa.facts.context import FactContext
from bot.textfold import fold_width_and_case

BULLET = "・"
# A question's words, as far as a note is concerned: runs of kanji or katakana.
_WORD_RUN = re.compile(r"[\u3005\u4e00-\u9fff\u30a1-\u30faー]{2,}")


def bulleted(items: list[str]) -> str | None:
    """One bulleted line per non-empty item; None when there is none."""
    items = [item for item in items if item]
    if not items:
        return None
    return "\n".join(f"{BULLET}{item}" for item in items)


def listed(ctx: FactContext, items: list[str]) -> str:
    """Names in one run, as each language lists them: クロザピン研修・ＥＣＴ研修 /
    Clozapine training and ECT training (a literal ・ reads as a glitch in English)."""
    items = [item for item in items if item]
    if ctx.locale == "ja" or not items:
        return "・".join(items)
    return format_list(items, locale="en")


def joined(*parts: str | None) -> str | None:
    """The parts that say something, one per line; None when none does."""
    present = [part for part in parts if part]
    return "\n".join(present) if present else None


def asked_notes(ctx: FactContext, notes: list[Text], shown: str | None) -> list[str]:
    """The notes the question asks about, which an answer adds to what it always says.

    A note is asked about when it shares two kanji or katakana in a row with the question that
    neither the answer ``shown`` so far nor the training's names contain: 「修了者名簿ってどうなるの」
    adds the note on the graduate list to the certificate conditions, 「修了証の条件」 adds nothing
    (修了 is in the conditions already). English words are left out: the, with and training are in
    every note, and no list of such words would be short.
    """
    known = fold_width_and_case(" ".join((shown or "", ctx.edition.training.name.ja, *ctx.edition.training.aliases)))
    words = set()
    for run in _WORD_RUN.findall(fold_width_and_case(ctx.question)):
        words.update(pair for i in range(len(run) - 1) if (pair := run[i:i + 2]) not in known)
    texts = [ctx.text(note) or "" for note in notes]
    return [text for text in texts if text and any(word in fold_width_and_case(text) for word in words)]


def when_text(ctx: FactContext, when: When) -> str:
    """A day (with its clock time), a tentative window (10月下旬) or a planned day."""
    if when.tentative is not None:
        return when.tentative.label(ctx.locale)
    day = when.day()
    assert day is not None
    shown = ctx.day(day)
    if when.at is not None:
        shown = f"{shown} {format_clock(when.at.time())}"
    if when.approximate:
        shown = ctx.gettext("{date} (planned)").format(date=shown)
    return shown


def deadline_text(ctx: FactContext, deadline: Deadline) -> str:
    """The last day (and time) with what counts: arrival, postmark, strict."""
    shown = ctx.day(deadline.date)
    if deadline.time is not None:
        shown = f"{shown} {format_clock(deadline.time)}"
    return with_rule(ctx, shown, deadline.rule)


def with_rule(ctx: FactContext, shown: str, rule: ArrivalRule) -> str:
    """A deadline's day as shown, with how it is judged: 9月28日（木）（厳守）."""
    rules = {
        ArrivalRule.MUST_ARRIVE: ctx.gettext("must arrive by then"),
        ArrivalRule.POSTMARK: ctx.gettext("postmark date counts"),
        ArrivalRule.STRICT: ctx.gettext("strict"),
    }
    said = rules.get(rule)
    return ctx.gettext("{date} ({rule})").format(date=shown, rule=said) if said else shown


def clock_range(value: TimeRange) -> str:
    """9:30～17:15."""
    return f"{format_clock(value.start)}～{format_clock(value.end)}"


def days_text(ctx: FactContext, days: int) -> str:
    """3 days / 1 day, in the context's language."""
    return ctx.gettext("{days} days").format(days=days) if days != 1 else ctx.gettext("1 day")


def days_left(ctx: FactContext, day: date) -> str:
    """あと3日です / 本日です / すでに過ぎています（10日前）: a day judged on the context's clock."""
    days = (day - ctx.today).days
    if days < 0:
        return ctx.gettext("This has passed ({days} ago).").format(days=days_text(ctx, -days))
    if days == 0:
        return ctx.gettext("That is today.")
    return ctx.gettext("In {days}.").format(days=days_text(ctx, days))
