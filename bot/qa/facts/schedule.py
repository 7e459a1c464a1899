"""Facts about when and where: on-demand viewing, live streams, session days, hours, venues, milestones.

A question naming a city (ECMO 京都) keeps only that city's days and venues;
every status (あと3日, 終了) is judged against the context's ``now``.
"""

from __future__ import annotations

from babel.dates import get_day_names

from bot.knowledge.models import Session, Venue
from bot.knowledge.time_words import Ordinal
from bot.knowledge.timing import Period, When
from bot.qa.date_words import Window
from bot.qa.facts.contacts import secretariat
from bot.qa.facts.curriculum import asked_subjects, subject_line, subject_title
from bot.qa.facts.context import FactContext, FactFunction, TableRow
from bot.qa.facts.ordinals import pick
from bot.qa.facts.registry import fact, fact_family, table
from bot.qa.facts.wording import bulleted, clock_range, days_text, joined, listed, when_text
from bot.qa.places import named_venues
from bot.qa.subjects import named_subjects


def _period_status(ctx: FactContext, period: Period) -> str:
    _ = ctx.gettext
    if ctx.today < period.start:
        return _("Starts in {days}.").format(days=days_text(ctx, (period.start - ctx.today).days))
    if ctx.today <= period.end:
        days = (period.end - ctx.today).days
        return _("Available now; last day today.") if days == 0 else _("Available now; {days} left.").format(
            days=days_text(ctx, days)
        )
    return _("This period has ended.")


@fact("on_demand")
def on_demand(ctx: FactContext) -> str | None:
    items = []
    for block in ctx.edition.on_demand:
        if not ctx.wanted(block.course_ids) or block.period is None:
            continue
        names = listed(ctx, [ctx.course_name(c) for c in block.course_ids if ctx.edition.course(c)])
        line = ctx.period(block.period) + f" {_period_status(ctx, block.period)}"
        items.append(f"{names}: {line}" if names else line)
        if block.platform is not None:
            items.append(ctx.gettext("Where: {platform}").format(platform=ctx.text(block.platform)))
    unique = list(dict.fromkeys(items))
    if not unique:
        return None
    return "\n".join(unique)


@fact("on_demand_notes")
def on_demand_notes(ctx: FactContext) -> str | None:
    """The notes on the on-demand lectures (same as last year's, where materials are):
    what a trainee asking "is it the same as last year?" needs, without the dates."""
    notes = [ctx.text(n) or "" for block in ctx.edition.on_demand if ctx.wanted(block.course_ids) for n in block.notes]
    return bulleted(list(dict.fromkeys(n for n in notes if n)))


@fact("live_stream")
def live_stream(ctx: FactContext) -> str | None:
    _ = ctx.gettext
    blocks = []
    for stream in ctx.edition.live_streams:
        if not ctx.wanted(stream.course_ids):
            continue
        names = listed(ctx, [ctx.course_name(c) for c in stream.course_ids])
        when = when_text(ctx, stream.when)
        details = [f"{names}: {when}"]
        if stream.hours is not None:
            details.append(clock_range(stream.hours))
        if stream.duration_minutes:
            details.append(_("{minutes} minutes").format(minutes=stream.duration_minutes))
        details.append(ctx.text(stream.tool) or "")
        status = _event_status(ctx, stream.when)
        blocks.append(joined(" / ".join(d for d in details if d), status))
    undecided = [s for s in ctx.edition.live_streams if ctx.wanted(s.course_ids)
                 and s.when.tentative is not None and not s.when.tentative.has_passed(ctx.today)]
    if blocks and undecided:
        # The documents give only a window: say whom to ask rather than guess a day.
        blocks.append(_("For the exact day, please ask the secretariat:") + "\n" + (secretariat(ctx) or ""))
    if not blocks:
        if not ctx.edition.live_streams:
            return None
        # The course asked about has none: say so, and which courses do have one.
        streamed = dict.fromkeys(ctx.course_name(c) for s in ctx.edition.live_streams for c in s.course_ids)
        return _("No live stream for this course. Only these courses have one: {courses}").format(
            courses=listed(ctx, list(streamed)))
    return "\n".join(b for b in blocks if b)


def _event_status(ctx: FactContext, when: When) -> str | None:
    _ = ctx.gettext
    if when.tentative is not None:
        if when.tentative.has_passed(ctx.today):
            return _("This window has passed.")
        return _("The exact date is not fixed yet; it will be announced to trainees.")
    day = when.day()
    assert day is not None
    days = (day - ctx.today).days
    if days < 0:
        return _("This took place on {date}.").format(date=ctx.day(day))
    if days == 0:
        return _("That is today.")
    return _("In {days}.").format(days=days_text(ctx, days))


