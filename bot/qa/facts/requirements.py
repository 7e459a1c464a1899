"""Facts about who may take part and how many: target, requirements, teams, capacity."""

from __future__ import annotations

from bot.knowledge.models import AllocationMethod
from bot.qa.facts.context import FactContext, FactFunction, TableRow
from bot.qa.facts.registry import fact, fact_family, table
from bot.qa.facts.wording import bulleted, joined, when_text


@fact("target")
def target(ctx: FactContext) -> str | None:
    eligibility = ctx.edition.eligibility
    course_notes = [
        f"{ctx.text(c.name)}: {ctx.text(c.target_note)}"
        for c in ctx.edition.all_courses()
        if c.target_note is not None and ctx.wanted([c.id])
    ]
    return joined(ctx.text(eligibility.target), bulleted(course_notes))


@fact("requirements")
def requirements(ctx: FactContext) -> str | None:
    items = []
    for requirement in ctx.edition.eligibility.requirements:
        items.append(f"{ctx.text(requirement.title)}: {ctx.text(requirement.text)}")
    reference = ctx.edition.eligibility.reference_date
    lines = bulleted(items)
    if lines and reference is not None:
        as_of = ctx.gettext("Requirements must be met as of {date}.").format(date=when_text(ctx, reference))
        lines = joined(as_of, lines)
    return lines


@fact_family("requirement_")
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
            blocks.append(joined(
                f"{ctx.text(item.title)}: {ctx.text(item.text)}",
                bulleted(options),
                _("Exceptions:") + "\n" + (bulleted(exceptions) or "") if exceptions else None,
                _("Notes:") + "\n" + (bulleted(option_notes + notes) or "") if option_notes or notes else None,
            ))
        reference = ctx.edition.eligibility.reference_date
        if reference is not None:
            blocks.insert(0, _("Requirements must be met as of {date}.").format(date=when_text(ctx, reference)))
        return joined(*blocks)

    read.__name__ = f"requirement_{kind}"
    return read


@table("requirements")
def requirements_table(ctx: FactContext) -> list[TableRow] | None:
    rows = []
    for requirement in ctx.edition.eligibility.requirements:
        rows.append((ctx.text(requirement.title) or "", ctx.text(requirement.text) or ""))
        for option in requirement.options:
            rows.append((option.label, ctx.text(option.text) or ""))
    return rows or None


@fact("team")
def team(ctx: FactContext) -> str | None:
    rule = ctx.edition.team
    if rule is None:
        return None
    return joined(ctx.text(rule.text), ctx.text(rule.flexible))


@fact("capacity")
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
    return joined(bulleted(items), allocation, bulleted(notes))
