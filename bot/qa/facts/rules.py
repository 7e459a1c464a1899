"""Facts about the training's rules: recording, SNS, photos, location, privacy, changes, absence."""

from __future__ import annotations

from bot.qa.facts.context import FactContext
from bot.qa.facts.registry import fact
from bot.qa.facts.wording import bulleted, joined


@fact("recording")
def recording(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.recording) if rules is not None else None


@fact("sns")
def sns(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.sns) if rules is not None else None


@fact("photography")
def photography(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.photography_by_organiser) if rules is not None else None


@fact("location")
def location(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.location) if rules is not None else None


@fact("privacy")
def privacy(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.privacy) if rules is not None else None


@fact("course_change")
def course_change(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.course_change) if rules is not None else None


@fact("cancellation")
def cancellation(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return ctx.text(rules.cancellation_by_organiser) if rules is not None else None


@fact("organiser_changes")
def organiser_changes(ctx: FactContext) -> str | None:
    """Dates or venues the organiser may change (ECMO), and how trainees hear of it."""
    rules = ctx.edition.rules
    return ctx.text(rules.organiser_changes) if rules is not None else None


@fact("schedule_change")
def schedule_change(ctx: FactContext) -> str | None:
    """The policy, every accepted reason (a trainee checks theirs is on the list),
    the reasons refused and the notes, e.g. the single change after an outage."""
    rules = ctx.edition.rules
    change = rules.schedule_change if rules else None
    if change is None:
        return None
    _ = ctx.gettext
    accepted = bulleted([ctx.text(r) or "" for r in change.accepted_reasons])
    rejected = bulleted([ctx.text(r) or "" for r in change.rejected_reasons])
    return joined(
        ctx.text(change.policy),
        _("Accepted reasons (proof):") + "\n" + accepted if accepted else None,
        _("Not accepted:") + "\n" + rejected if rejected else None,
        ctx.text(change.how_to_apply),
        bulleted([ctx.text(n) or "" for n in change.notes]),
    )


@fact("absence")
def absence(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    if rules is None:
        return None
    return joined(ctx.text(rules.absence), ctx.text(rules.lateness), ctx.text(rules.leaving_seat))


@fact("other_rules")
def other_rules(ctx: FactContext) -> str | None:
    rules = ctx.edition.rules
    return bulleted([ctx.text(r) or "" for r in rules.other]) if rules is not None else None