def _session_courses(ctx: FactContext, course_ids: list[str]) -> str:
    return listed(ctx, [ctx.course_name(c) for c in course_ids])


def _session_groups(ctx: FactContext, sessions: list[Session]) -> dict[tuple[str, ...], list[Session]]:
    """Session days by course, in document order."""
    groups: dict[tuple[str, ...], list[Session]] = {}
    for session in sessions:
        groups.setdefault(tuple(session.course_ids), []).append(session)
    return groups


def _named_place_sessions(ctx: FactContext, sessions: list[Session]) -> list[Session]:
    """The sessions at the venues the question names (ECMO 京都 -> the Kyoto day), else all."""
    return _sessions_at_named_places(ctx, sessions) or sessions


def _sessions_at_named_places(ctx: FactContext, sessions: list[Session]) -> list[Session]:
    venue_ids, _words = named_venues(ctx.edition, ctx.question, ctx.regions)
    return [s for s in sessions if s.venue_id in venue_ids]


def ended_sessions_named(ctx: FactContext) -> str | None:
    """The days at the places the question names when all of them are over, else None: 「岐阜のECMO研修に
    申し込みたい」 after the Gifu day is answered with how to apply and that the Gifu day has taken place."""
    named = _sessions_at_named_places(ctx, list(ctx.edition.sessions))
    ended = [s for s in named if (day := s.date.day()) is not None and day < ctx.today]
    return session_lines(ctx, named) if named and len(ended) == len(named) else None


def _sessions_of_named_subjects(ctx: FactContext, sessions: list[Session]) -> list[Session]:
    """The days of the subjects the question names (「Aコースのスーパービジョン1は何日」: the first of them, in
    each course asked about), else none. A date word's window wins over the number: the days in it are kept."""
    named = named_subjects(ctx.edition, ctx.question)
    held = [s for s in sessions if named.ids & set(s.subjects)]
    if named.day_number is None or ctx.window is not None:
        return held
    return [days[named.day_number - 1] for days in _session_groups(ctx, held).values()
            if len(days) >= named.day_number]


def _session_status(ctx: FactContext, session: Session) -> str | None:
    """Ended, today, or the days left."""
    day = session.date.day()
    if day is not None and day < ctx.today:
        return ctx.gettext("This session has ended.")
    return _event_status(ctx, session.date)


def session_lines(ctx: FactContext, sessions: list[Session], with_courses: bool = False) -> str:
    """Each session at the places asked about, always with its day and venue, past or not
    (「広島会場の日程」 after the day: 2025年11月9日 広島大学, and that it has taken place);
    ``with_courses`` starts each line with its courses, for days of several courses together."""
    lines = []
    for session in sessions:
        venue = ctx.edition.venue(session.venue_id) if session.venue_id else None
        where = f" {ctx.text(venue.name)}" if venue else ""
        day = session.date.day()
        past = day is not None and day < ctx.today
        status = _session_status(ctx, session)
        line = f"{when_text(ctx, session.date)}{where}{_subjects_text(ctx, session)}"
        if session.hours is not None and not past:
            line = f"{line} {clock_range(session.hours)}"
        line = f"{line} {status}" if status else line
        if with_courses and session.course_ids:
            line = ctx.gettext("{course} day: {day}").format(course=_session_courses(ctx, session.course_ids), day=line)
        lines.append(line)
    return "\n".join(lines)


def _subjects_text(ctx: FactContext, session: Session) -> str:
    """What is taught that day, after its date (「(6) 地域援助技術（コミュニティソーシャルワーク）」): 「来週の月曜何がある？」
    asks exactly that; empty for days without subjects (ECMO's days are named by their venue)."""
    named = listed(ctx, [subject_title(ctx, s) for s in ctx.edition.curriculum if s.id in session.subjects])
    return f" {named}" if named else ""


