"""``kenshu questions``: review the questions the bot was unsure about, and assign one to an entry.

The use cases are in ``bot.secretariat.questions`` (the console shows the same queue).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from bot.cli.clerk import failure, locale_option
from bot.i18n import gettext_for
from bot.secretariat import questions
from bot.secretariat.errors import SecretariatError
from bot.services import Services

questions_group = AppGroup("questions", help="The question log: review unsure answers, add examples.")


@questions_group.command("review")
@click.option("--limit", default=200, show_default=True, help="Look at this many recent questions.")
@locale_option
def review_command(limit: int, locale: str) -> None:
    """List "did you mean" and out-of-scope questions, grouped by similarity."""
    _ = gettext_for(locale)
    groups = questions.review_queue(Services.current(), limit)
    if not groups:
        click.echo(_("No questions to review."))
        return
    for number, group in enumerate(groups, start=1):
        suggested = group.suggested or "-"
        click.echo(_("Group {number} ({count} questions), suggested entry: {entry}").format(
            number=number, count=len(group.items), entry=suggested))
        for item in group.items:
            tapped = _(", tapped {choice}").format(choice=item.tapped) if item.tapped else ""
            click.echo(_("  #{id} {text}  [{kind} {probability:.2f}: {candidates}{tapped}]").format(
                id=item.id, text=item.text, kind=item.kind, probability=item.probability,
                candidates=" / ".join(item.candidates) or "-", tapped=tapped))
    click.echo(_("Assign one with: kenshu questions assign ID ENTRY"))


@questions_group.command("assign")
@click.argument("question_id", type=int)
@click.argument("entry_id")
@locale_option
def assign_command(question_id: int, entry_id: str, locale: str) -> None:
    """Add question ID as an example of ENTRY (into data/) and retrain the model."""
    _ = gettext_for(locale)
    try:
        done = questions.assign(Services.current(), question_id, entry_id)
    except SecretariatError as error:
        raise failure(error, _) from None
    decision = done.reply.decision
    click.echo(_("Added #{id} \"{text}\" to {entry} (data/faq/examples/reviewed.yaml); model retrained.").format(
        id=done.question_id, text=done.text, entry=done.entry_id))
    click.echo(_("It is now answered as: {kind} {entry} ({probability:.2f})").format(
        kind=decision.kind.value, entry=decision.entry_id or "-", probability=decision.confidence))
