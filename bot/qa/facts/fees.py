"""Facts about money: the fee, paying it (counted down to its deadline), refunds, other costs, benefits."""

from __future__ import annotations

from bot.knowledge.models import FeeStatus
from bot.qa.facts.context import FactContext
from bot.qa.facts.registry import fact
from bot.qa.facts.wording import bulleted, days_text, deadline_text, joined, when_text


@fact("fee")
def fee(ctx: FactContext) -> str | None:
    charge = ctx.edition.fee
    _ = ctx.gettext
    headline: str | None = {
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
    return joined(headline, note, borne)


@fact("payment")
def payment(ctx: FactContext) -> str | None:
    pay = ctx.edition.fee.payment
    if pay is None:
        return None
    _ = ctx.gettext
    parts = [ctx.text(pay.method)]
    if pay.notice is not None:
        parts.append(_("Payment notice sent: {when}").format(when=when_text(ctx, pay.notice)))
    if pay.deadline is not None:
        parts.append(_("Payment deadline: {date}").format(date=deadline_text(ctx, pay.deadline)))
        if ctx.now > pay.deadline.last_moment():
            parts.append(_("This deadline has passed."))
        else:
            days = (pay.deadline.date - ctx.today).days
            parts.append(
                _("Due today.") if days == 0 else _("{days} left.").format(days=days_text(ctx, days))
            )
    parts.extend(ctx.text(n) for n in pay.notes)
    return joined(*parts)


@fact("refund")
def refund(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.fee.refund)


@fact("costs_borne")
def costs_borne(ctx: FactContext) -> str | None:
    costs = ctx.edition.costs_borne_by_trainee
    if costs is None:
        return None
    return joined(bulleted([ctx.text(item) or "" for item in costs.items]), *(ctx.text(n) for n in costs.notes))


@fact("training_benefit")
def training_benefit(ctx: FactContext) -> str | None:
    benefit = ctx.edition.education_training_benefit
    if benefit is None:
        return None
    return joined(ctx.text(benefit.text), benefit.url)