@fact("schedule")
def schedule(ctx: FactContext) -> str | None:
    """A short summary: how many days, the next one, and where to see all.

    When courses run on different days (主任研修 A-D) and none was named, one
    line per course: mixing four courses' days into one "next day" would be wrong
    for three of them. A named city keeps only its days; 最初/最後/次 keep one day
    (of each course), always with its date, past or not.
    """
    wanted = [s for s in ctx.edition.sessions if ctx.wanted(s.course_ids)]
    if ctx.time.weekdays and wanted:
        # 「Aコースの土曜日は？」「次の日曜日の研修は？」: only the days on those weekdays, then as any question.
        wanted = _on_weekdays(ctx, wanted)
        if not wanted:
            return ctx.gettext("No session day falls on {weekdays}.").format(weekdays=_weekday_names(ctx))
    named = _sessions_at_named_places(ctx, wanted) or _sessions_of_named_subjects(ctx, wanted)
    asked = ctx.window
    if asked is not None and wanted:
        return _sessions_in_window(ctx, named or wanted, asked)
    if wanted and (ctx.time.ordinal is not None or (ctx.time.countdown and not named)):
        # 最後の回, 次の研修日; a countdown to the training counts to its next day.
        picked = pick_sessions(ctx, named or wanted)
        return session_lines(ctx, picked, len(picked) > 1)
    if named:
        return session_lines(ctx, named, len(_session_groups(ctx, named)) > 1)
    if ctx.time.weekdays and wanted:
        return ctx.gettext("Session days on {weekdays}:").format(weekdays=_weekday_names(ctx)) + "\n" + \
            session_lines(ctx, wanted, len(_session_groups(ctx, wanted)) > 1)
    sessions = wanted
    if not sessions:
        parts = [on_demand(ctx), live_stream(ctx)]
        return joined(*parts)
    _ = ctx.gettext
    groups = _session_groups(ctx, sessions)
    if len(groups) > 1:
        lines = []
        for course_ids, days in groups.items():
            first, last = days[0].date.earliest_day(), days[-1].date.earliest_day()
            lines.append(_("{course}: {count} days, {first} to {last}").format(
                course=_session_courses(ctx, list(course_ids)), count=len(days),
                first=ctx.day(first), last=ctx.day(last)))
        return joined(bulleted(lines), _("Add the course name (e.g. \"A course schedule\") to see every day."))
    upcoming = [s for s in sessions if s.date.earliest_day() >= ctx.today]
    first, last = sessions[0].date.earliest_day(), sessions[-1].date.earliest_day()
    lines = [] if len(sessions) == 1 else [_("{count} session days, {first} to {last}.").format(
        count=len(sessions), first=ctx.day(first), last=ctx.day(last))]
    if all(not s.course_ids and s.date.day() is not None for s in sessions):
        # Every course on one day, each time (ECMO): 「何日間？」 is answered by the data's shape.
        one_day = _("Each is a one-day training.")
        lines = [f"{lines[0]}{'' if ctx.locale == 'ja' else ' '}{one_day}"] if lines else [one_day]
    if upcoming:
        nxt = min(upcoming, key=lambda s: s.date.earliest_day())
        venue = ctx.edition.venue(nxt.venue_id) if nxt.venue_id else None
        where = f" {ctx.text(venue.name)}" if venue else ""
        lines.append(joined(_("Next: {date} {label}{where}").format(
            date=when_text(ctx, nxt.date), label=session_name(ctx, nxt), where=where), _event_status(ctx, nxt.date)))
    else:
        lines.append(_("All session days are over."))
    return "\n".join(lines)


def _on_weekdays(ctx: FactContext, sessions: list[Session]) -> list[Session]:
    """The sessions held on the weekdays the question names."""
    return [s for s in sessions if (day := s.date.day()) is not None and day.weekday() in ctx.time.weekdays]


def _weekday_names(ctx: FactContext) -> str:
    """The weekdays the question names, in the reply's language (土曜日・日曜日)."""
    names = get_day_names("wide", locale=ctx.locale)
    return listed(ctx, [names[day] for day in sorted(ctx.time.weekdays)])


def session_name(ctx: FactContext, session: Session) -> str:
    """What a session day is, without its date: the region (関東地方（東京都）1), else its courses and
    subjects (Dコース（集合） 研修オリエンテーション・(1) 主任介護支援専門員の役割と視点). The label would
    repeat the date the line already starts with."""
    if session.region is not None:
        return ctx.text(session.region) or ""
    subjects = [s for s in ctx.edition.curriculum if s.id in session.subjects]
    named = listed(ctx, [" ".join(p for p in (s.number, ctx.text(s.name)) if p) for s in subjects])
    return " ".join(p for p in (_session_courses(ctx, session.course_ids), named) if p) or (ctx.text(session.label) or "")


def pick_sessions(ctx: FactContext, sessions: list[Session]) -> list[Session]:
    """The session days the question's 最初/最後/次 means (the next when it says none), one per course that
    runs on its own days."""
    ordinal = ctx.time.ordinal or Ordinal.NEXT
    return pick(sessions, ordinal, ctx.today, lambda s: s.date.earliest_day(), lambda s: tuple(s.course_ids))


