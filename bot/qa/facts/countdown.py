"""The dated facts a question names, each with its date and the days left on the clock.

「配信終了まであと何日？」, 「決定通知まであと何日」, 「今日ECMO研修ってある？」: any event
an edition dates (application, on-demand start and end, live stream, decision
notice, payment notice and deadline, session days, tests before a session day...),
derived from the edition by ``bot.knowledge.schedule`` as reminders are, so nothing
here knows a date. A day still only a rough window (10月下旬～11月上旬 予定) is said
to be not fixed, with the secretariat to ask; a past one is stated as past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.knowledge.schedule import EventKind, ScheduledEvent, edition_events
from bot.knowledge.time_words import Ordinal
from bot.knowledge.timing import Period, TentativeWindow
from bot.qa.date_words import Window
from bot.qa.dates import format_clock
from bot.qa.facts.contacts import secretariat
from bot.qa.facts.context import FactContext
from bot.qa.facts.ordinals import pick
from bot.qa.facts.registry import fact
from bot.qa.facts.schedule import session_lines
from bot.qa.facts.wording import days_left, listed, with_rule
from bot.qa.places import named_venues

# What "the training" is when a countdown names nothing else (「ECMO研修まであと何日」).
COURSE_EVENTS = frozenset({EventKind.COURSE_DAY, EventKind.ON_DEMAND_START, EventKind.LIVE_STREAM})


@dataclass(frozen=True)
class Dated:
    """One dated fact, once for all the courses it concerns (the schedule gives one event per course)."""

    event: ScheduledEvent
    course_ids: tuple[str, ...]

    @property
    def day(self) -> date:
        """Its day, or the first day of its rough window (for ordering only, never shown)."""
        if self.event.tentative is not None:
            return self.event.tentative.earliest
        at = self.event.at
        assert at is not None
        return at.date() if isinstance(at, datetime) else at


def _dated(ctx: FactContext) -> list[Dated]:
    """The edition's dated facts for the courses asked about, each once."""
    merged: dict[tuple[object, ...], list[str]] = {}
    events: dict[tuple[object, ...], ScheduledEvent] = {}
    for event in edition_events(ctx.edition):
        rough = (event.tentative.earliest, event.tentative.label_ja) if event.tentative else None
        # A session day is one day for every course, whatever each course's hours.
        key = (event.kind, event.session_id) if event.session_id else (event.kind, event.at, rough, event.title.ja)
        events.setdefault(key, event)
        merged.setdefault(key, []).extend([event.course_id] if event.course_id else [])
    found = [Dated(events[key], tuple(dict.fromkeys(courses))) for key, courses in merged.items()]
    return [d for d in found if ctx.wanted(list(d.course_ids))]


def _in(window: Window, dated: Dated) -> bool:
    tentative = dated.event.tentative
    if tentative is not None:
        return tentative.earliest <= window.end and tentative.latest >= window.start
    return window.start <= dated.day <= window.end


@fact("countdown")
def countdown(ctx: FactContext) -> str | None:
    """The dated facts named (or the training's next day when none is), with what is left of the wait.

    A date word keeps those inside its days, or says there is none and gives the next one;
    最初/最後/次 keep one of several; a place keeps its session days.
    """
    _ = ctx.gettext
    venue_ids, _words = named_venues(ctx.edition, ctx.question, ctx.regions)
    kinds = set(ctx.time.events) | ({EventKind.COURSE_DAY} if venue_ids else set())
    chosen = [d for d in _dated(ctx) if d.event.kind in (kinds or COURSE_EVENTS)]
    if venue_ids:
        venues = {s.id for s in ctx.edition.sessions if s.venue_id in venue_ids}
        chosen = [d for d in chosen if d.event.kind is not EventKind.COURSE_DAY or d.event.session_id in venues]
    if not chosen:
        return None
    # A countdown to several session days means the next one, unless a place was named (東京の回: both days).
    ordinal = ctx.time.ordinal or (None if venue_ids or ctx.window else Ordinal.NEXT)
    window = ctx.window
    if window is not None:
        inside = [d for d in chosen if _in(window, d)]
        days = ctx.day(window.start) if window.start == window.end else ctx.period(Period(start=window.start,
                                                                                           end=window.end))
        if inside:
            return _("Scheduled for {days}:").format(days=days) + "\n" + _lines(ctx, _picked(ctx, inside, ordinal))
        if not ctx.time.events:
            later = sorted((d for d in chosen if d.day > window.end), key=lambda d: d.day)
            text = _("Nothing is scheduled for {days}.").format(days=days)
            if later:
                text += "\n" + _("The next one:") + "\n" + _lines(ctx, later[:1])
            return text
    return _lines(ctx, _picked(ctx, chosen, ordinal))


def _picked(ctx: FactContext, chosen: list[Dated], ordinal: Ordinal | None) -> list[Dated]:
    """One of each kind (per course running on its own days) when an ordinal is asked."""
    return pick(chosen, ordinal, ctx.today, lambda d: d.day, lambda d: (d.event.kind, d.course_ids))


def _lines(ctx: FactContext, chosen: list[Dated]) -> str:
    """Session days as the schedule words them, every other fact as 「title：date status」, in day order."""
    sessions = {s.id: s for s in ctx.edition.sessions}
    lines: list[str] = []
    undecided = False
    for dated in sorted(chosen, key=lambda d: d.day):
        event = dated.event
        if event.kind is EventKind.COURSE_DAY and event.session_id in sessions:
            # Whose day it is when courses run on their own days and none was named (主任研修 A-D).
            lines.append(session_lines(ctx, [sessions[event.session_id]], with_courses=not ctx.course_ids))
            continue
        title = ctx.text(event.title) or ""
        # Which courses a fact concerns, unless it is every course (配信開始 of クロザピン and ＥＣＴ alike).
        every = {c.id for c in ctx.edition.courses}
        courses = "" if every <= set(dated.course_ids) else listed(ctx, [ctx.course_name(c) for c in dated.course_ids])
        if courses and event.kind is not EventKind.COURSE_DAY:
            title = ctx.gettext("{what} ({courses})").format(what=title, courses=courses)
        if event.tentative is not None:
            undecided = undecided or not event.tentative.has_passed(ctx.today)
            lines.append(_line(ctx, title, event.tentative.label(ctx.locale), _tentative_status(ctx, event.tentative)))
            continue
        lines.append(_line(ctx, title, _when(ctx, event), days_left(ctx, dated.day)))
    if undecided:
        lines.append(ctx.gettext("For the exact day, please ask the secretariat:") + "\n" + (secretariat(ctx) or ""))
    return "\n".join(lines)


def _line(ctx: FactContext, title: str, when: str, status: str) -> str:
    return ctx.gettext("{what}: {when}").format(what=title, when=when) + " " + status


def _when(ctx: FactContext, event: ScheduledEvent) -> str:
    at = event.at
    assert at is not None
    shown = ctx.day(at.date() if isinstance(at, datetime) else at)
    if isinstance(at, datetime):
        shown = f"{shown} {format_clock(at.time())}"
    shown = with_rule(ctx, shown, event.rule)  # 納付期限 9月28日（厳守）: the rule is half the deadline
    return ctx.gettext("{date} (planned)").format(date=shown) if event.approximate else shown


def _tentative_status(ctx: FactContext, window: TentativeWindow) -> str:
    if window.has_passed(ctx.today):
        return ctx.gettext("This window has passed.")
    return ctx.gettext("The exact date is not fixed yet; it will be announced to trainees.")

