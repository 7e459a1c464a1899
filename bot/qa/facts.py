"""Facts from an edition, worded for a trainee and judged against the bot's clock.

An FAQ answer template names facts by placeholder (``{application_period}``,
``{application_status}``...); each name maps to one function here that reads
the typed edition and returns text, or ``None`` when the documents do not say
(the answerer then admits it and gives the contact instead of guessing).
Long material (schedules, requirement lists) also has a *table* form that
the renderer turns into a Flex bubble.

Time-aware wording (受付中 / 締切まであと3日 / 受付は終了しました) always
comes from ``now`` passed in, never from the system clock, so answers are
testable with a fixed ``KENSHU_NOW``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import Gettext
from bot.knowledge import Edition, Text
from bot.knowledge.models import AllocationMethod, Contact, Course, FeeStatus, Session
from bot.knowledge.timing import ArrivalRule, Deadline, Period, TimeRange, When
from bot.qa.dates import format_clock, format_day, format_range
from bot.qa.places import named_venues
from bot.textfold import fold_width_case_and_kana

BULLET = "・"


@dataclass(frozen=True)
class FactContext:
    """Everything a fact function may read."""

    edition: Edition
    locale: str
    now: datetime
    gettext: Gettext
    course_ids: tuple[str, ...] = ()
    era: bool = True
    question: str = ""  # the question as typed (normalised), for facts that pick from a list

    @property
    def today(self) -> date:
        return self.now.date()

    def text(self, value: Text | None) -> str | None:
        return value.in_locale(self.locale) if value is not None else None

    def day(self, value: date) -> str:
        return format_day(value, self.locale, era=self.era)

    def period(self, value: Period) -> str:
        return format_range(value.start, value.end, self.locale, era=self.era)

    def course_name(self, course_id: str) -> str:
        course = self.edition.course(course_id)
        return course.name.in_locale(self.locale) if course else course_id

    def wanted(self, course_ids: list[str]) -> bool:
        """True when no course was named, or one of ``course_ids`` (or a parent/child) was."""
        if not self.course_ids or not course_ids:
            return True
        family: set[str] = set()
        for named in self.course_ids:
            course = self.edition.course(named)
            if course is not None:
                family.update(c.id for c in course.walk())
            family.update(p.id for p in self.edition.all_courses() if any(s.id == named for s in p.walk()))
        return any(c in family for c in course_ids)


FactFunction = Callable[[FactContext], str | None]
TableRow = tuple[str, str]
TableFunction = Callable[[FactContext], list[TableRow] | None]


def _lines(items: list[str]) -> str | None:
    items = [item for item in items if item]
    if not items:
        return None
    return "\n".join(f"{BULLET}{item}" for item in items)


def _join(*parts: str | None) -> str | None:
    present = [part for part in parts if part]
    return "\n".join(present) if present else None


def _when(ctx: FactContext, when: When) -> str:
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


def _deadline(ctx: FactContext, deadline: Deadline) -> str:
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


def _hours(value: TimeRange) -> str:
    return f"{format_clock(value.start)}～{format_clock(value.end)}"


def _days_word(ctx: FactContext, days: int) -> str:
    return ctx.gettext("{days} days").format(days=days) if days != 1 else ctx.gettext("1 day")


# --- application -----------------------------------------------------------


def application_period(ctx: FactContext) -> str | None:
    app = ctx.edition.application
    if app.period is not None:
        return ctx.period(app.period)
    if app.deadline is not None:
        return ctx.gettext("until {date}").format(date=_deadline(ctx, app.deadline))
    return None


def application_deadline(ctx: FactContext) -> str | None:
    last = ctx.edition.application.last_day()
    return _deadline(ctx, last) if last else None


def application_status(ctx: FactContext) -> str | None:
    """受付前 / 受付中（締切まであとN日） / 受付は終了しました, judged at ``now``."""
    app = ctx.edition.application
    last = app.last_day()
    if last is None:
        return None
    _ = ctx.gettext
    if app.period is not None and ctx.today < app.period.start:
        days = (app.period.start - ctx.today).days
        return _("Applications open on {date} (in {days}).").format(
            date=ctx.day(app.period.start), days=_days_word(ctx, days)
        )
    if ctx.now <= last.last_moment():
        days = (last.date - ctx.today).days
        status = (
            _("Applications are open: today is the deadline.")
            if days == 0
            else _("Applications are open: {days} left until the deadline.").format(days=_days_word(ctx, days))
        )
        capacity = ctx.edition.capacity
        if capacity is not None and capacity.closes_when_full:
            full = _("Applications close early once all places are taken.")
            status = f"{status}\n{full}"
        return status
    return _("Applications have closed (the deadline was {date}).").format(date=ctx.day(last.date))


def application_method(ctx: FactContext) -> str | None:
    app = ctx.edition.application
    return _join(
        ctx.text(app.method),
        ctx.text(app.submit_to),
        app.url,
        ctx.gettext("Forms: {url}").format(url=app.documents_url) if app.documents_url else None,
    )


def application_notes(ctx: FactContext) -> str | None:
    app = ctx.edition.application
    return _lines([ctx.text(n) or "" for n in (*app.invalid_when, *app.notes)])


def application_confirmation(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.application.confirmation)


def documents(ctx: FactContext) -> str | None:
    docs = ctx.edition.application.documents
    if not docs:
        return None
    items = []
    for doc in docs:
        name = ctx.text(doc.name) or ""
        if doc.required_when is not None:
            name = f"{name}（{ctx.text(doc.required_when)}）" if ctx.locale == "ja" else f"{name} ({ctx.text(doc.required_when)})"
        items.append(name)
    return _lines(items)


def document_exemptions(ctx: FactContext) -> str | None:
    rows = ctx.edition.application.document_exemptions
    return _lines([f"{ctx.text(r.who)}: {ctx.text(r.documents)}" for r in rows])


def documents_table(ctx: FactContext) -> list[TableRow] | None:
    docs = ctx.edition.application.documents
    if not docs:
        return None
    return [(doc.form_code or BULLET, ctx.text(doc.name) or "") for doc in docs]


# --- who, how many ------------------------------------------------------------


def target(ctx: FactContext) -> str | None:
    eligibility = ctx.edition.eligibility
    course_notes = [
        f"{ctx.text(c.name)}: {ctx.text(c.target_note)}"
        for c in ctx.edition.all_courses()
        if c.target_note is not None and ctx.wanted([c.id])
    ]
    return _join(ctx.text(eligibility.target), _lines(course_notes))


def requirements(ctx: FactContext) -> str | None:
    items = []
    for requirement in ctx.edition.eligibility.requirements:
        items.append(f"{ctx.text(requirement.title)}: {ctx.text(requirement.text)}")
    reference = ctx.edition.eligibility.reference_date
    lines = _lines(items)
    if lines and reference is not None:
        lines = _join(ctx.gettext("Requirements must be met as of {date}.").format(date=_when(ctx, reference)), lines)
    return lines


def requirement(kind: str) -> FactFunction:
    """One requirement family (work, training, experience, recommendation...) in full:
    the rule, its options, the exceptions that let people in and the notes that keep them out."""

    def read(ctx: FactContext) -> str | None:
        found = [r for r in ctx.edition.eligibility.requirements if r.kind.value == kind]
        if not found:
            return None
        _ = ctx.gettext
        blocks = []
        for item in found:
            options = [f"{o.label} {ctx.text(o.text)}" for o in item.options]
            option_notes = [ctx.text(n) or "" for o in item.options for n in o.notes]
            exceptions = [ctx.text(e) or "" for e in item.exceptions]
            notes = [ctx.text(n) or "" for n in item.notes]
            blocks.append(_join(
                f"{ctx.text(item.title)}: {ctx.text(item.text)}",
                _lines(options),
                _("Exceptions:") + "\n" + (_lines(exceptions) or "") if exceptions else None,
                _("Notes:") + "\n" + (_lines(option_notes + notes) or "") if option_notes or notes else None,
            ))
        reference = ctx.edition.eligibility.reference_date
        if reference is not None:
            blocks.insert(0, _("Requirements must be met as of {date}.").format(date=_when(ctx, reference)))
        return _join(*blocks)

    read.__name__ = f"requirement_{kind}"
    return read


def document(document_id: str) -> FactFunction:
    """One application document with who needs it and how it must be made."""

    def read(ctx: FactContext) -> str | None:
        found = [d for d in ctx.edition.application.documents if d.id == document_id]
        if not found:
            return None
        doc = found[0]
        name = ctx.text(doc.name) or ""
        if doc.form_code:
            name = f"{name}（{doc.form_code}）" if ctx.locale == "ja" else f"{name} ({doc.form_code})"
        who = ctx.gettext("Needed: {who}").format(who=ctx.text(doc.required_when)) if doc.required_when else None
        return _join(name, who, _lines([ctx.text(n) or "" for n in doc.notes]))

    read.__name__ = f"document_{document_id}"
    return read


def _municipality_stems(municipality: str) -> tuple[str, ...]:
    stem = municipality[:-1]
    if municipality[-1] in "区市町村" and len(stem) >= 2:
        return (municipality, stem)
    return (municipality,)


def submit_office(ctx: FactContext) -> str | None:
    """Where to hand in the application; the office itself when the question names a municipality."""
    app = ctx.edition.application
    if not app.submit_offices:
        return None
    _ = ctx.gettext
    asked = fold_width_case_and_kana(ctx.question)
    named = [
        office for office in app.submit_offices
        if any(fold_width_case_and_kana(name) in asked for name in _municipality_stems(office.municipality))
    ]
    # 北区 is inside 北区 but 中央区 must not also match 中央: keep the longest names found.
    longest = max((len(o.municipality) for o in named), default=0)
    named = [o for o in named if len(o.municipality) == longest] if named else []
    if not named:
        return _join(ctx.text(app.submit_to), _("Tell me your municipality (e.g. \"世田谷区の申込先\") and I will show its office."))
    lines = []
    for office in named[:3]:
        unit = " ".join(part for part in (office.department, office.section, office.unit) if part)
        address = " ".join(part for part in (f"〒{office.postal_code}" if office.postal_code else None, office.address) if part)
        lines.append(_join(f"{office.municipality} {unit}", address, office.phone))
    return _join(*lines, ctx.text(app.method))


def requirements_table(ctx: FactContext) -> list[TableRow] | None:
    rows = []
    for requirement in ctx.edition.eligibility.requirements:
        rows.append((ctx.text(requirement.title) or "", ctx.text(requirement.text) or ""))
        for option in requirement.options:
            rows.append((option.label, ctx.text(option.text) or ""))
    return rows or None


def team(ctx: FactContext) -> str | None:
    rule = ctx.edition.team
    if rule is None:
        return None
    return _join(ctx.text(rule.text), ctx.text(rule.flexible))


def capacity(ctx: FactContext) -> str | None:
    cap = ctx.edition.capacity
    courses_with_places = [c for c in ctx.edition.all_courses() if c.capacity is not None and ctx.wanted([c.id])]
    if cap is None and not courses_with_places:
        # Trainings that recruit teams state the team size instead of places.
        return team(ctx)
    _ = ctx.gettext
    items = []
    if cap is not None:
        if cap.total is not None:
            items.append(_("{places} places in total").format(places=cap.total))
        items.extend(
            _("{course}: {places} places").format(course=ctx.course_name(share.course_id), places=share.places)
            for share in cap.per_course
            if ctx.wanted([share.course_id])
        )
    if cap is None or not cap.per_course:
        items.extend(
            _("{course}: {places} places").format(course=ctx.text(c.name), places=c.capacity)
            for c in courses_with_places
        )
    allocation = {
        AllocationMethod.FIRST_COME: _("First come, first served."),
        AllocationMethod.SELECTION: _("Places are allotted by selection."),
    }.get(cap.allocation) if cap is not None else None
    notes = [ctx.text(n) or "" for n in cap.notes] if cap is not None else []
    return _join(_lines(items), allocation, _lines(notes))


def selection(ctx: FactContext) -> str | None:
    chosen = ctx.edition.selection
    if chosen is None:
        return None
    return _join(ctx.text(chosen.method), _lines([ctx.text(r) or "" for r in chosen.priority_rules]))


def decision_notice(ctx: FactContext) -> str | None:
    notice = ctx.edition.decision_notice
    if notice is None:
        return None
    when = ctx.gettext("When: {when}").format(when=_when(ctx, notice.when)) if notice.when else None
    return _join(ctx.text(notice.method), when, ctx.text(notice.if_not_received))


# --- money ---------------------------------------------------------------------


def fee(ctx: FactContext) -> str | None:
    charge = ctx.edition.fee
    _ = ctx.gettext
    headline = {
        FeeStatus.FREE: _("The training is free of charge."),
        FeeStatus.PAID: _("The fee is {amount} yen.").format(amount=f"{charge.amount_yen or 0:,}"),
        FeeStatus.NOT_STATED: _("The guide does not mention a training fee."),
    }[charge.status]
    note = ctx.text(charge.text) if charge.status is not FeeStatus.PAID else None
    if note and charge.status is FeeStatus.NOT_STATED:
        headline = None  # the edition's own wording already says so
    # A fee question is also a question about money the trainee pays anyway.
    costs = ctx.edition.costs_borne_by_trainee
    borne = None
    if costs is not None and costs.items:
        borne = _("Costs borne by the trainee: {items}").format(
            items="、".join(ctx.text(item) or "" for item in costs.items) if ctx.locale == "ja"
            else "; ".join(ctx.text(item) or "" for item in costs.items))
    return _join(headline, note, borne)


def payment(ctx: FactContext) -> str | None:
    pay = ctx.edition.fee.payment
    if pay is None:
        return None
    _ = ctx.gettext
    parts = [ctx.text(pay.method)]
    if pay.notice is not None:
        parts.append(_("Payment notice sent: {when}").format(when=_when(ctx, pay.notice)))
    if pay.deadline is not None:
        parts.append(_("Payment deadline: {date}").format(date=_deadline(ctx, pay.deadline)))
        if ctx.now > pay.deadline.last_moment():
            parts.append(_("This deadline has passed."))
        else:
            days = (pay.deadline.date - ctx.today).days
            parts.append(
                _("Due today.") if days == 0 else _("{days} left.").format(days=_days_word(ctx, days))
            )
    parts.extend(ctx.text(n) for n in pay.notes)
    return _join(*parts)


def refund(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.fee.refund)


def costs_borne(ctx: FactContext) -> str | None:
    costs = ctx.edition.costs_borne_by_trainee
    if costs is None:
        return None
    return _lines([ctx.text(item) or "" for item in costs.items])


def training_benefit(ctx: FactContext) -> str | None:
    benefit = ctx.edition.education_training_benefit
    if benefit is None:
        return None
    return _join(ctx.text(benefit.text), benefit.url)


# --- when and where ------------------------------------------------------------


def _period_status(ctx: FactContext, period: Period) -> str:
    _ = ctx.gettext
    if ctx.today < period.start:
        return _("Starts in {days}.").format(days=_days_word(ctx, (period.start - ctx.today).days))
    if ctx.today <= period.end:
        days = (period.end - ctx.today).days
        return _("Available now; last day today.") if days == 0 else _("Available now; {days} left.").format(
            days=_days_word(ctx, days)
        )
    return _("This period has ended.")


def on_demand(ctx: FactContext) -> str | None:
    items = []
    for block in ctx.edition.on_demand:
        if not ctx.wanted(block.course_ids) or block.period is None:
            continue
        names = "・".join(ctx.course_name(c) for c in block.course_ids if ctx.edition.course(c)) or ""
        line = ctx.period(block.period) + f" {_period_status(ctx, block.period)}"
        items.append(f"{names}: {line}" if names else line)
        if block.platform is not None:
            items.append(ctx.gettext("Where: {platform}").format(platform=ctx.text(block.platform)))
    unique = list(dict.fromkeys(items))
    if not unique:
        return None
    return "\n".join(unique)


def on_demand_notes(ctx: FactContext) -> str | None:
    """The notes on the on-demand lectures (same as last year's, where materials are):
    what a trainee asking "is it the same as last year?" needs, without the dates."""
    notes = [ctx.text(n) or "" for block in ctx.edition.on_demand if ctx.wanted(block.course_ids) for n in block.notes]
    return _lines(list(dict.fromkeys(n for n in notes if n)))


def organisers(ctx: FactContext) -> str | None:
    """Who commissions and who runs the training, with the role the document gives."""
    return _lines([f"{o.role}: {ctx.text(o.name)}" for o in ctx.edition.organisers])


def live_stream(ctx: FactContext) -> str | None:
    _ = ctx.gettext
    blocks = []
    for stream in ctx.edition.live_streams:
        if not ctx.wanted(stream.course_ids):
            continue
        names = "・".join(ctx.course_name(c) for c in stream.course_ids)
        when = _when(ctx, stream.when)
        details = [f"{names}: {when}"]
        if stream.hours is not None:
            details.append(_hours(stream.hours))
        if stream.duration_minutes:
            details.append(_("{minutes} minutes").format(minutes=stream.duration_minutes))
        details.append(ctx.text(stream.tool) or "")
        status = _event_status(ctx, stream.when)
        blocks.append(_join(" / ".join(d for d in details if d), status))
    if not blocks:
        if not ctx.edition.live_streams:
            return None
        # The course asked about has none: say so, and which courses do have one.
        streamed = dict.fromkeys(ctx.course_name(c) for s in ctx.edition.live_streams for c in s.course_ids)
        return _("No live stream for this course. Only these courses have one: {courses}").format(
            courses="・".join(streamed))
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
    return _("In {days}.").format(days=_days_word(ctx, days))


def _session_courses(ctx: FactContext, course_ids: list[str]) -> str:
    return "・".join(ctx.course_name(c) for c in course_ids)


def _session_groups(ctx: FactContext, sessions: list[Session]) -> dict[tuple[str, ...], list[Session]]:
    """Session days by course, in document order."""
    groups: dict[tuple[str, ...], list[Session]] = {}
    for session in sessions:
        groups.setdefault(tuple(session.course_ids), []).append(session)
    return groups


def _named_place_sessions(ctx: FactContext, sessions: list[Session]) -> list[Session]:
    """The sessions at the venues the question names (ECMO 京都 -> the Kyoto day), else all."""
    venue_ids, _words = named_venues(ctx.edition, ctx.question)
    picked = [s for s in sessions if s.venue_id in venue_ids]
    return picked or sessions


def schedule(ctx: FactContext) -> str | None:
    """A short summary: how many days, the next one, and where to see all.

    When courses run on different days (主任研修 A-D) and none was named, one
    line per course: mixing four courses' days into one "next day" would be wrong
    for three of them. A named city keeps only its days.
    """
    sessions = _named_place_sessions(ctx, [s for s in ctx.edition.sessions if ctx.wanted(s.course_ids)])
    if not sessions:
        parts = [on_demand(ctx), live_stream(ctx)]
        return _join(*parts)
    _ = ctx.gettext
    groups = _session_groups(ctx, sessions)
    if len(groups) > 1:
        lines = []
        for course_ids, days in groups.items():
            first, last = days[0].date.earliest_day(), days[-1].date.earliest_day()
            lines.append(_("{course}: {count} days, {first} to {last}").format(
                course=_session_courses(ctx, list(course_ids)), count=len(days),
                first=ctx.day(first), last=ctx.day(last)))
        return _join(_lines(lines), _("Add the course name (e.g. \"A course schedule\") to see every day."))
    upcoming = [s for s in sessions if s.date.earliest_day() >= ctx.today]
    first, last = sessions[0].date.earliest_day(), sessions[-1].date.earliest_day()
    lines = [] if len(sessions) == 1 else [_("{count} session days, {first} to {last}.").format(
        count=len(sessions), first=ctx.day(first), last=ctx.day(last))]
    if upcoming:
        nxt = min(upcoming, key=lambda s: s.date.earliest_day())
        venue = ctx.edition.venue(nxt.venue_id) if nxt.venue_id else None
        where = f" {ctx.text(venue.name)}" if venue else ""
        lines.append(_("Next: {date} {label}{where}").format(
            date=_when(ctx, nxt.date), label=ctx.text(nxt.label), where=where))
    else:
        lines.append(_("All session days are over."))
    return "\n".join(lines)


def schedule_table(ctx: FactContext) -> list[TableRow] | None:
    """Every day as a table row; only the named city's days when the question names one."""
    sessions = _named_place_sessions(ctx, [s for s in ctx.edition.sessions if ctx.wanted(s.course_ids)])
    rows = []
    groups = _session_groups(ctx, sessions)
    if len(groups) > 1:
        for course_ids, days in groups.items():
            for session in days:
                rows.append((_when(ctx, session.date), ctx.text(session.label) or ""))
        return rows if len(rows) <= 30 else None
    for session in sessions:
        venue = ctx.edition.venue(session.venue_id) if session.venue_id else None
        label = ctx.text(session.label) or ""
        if venue is not None:
            label = f"{label} / {ctx.text(venue.name)}"
        if session.hours is not None:
            label = f"{label} {_hours(session.hours)}"
        rows.append((_when(ctx, session.date), label))
    if not rows:
        for block in ctx.edition.on_demand:
            if block.period is not None and ctx.wanted(block.course_ids):
                rows.append((ctx.period(block.period), ctx.gettext("On-demand viewing")))
        for stream in ctx.edition.live_streams:
            if ctx.wanted(stream.course_ids):
                rows.append((_when(ctx, stream.when), ctx.gettext("Live stream")))
    return rows or None


def _total_hours(ctx: FactContext) -> str | None:
    """The curriculum's total hours, when the subjects carry them."""
    total = sum(subject.hours or 0 for subject in ctx.edition.curriculum)
    if not total:
        return None
    shown = f"{total:g}"
    return ctx.gettext("Total: {hours} hours").format(hours=shown)


def hours(ctx: FactContext) -> str | None:
    items = []
    for course in ctx.edition.all_courses():
        if course.hours is not None and ctx.wanted([course.id]):
            items.append(f"{ctx.text(course.name)}: {_hours(course.hours)}")
    for session in ctx.edition.sessions:
        if session.hours is not None and ctx.wanted(session.course_ids):
            items.append(f"{ctx.text(session.label)}: {_hours(session.hours)}")
    unique = list(dict.fromkeys(items))
    return _join(_total_hours(ctx), _lines(unique[:6]))


def venues(ctx: FactContext) -> str | None:
    """Each venue with its region and days; only the named city's when the question names one."""
    items = []
    named, _words = named_venues(ctx.edition, ctx.question)
    for venue in ctx.edition.venues:
        if named and venue.id not in named:
            continue
        used = [s for s in ctx.edition.sessions if s.venue_id == venue.id]
        if used and not any(ctx.wanted(s.course_ids) for s in used):
            continue
        place = ctx.text(venue.name) or ""
        region = ctx.text(venue.region)
        if region:
            place = f"{region}: {place}"
        days = "、".join(_when(ctx, s.date) for s in used[:2])
        if days:
            place = f"{place}（{days}）" if ctx.locale == "ja" else f"{place} ({days})"
        if venue.address:
            place = f"{place} {venue.address}"
        items.append(place)
    return _lines(items)


def course_formats(ctx: FactContext) -> str | None:
    items = [
        f"{ctx.text(c.name)}: {ctx.text(c.format)}"
        for c in ctx.edition.all_courses()
        if c.format is not None and ctx.wanted([c.id])
    ]
    return _lines(items)


def courses(ctx: FactContext) -> str | None:
    items = []
    for course in ctx.edition.courses:
        subs = "・".join(ctx.text(s.name) or "" for s in course.subcourses)
        items.append(f"{ctx.text(course.name)}（{subs}）" if subs and ctx.locale == "ja"
                     else f"{ctx.text(course.name)} ({subs})" if subs else ctx.text(course.name) or "")
    return _lines(items)


def course_contents(ctx: FactContext) -> str | None:
    chosen: list[Course] = [c for c in ctx.edition.all_courses() if c.description is not None and ctx.wanted([c.id])]
    if ctx.course_ids:
        chosen = [c for c in chosen if c.id in ctx.course_ids] or chosen
    items = [f"{ctx.text(c.name)}: {ctx.text(c.description)}" for c in chosen[:4]]
    return _lines(items)


def lecturers(ctx: FactContext) -> str | None:
    items = []
    for course in ctx.edition.all_courses():
        if course.lecturers and ctx.wanted([course.id]) and (not ctx.course_ids or course.id in ctx.course_ids or not course.subcourses):
            names = "・".join(ctx.text(t) or "" for t in course.lecturers)
            items.append(f"{ctx.text(course.name)}: {names}")
    return _lines(list(dict.fromkeys(items))[:5])


def summary(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.summary)


def training_title(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.title)


# --- taking part ---------------------------------------------------------------


def credentials(ctx: FactContext) -> str | None:
    creds = ctx.edition.credentials
    if creds is None:
        return None
    items = "・".join(ctx.text(i) or "" for i in creds.items)
    timing = ctx.text(creds.timing.label) if creds.timing else None
    return _join(f"{items} / {ctx.text(creds.channel)}", timing, ctx.text(creds.if_not_received))


def system_requirements(ctx: FactContext) -> str | None:
    req = ctx.edition.system_requirements
    if req is None:
        return None
    _ = ctx.gettext
    parts = []
    if req.pc_os:
        parts.append(_("PC: {items}").format(items=", ".join(req.pc_os)))
    if req.smartphone_os:
        parts.append(_("Smartphone/tablet: {items}").format(items=", ".join(req.smartphone_os)))
    if req.browsers:
        notes = " ".join(ctx.text(n) or "" for n in req.browser_notes)
        parts.append(_("Browser: {items}").format(items=", ".join(req.browsers)) + (
            (f"（{notes}）" if ctx.locale == "ja" else f" ({notes})") if notes else ""))
    if req.cpu or req.memory:
        parts.append(" / ".join(
            text for text in (
                _("CPU: {value}").format(value=req.cpu) if req.cpu else None,
                _("Memory: {value}").format(value=req.memory) if req.memory else None,
            ) if text))
    if req.plugins is not None:
        parts.append(_("Plug-ins: {value}").format(value=ctx.text(req.plugins)))
    if req.bandwidth is not None:
        parts.append(_("Connection: {value}").format(value=ctx.text(req.bandwidth)))
    return _join(
        _lines(parts), ctx.text(req.device_rule), ctx.text(req.connection_check), ctx.text(req.network_provided_by)
    )


def system_requirements_table(ctx: FactContext) -> list[TableRow] | None:
    req = ctx.edition.system_requirements
    if req is None:
        return None
    _ = ctx.gettext
    rows: list[TableRow] = []
    if req.pc_os:
        rows.append((_("PC OS"), "\n".join(req.pc_os)))
    if req.browsers:
        rows.append((_("Browser"), "\n".join(req.browsers)))
    if req.smartphone_os:
        rows.append((_("Smartphone OS"), "\n".join(req.smartphone_os)))
    for label, value in ((_("CPU"), req.cpu), (_("Memory"), req.memory)):
        if value:
            rows.append((label, value))
    if req.bandwidth is not None:
        rows.append((_("Connection"), ctx.text(req.bandwidth) or ""))
    if req.plugins is not None:
        rows.append((_("Plug-ins"), ctx.text(req.plugins) or ""))
    return rows or None


def smartphone(ctx: FactContext) -> str | None:
    req = ctx.edition.system_requirements
    if req is None or req.smartphones_allowed is None:
        return None
    _ = ctx.gettext
    head = _("Yes, smartphones and tablets can be used.") if req.smartphones_allowed else _(
        "No, smartphones and tablets cannot be used; please use a PC.")
    os_line = _("Smartphone/tablet: {items}").format(items=", ".join(req.smartphone_os)) if req.smartphone_os else None
    return _join(head, os_line, *(ctx.text(n) for n in req.smartphone_notes))


def technical_support(ctx: FactContext) -> str | None:
    req = ctx.edition.system_requirements
    if req is None:
        return None
    # Testing the connection beforehand is the trainee's part of avoiding trouble.
    return _join(ctx.text(req.connection_check), ctx.text(req.technical_support))


def session_tasks(ctx: FactContext) -> str | None:
    """What a trainee does before the session day (self-study, a check test per lecture).

    Its own fact so "確認テストはいつまで" finds the prework, not the certificate
    entry's honest but wrong "the guide does not say".
    """
    tasks = [_join(ctx.text(task.title), *(ctx.text(note) for note in task.notes))
             for task in ctx.edition.session_tasks]
    return _join(*tasks)


def certificate(ctx: FactContext) -> str | None:
    cert = ctx.edition.certificate
    if cert is None:
        return None
    extra = [
        f"{'・'.join(ctx.course_name(c) for c in cond.course_ids)}: {'、'.join(ctx.text(t) or '' for t in cond.conditions)}"
        for cond in cert.per_course
        if ctx.wanted(cond.course_ids)
    ]
    return _join(
        _lines([ctx.text(c) or "" for c in cert.conditions]),
        _lines(extra),
        ctx.text(cert.timing),
        _lines([ctx.text(r) or "" for r in cert.revocation]),
    )


def _rule(name: str) -> FactFunction:
    def read(ctx: FactContext) -> str | None:
        rules = ctx.edition.rules
        return ctx.text(getattr(rules, name)) if rules is not None else None

    read.__name__ = name
    return read


def schedule_change(ctx: FactContext) -> str | None:
    """The policy, every accepted reason (a trainee checks theirs is on the list),
    the reasons refused and the notes, e.g. the single change after an outage."""
    rules = ctx.edition.rules
    change = rules.schedule_change if rules else None
    if change is None:
        return None
    _ = ctx.gettext
    accepted = _lines([ctx.text(r) or "" for r in change.accepted_reasons])
    rejected = _lines([ctx.text(r) or "" for r in change.rejected_reasons])
    return _join(
        ctx.text(change.policy),
        _("Accepted reasons (proof):") + "\n" + accepted if accepted else None,
        _("Not accepted:") + "\n" + rejected if rejected else None,
        ctx.text(change.how_to_apply),
        _lines([ctx.text(n) or "" for n in change.notes]),
    )


def absence(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    if rules is None:
        return None
    return _join(ctx.text(rules.absence), ctx.text(rules.lateness), ctx.text(rules.leaving_seat))


def other_rules(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return _lines([ctx.text(r) or "" for r in rules.other]) if rules is not None else None


def application_invalid(ctx: FactContext) -> str | None:
    return _lines([ctx.text(n) or "" for n in ctx.edition.application.invalid_when])


# --- contacts --------------------------------------------------------------------


def _contact_lines(ctx: FactContext, contact: Contact) -> str:
    parts = [ctx.text(contact.name) or ""]
    parts.extend(value for value in (contact.email, contact.phone, contact.url) if value)
    return " ".join(parts)


def secretariat(ctx: FactContext) -> str | None:
    contacts = ctx.edition.contact("secretariat") or ctx.edition.contacts[:1]
    return _lines([_contact_lines(ctx, c) for c in contacts])


def consultation(ctx: FactContext) -> str | None:
    contacts = ctx.edition.contact("consultation")
    return _lines([_contact_lines(ctx, c) for c in contacts])


def contacts(ctx: FactContext) -> str | None:
    items = [f"{ctx.text(c.purpose)}: {_contact_lines(ctx, c)}" for c in ctx.edition.contacts if c.role != "consultation"]
    return _lines(items[:5])


def contact_role(role: str) -> FactFunction:
    """The contacts of one role (``contact_prefecture``...), e.g. the office a document question ends with."""

    def read(ctx: FactContext) -> str | None:
        return _lines([_contact_lines(ctx, c) for c in ctx.edition.contacts if c.role == role])

    return read


def links(ctx: FactContext) -> str | None:
    items = [f"{ctx.text(link.label)}: {link.url}" if link.url else ctx.text(link.label) or "" for link in ctx.edition.links]
    return _lines(items)


def topic(name: str) -> FactFunction:
    """A free-form fact of the edition, by its topic slug."""

    def read(ctx: FactContext) -> str | None:
        found = [f for f in ctx.edition.facts if f.topic == name]
        return _join(*(_join(ctx.text(f.text), f.url) for f in found))

    read.__name__ = f"fact_{name}"
    return read


def milestone(kind: str) -> FactFunction:
    """Dated milestones of one kind (e.g. consent_form), with their status."""

    def read(ctx: FactContext) -> str | None:
        found = [m for m in ctx.edition.milestones if m.kind.value == kind and ctx.wanted(m.course_ids)]
        lines = []
        for m in found:
            status = _event_status(ctx, m.when)
            lines.append(_join(f"{ctx.text(m.title)}: {_when(ctx, m.when)}", status, *(ctx.text(n) for n in m.notes)))
        return _join(*lines)

    read.__name__ = f"milestone_{kind}"
    return read


FACTS: dict[str, FactFunction] = {
    "application_period": application_period,
    "application_deadline": application_deadline,
    "application_status": application_status,
    "application_method": application_method,
    "application_notes": application_notes,
    "application_confirmation": application_confirmation,
    "documents": documents,
    "document_exemptions": document_exemptions,
    "target": target,
    "requirements": requirements,
    "team": team,
    "capacity": capacity,
    "selection": selection,
    "decision_notice": decision_notice,
    "fee": fee,
    "payment": payment,
    "refund": refund,
    "costs_borne": costs_borne,
    "training_benefit": training_benefit,
    "on_demand": on_demand,
    "live_stream": live_stream,
    "on_demand_notes": on_demand_notes,
    "organisers": organisers,
    "schedule": schedule,
    "hours": hours,
    "venues": venues,
    "course_formats": course_formats,
    "courses": courses,
    "course_contents": course_contents,
    "lecturers": lecturers,
    "summary": summary,
    "training_title": training_title,
    "credentials": credentials,
    "system_requirements": system_requirements,
    "smartphone": smartphone,
    "technical_support": technical_support,
    "certificate": certificate,
    "session_tasks": session_tasks,
    "recording": _rule("recording"),
    "sns": _rule("sns"),
    "photography": _rule("photography_by_organiser"),
    "location": _rule("location"),
    "privacy": _rule("privacy"),
    "course_change": _rule("course_change"),
    "cancellation": _rule("cancellation_by_organiser"),
    "absence": absence,
    "other_rules": other_rules,
    "submit_office": submit_office,
    "application_invalid": application_invalid,
    "schedule_change": schedule_change,
    "secretariat": secretariat,
    "consultation": consultation,
    "contacts": contacts,
    "links": links,
}

TABLES: dict[str, TableFunction] = {
    "schedule": schedule_table,
    "requirements": requirements_table,
    "documents": documents_table,
    "system_requirements": system_requirements_table,
}


def fact_function(name: str) -> FactFunction | None:
    """The function behind a placeholder; ``fact_<topic>``, ``milestone_<kind>``,
    ``requirement_<kind>``, ``contact_<role>`` and ``document_<id>`` are open-ended."""
    if name in FACTS:
        return FACTS[name]
    if name.startswith("fact_"):
        return topic(name.removeprefix("fact_").replace("_", "-"))
    if name.startswith("milestone_"):
        return milestone(name.removeprefix("milestone_"))
    if name.startswith("requirement_"):
        return requirement(name.removeprefix("requirement_"))
    if name.startswith("contact_"):
        return contact_role(name.removeprefix("contact_"))
    if name.startswith("document_") and name != "document_exemptions":
        return document(name.removeprefix("document_").replace("_", "-"))
    return None