def _sessions_in_window(ctx: FactContext, sessions: list[Session], asked: Window) -> str:
    """The session days inside the days a date word names (来週, 今月), judged on the clock; when there
    is none, say so and give the next one after them. 年内最後の keeps the last of them."""
    _ = ctx.gettext
    days = ctx.day(asked.start) if asked.start == asked.end else ctx.period(Period(start=asked.start, end=asked.end))
    inside = sorted((s for s in sessions if (d := s.date.earliest_day()) is not None and asked.start <= d <= asked.end),
                    key=lambda s: s.date.earliest_day() or asked.start)
    later = [s for s in sessions if (d := s.date.earliest_day()) is not None and d > asked.end]
    if inside:
        if ctx.time.ordinal is not None:
            inside = pick_sessions(ctx, inside)
        several = len(_session_groups(ctx, sessions)) > 1  # 主任研修's A-D: whose day is which, even for one day
        text = _("Session days in {days}:").format(days=days) + "\n" + session_lines(ctx, inside, several)
        if all((d := s.date.earliest_day()) is not None and d < ctx.today for s in inside) and later:
            # 「今月ある？」 after this month's last day: what has been, and what comes next.
            following = min(later, key=lambda s: s.date.earliest_day() or asked.end)
            text += "\n" + _("The next one after that:") + "\n" + session_lines(ctx, [following])
        return text
    last = max((d for s in sessions if (d := s.date.earliest_day()) is not None), default=None)
    if not later and last is not None and asked.start > last:
        # 「来年もやりますか」: the documents end before then, which says nothing about whether it is held.
        return _("No dates for {days} have been announced yet.").format(days=days)
    text = _("No session day in {days}.").format(days=days)
    if later:
        following = min(later, key=lambda s: s.date.earliest_day() or asked.end)
        text += "\n" + _("The next one after that:") + "\n" + session_lines(ctx, [following])
    return text


@table("schedule")
def schedule_table(ctx: FactContext) -> list[TableRow] | None:
    """Every day as a table row; only the named city's days when the question names one."""
    sessions = _named_place_sessions(ctx, [s for s in ctx.edition.sessions if ctx.wanted(s.course_ids)])
    rows = []
    groups = _session_groups(ctx, sessions)
    if len(groups) > 1:
        for days in groups.values():
            for session in days:
                rows.append((when_text(ctx, session.date), ctx.text(session.label) or ""))
        return rows if len(rows) <= 30 else None
    for session in sessions:
        venue = ctx.edition.venue(session.venue_id) if session.venue_id else None
        label = ctx.text(session.label) or ""
        if venue is not None:
            label = f"{label} / {ctx.text(venue.name)}"
        if session.hours is not None:
            label = f"{label} {clock_range(session.hours)}"
        rows.append((when_text(ctx, session.date), label))
    if not rows:
        for block in ctx.edition.on_demand:
            if block.period is not None and ctx.wanted(block.course_ids):
                rows.append((ctx.period(block.period), ctx.gettext("On-demand viewing")))
        for stream in ctx.edition.live_streams:
            if ctx.wanted(stream.course_ids):
                rows.append((when_text(ctx, stream.when), ctx.gettext("Live stream")))
    return rows or None


def _total_hours(ctx: FactContext) -> str | None:
    """The curriculum's total hours, when the subjects carry them."""
    total = sum(subject.hours or 0 for subject in ctx.edition.curriculum)
    if not total:
        return None
    shown = f"{total:g}"
    return ctx.gettext("Total: {hours} hours").format(hours=shown)


@fact("hours")
def hours(ctx: FactContext) -> str | None:
    """The day's hours of each course or session, and the curriculum's total; a subject the question
    names with its own hours (「ターミナルケアの講義は何時間」: 3時間) and the clock times of its days
    (「スーパービジョンは何時から何時まで」: 9:30～17:15)."""
    if asked := asked_subjects(ctx):
        return bulleted([joined(subject_line(ctx, subject), *_subject_clock_times(ctx, subject.id))
                         for subject in asked])
    items = []
    for course in ctx.edition.all_courses():
        if course.hours is not None and ctx.wanted([course.id]):
            items.append(f"{ctx.text(course.name)}: {clock_range(course.hours)}")
    for session in ctx.edition.sessions:
        if session.hours is not None and ctx.wanted(session.course_ids):
            items.append(f"{ctx.text(session.label)}: {clock_range(session.hours)}")
    unique = list(dict.fromkeys(items))
    return joined(_total_hours(ctx), bulleted(unique[:6]))


