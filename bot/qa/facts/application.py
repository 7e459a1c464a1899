"""Facts about applying: when (judged against now), how, where to hand it in, what happens next."""

from __future__ import annotations

from bot.qa.facts.context import FactContext
from bot.qa.facts.registry import fact
from bot.qa.facts.wording import bulleted, days_left, days_text, deadline_text, joined, when_text
from bot.textfold import fold_width_case_and_kana


@fact("application_period")
def application_period(ctx: FactContext) -> str | None:
    app = ctx.edition.application
    if app.period is not None:
        return ctx.period(app.period)
    if app.deadline is not None:
        return ctx.gettext("until {date}").format(date=deadline_text(ctx, app.deadline))
    return None


@fact("application_deadline")
def application_deadline(ctx: FactContext) -> str | None:
    last = ctx.edition.application.last_day()
    return deadline_text(ctx, last) if last else None


@fact("application_status")
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
            date=ctx.day(app.period.start), days=days_text(ctx, days)
        )
    if ctx.now <= last.last_moment():
        days = (last.date - ctx.today).days
        status = (
            _("Applications are open: today is the deadline.")
            if days == 0
            else _("Applications are open: {days} left until the deadline.").format(days=days_text(ctx, days))
        )
        capacity = ctx.edition.capacity
        if capacity is not None and capacity.closes_when_full:
            full = _("Applications close early once all places are taken.")
            status = f"{status}\n{full}"
        return status
    return _("Applications have closed (the deadline was {date}).").format(date=ctx.day(last.date))


@fact("application_deadline_status")
def application_deadline_status(ctx: FactContext) -> str | None:
    """The deadline and where it stands today, in one line: a trainee asking how to apply needs to know
    whether it is still possible (trainees cannot tell the period and how-to-apply questions apart)."""
    app = ctx.edition.application
    last = app.last_day()
    if last is None:
        return None
    _ = ctx.gettext
    deadline = deadline_text(ctx, last)
    if app.period is not None and ctx.today < app.period.start:
        opens = application_status(ctx)
        return joined(opens, _("Deadline: {deadline}").format(deadline=deadline))
    if ctx.now <= last.last_moment():
        days = (last.date - ctx.today).days
        if days == 0:
            return _("Deadline: {deadline}, today.").format(deadline=deadline)
        return _("Deadline: {deadline}, {days} left.").format(deadline=deadline, days=days_text(ctx, days))
    return _("Applications have closed (the deadline was {date}).").format(date=ctx.day(last.date))


@fact("application_method")
def application_method(ctx: FactContext) -> str | None:
    app = ctx.edition.application
    url = app.url
    if url and app.form is not None:  # 「グーグルフォーム？」: say which kind of form the link opens
        url = f"{url}（{ctx.text(app.form)}）" if ctx.locale == "ja" else f"{url} ({ctx.text(app.form)})"
    return joined(
        ctx.text(app.method),
        ctx.text(app.submit_to),
        url,
        ctx.gettext("Forms: {url}").format(url=app.documents_url) if app.documents_url else None,
    )


@fact("application_notes")
def application_notes(ctx: FactContext) -> str | None:
    """The other notes on applying; what makes an application invalid is ``application_invalid``'s."""
    return bulleted([ctx.text(n) or "" for n in ctx.edition.application.notes])


@fact("application_confirmation")
def application_confirmation(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.application.confirmation)


@fact("application_correction")
def application_correction(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.application.correction)


@fact("application_invalid")
def application_invalid(ctx: FactContext) -> str | None:
    return bulleted([ctx.text(n) or "" for n in ctx.edition.application.invalid_when])


def _municipality_stems(municipality: str) -> tuple[str, ...]:
    stem = municipality[:-1]
    if municipality[-1] in "区市町村" and len(stem) >= 2:
        return (municipality, stem)
    return (municipality,)


@fact("submit_office")
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
        ask = _("Tell me your municipality (e.g. \"世田谷区の申込先\") and I will show its office.")
        # Which office and how to hand it in (持参又は郵送): 「どこに出すの」 often means "can I post it?".
        return joined(ctx.text(app.method) or ctx.text(app.submit_to), ask)
    lines = []
    for office in named[:3]:
        unit = " ".join(part for part in (office.department, office.section, office.unit) if part)
        postal_code = f"〒{office.postal_code}" if office.postal_code else None
        address = " ".join(part for part in (postal_code, office.address) if part)
        lines.append(joined(f"{office.municipality} {unit}", address, office.phone))
    return joined(*lines, ctx.text(app.method))


@fact("selection")
def selection(ctx: FactContext) -> str | None:
    chosen = ctx.edition.selection
    if chosen is None:
        return None
    return joined(ctx.text(chosen.method), bulleted([ctx.text(r) or "" for r in chosen.priority_rules]))


@fact("decision_notice")
def decision_notice(ctx: FactContext) -> str | None:
    notice = ctx.edition.decision_notice
    if notice is None:
        return None
    when = None
    if notice.when is not None:
        when = ctx.gettext("When: {when}").format(when=when_text(ctx, notice.when))
        day = notice.when.day()
        if day is not None:  # a rough window has no day to count to
            when = f"{when} {days_left(ctx, day)}"
    return joined(ctx.text(notice.method), when, ctx.text(notice.if_not_received))
