"""Facts about the certificate of completion: conditions (per course too), when it comes, revocation,
and the notes the question asks about (the graduate list)."""

from __future__ import annotations

from bot.qa.facts.context import FactContext
from bot.qa.facts.registry import fact
from bot.qa.facts.wording import asked_notes, bulleted, joined, listed


@fact("certificate")
def certificate(ctx: FactContext) -> str | None:
    cert = ctx.edition.certificate
    if cert is None:
        return None
    extra = []
    for cond in cert.per_course:
        if ctx.wanted(cond.course_ids):
            names = listed(ctx, [ctx.course_name(c) for c in cond.course_ids])
            extra.append(f"{names}: {'、'.join(ctx.text(t) or '' for t in cond.conditions)}")
    shown = joined(
        bulleted([ctx.text(c) or "" for c in cert.conditions]),
        bulleted(extra),
        ctx.text(cert.timing),
        bulleted([ctx.text(r) or "" for r in cert.revocation]),
    )
    return joined(shown, bulleted(asked_notes(ctx, cert.notes, shown)))
