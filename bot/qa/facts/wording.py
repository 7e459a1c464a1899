"""How facts word lists, dates, deadlines and counts, the same way in every topic."""

from __future__ import annotations

from datetime import date

from bot.knowledge.timing import ArrivalRule, Deadline, TimeRange, When
from bot.qa.dates import format_clock
from bot.qa.facts.context import FactContext

BULLET = "・"


def bulleted(items: list[str]) -> str | None:
    """One bulleted line per non-empty item; None when there is none."""
    items = [item for item in items if item]
    if not items:
        return None
    return "\n".join(f"{BULLET}{item}" for item in items)


def joined(*parts: str | None) -> str | None:
    """The parts that say something, one per line; None when none does."""
    present = [part for part in parts if part]
    return "\n".join(present) if present else None


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
    rules = {
        ArrivalRule.MUST_ARRIVE: ctx.gettext("must arrive by then"),
        ArrivalRule.POSTMARK: ctx.gettext("postmark date counts"),
        ArrivalRule.STRICT: ctx.gettext("strict"),
    }
    rule = rules.get(deadline.rule)
    return ctx.gettext("{date} ({rule})").format(date=shown, rule=rule) if rule else shown


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
