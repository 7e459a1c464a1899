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
    # ...and a fee to pay is a question of by when (trainees do not tell the fee and payment apart).
    return joined(headline, note, payment_deadline(ctx), borne)


@fact("fee_amount")
def fee_amount(ctx: FactContext) -> str | None:
    """How much, for a payment answer: 「払い方は？」 and 「いくら？」 are one question to a trainee."""
    charge = ctx.edition.fee
    if charge.status is not FeeStatus.PAID:
        return None
    return ctx.gettext("The fee is {amount} yen.").format(amount=f"{charge.amount_yen or 0:,}")


@fact("payment_deadline")
def payment_deadline(ctx: FactContext) -> str | None:
    """By when to pay (with its rule) and what is left of it: what a fee answer owes the payment question."""
    pay = ctx.edition.fee.payment
    if pay is None or pay.deadline is None:
        return None
    _ = ctx.gettext
    due = _("Payment deadline: {date}").format(date=deadline_text(ctx, pay.deadline))
    if ctx.now > pay.deadline.last_moment():
        return f"{due} {_('This deadline has passed.')}"
    days = (pay.deadline.date - ctx.today).days
    return f"{due} {_('Due today.') if days == 0 else _('{days} left.').format(days=days_text(ctx, days))}"


@fact("payment")
def payment(ctx: FactContext) -> str | None:
    pay = ctx.edition.fee.payment
    if pay is None:
        return None
    _ = ctx.gettext
    parts = [ctx.text(pay.method)]
    if pay.notice is not None:
        parts.append(_("Payment notice sent: {when}").format(when=when_text(ctx, pay.notice)))
    parts.append(payment_deadline(ctx))
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