def _subject_clock_times(ctx: FactContext, subject_id: str) -> list[str]:
    """The distinct clock times of the days a subject is taught, in the courses asked about: a day's own
    hours, or its notes when it holds other subjects too (the orientation is 9:30～9:45 of a 9:30～16:40 day)."""
    times = []
    for session in ctx.edition.sessions:
        if subject_id not in session.subjects or session.hours is None or not ctx.wanted(session.course_ids):
            continue
        shared = len(session.subjects) > 1 and session.notes
        times.extend([ctx.text(note) or "" for note in session.notes] if shared else [clock_range(session.hours)])
    return list(dict.fromkeys(t for t in times if t))


@fact("venues")
def venues(ctx: FactContext) -> str | None:
    """Each venue with its region and days; only the named city's when the question names one, only
    the day 最初/最後/次 picks (within 年内 and the like) when the question says which one, only the
    days (with their venues) a date word names (「1月の会場」)."""
    if ctx.time.ordinal is not None and (picked := _picked_with_venue(ctx)):
        return bulleted([joined(_with_days(ctx, _venue_place(ctx, venue), [session]), _session_status(ctx, session))
                         for session, venue in picked])
    named, _words = named_venues(ctx.edition, ctx.question, ctx.regions)
    held = [s for s in ctx.edition.sessions if s.venue_id and ctx.wanted(s.course_ids)]
    if (asked := ctx.window) is not None and held and not named:
        # 「2月はどこ？」: the days in that window with their venues, or that there is none and the next.
        return _sessions_in_window(ctx, held, asked)
    items = []
    for venue in ctx.edition.venues:
        if named and venue.id not in named:
            continue
        used = [s for s in ctx.edition.sessions if s.venue_id == venue.id]
        if used and not any(ctx.wanted(s.course_ids) for s in used):
            continue
        place = _venue_place(ctx, venue)
        if named and used:
            # Asked about by name: where it is and every day there, with whether it has taken place.
            if venue.address:
                place = f"{place} {venue.address}"
            items.append(place + "\n" + session_lines(ctx, used))
            continue
        place = _with_days(ctx, place, used[:2])
        if venue.address:
            place = f"{place} {venue.address}"
        items.append(place)
    return bulleted(items)


def _venue_place(ctx: FactContext, venue: Venue) -> str:
    """A venue as the answers name it: its region, then its name."""
    place = ctx.text(venue.name) or ""
    region = ctx.text(venue.region)
    return f"{region}: {place}" if region else place


def _with_days(ctx: FactContext, place: str, sessions: list[Session]) -> str:
    """A venue followed by its days in brackets."""
    days = ("、" if ctx.locale == "ja" else "; ").join(when_text(ctx, s.date) for s in sessions)
    if not days:
        return place
    return f"{place}（{days}）" if ctx.locale == "ja" else f"{place} ({days})"


def _picked_with_venue(ctx: FactContext) -> list[tuple[Session, Venue]]:
    """The session days the question's ordinal picks among those held at a venue (inside the date
    word's days when it names some), each with its venue."""
    held = [s for s in ctx.edition.sessions if s.venue_id and ctx.wanted(s.course_ids)]
    if (asked := ctx.window) is not None:
        held = [s for s in held if (d := s.date.earliest_day()) is not None and asked.start <= d <= asked.end]
    return [(s, venue) for s in pick_sessions(ctx, held) if s.venue_id and (venue := ctx.edition.venue(s.venue_id))]


@fact("session_tasks")
def session_tasks(ctx: FactContext) -> str | None:
    """What a trainee does before the session day (self-study, a check test per lecture).

    Its own fact so "確認テストはいつまで" finds the prework, not the certificate
    entry's honest but wrong "the guide does not say".
    """
    tasks = [joined(ctx.text(task.title), *(ctx.text(note) for note in task.notes))
             for task in ctx.edition.session_tasks]
    return joined(*tasks)


@fact_family("milestone_")
def milestone(kind: str) -> FactFunction:
    """Dated milestones of one kind (e.g. consent_form), with their status."""

    def read(ctx: FactContext) -> str | None:
        found = [m for m in ctx.edition.milestones if m.kind.value == kind and ctx.wanted(m.course_ids)]
        lines = []
        for m in found:
            status = _event_status(ctx, m.when)
            notes = (ctx.text(n) for n in m.notes)
            lines.append(joined(f"{ctx.text(m.title)}: {when_text(ctx, m.when)}", status, *notes))
        return joined(*lines)

    read.__name__ = f"milestone_{kind}"
    return read
