"""``kenshu questions``: review the questions the bot was unsure about; assign one to an entry, or mark it handled.

The use cases are in ``bot.secretariat.questions`` (the console's 質問ログ shows the same queue).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from bot.cli.clerk import failure, locale_option
from bot.i18n import gettext_for
from bot.secretariat import questions
from bot.secretariat.audit import Actor
from bot.secretariat.errors import SecretariatError
from bot.services import Services

questions_group = AppGroup("questions", help="The question log: review unsure answers, add examples.")


@questions_group.command("review")
@click.option("--page", default=1, show_default=True, help="Which page of groups (20 a page, the largest first).")
@locale_option
def review_command(page: int, locale: str) -> None:
    """List "did you mean" and out-of-scope questions waiting for review, grouped by entry."""
    _ = gettext_for(locale)
    queue = questions.review_queue(Services.current(), page)
    if not queue.groups:
        click.echo(_("No questions to review."))
        return
    first = (queue.page - 1) * queue.per_page
    for number, group in enumerate(queue.groups, start=first + 1):
        suggested = group.suggested or "-"
        click.echo(_("Group {number} ({count} questions), suggested entry: {entry}").format(
            number=number, count=group.count, entry=suggested))
        for item in group.items:
            tapped = _(", tapped {choice}").format(choice=item.tapped) if item.tapped else ""
            click.echo(_("  #{id} {text}  [{kind} {probability:.2f}: {candidates}{tapped}]").format(
                id=item.id, text=item.text, kind=item.kind, probability=item.probability,
                candidates=" / ".join(item.candidates) or "-", tapped=tapped))
    if queue.pages > queue.page:
        click.echo(_("Page {page} of {pages}: --page {next} for more.").format(
            page=queue.page, pages=queue.pages, next=queue.page + 1))
    click.echo(_("Assign one with: kenshu questions assign ID ENTRY"))


@questions_group.command("assign")
@click.argument("question_id", type=int)
@click.argument("entry_id")
@locale_option
def assign_command(question_id: int, entry_id: str, locale: str) -> None:
    """Add question ID as an example of ENTRY (into data/) and retrain the model."""
    _ = gettext_for(locale)
    try:
        done = questions.assign(Services.current(), Actor.cli(), question_id, entry_id)
    except SecretariatError as error:
        raise failure(error, _) from None
    decision = done.reply.decision
    click.echo(_("Added #{id} \"{text}\" to {entry} (data/faq/examples/reviewed.yaml); model retrained.").format(
        id=done.question_id, text=done.text, entry=done.entry_id))
    click.echo(_("It is now answered as: {kind} {entry} ({probability:.2f})").format(
        kind=decision.kind.value, entry=decision.entry_id or "-", probability=decision.confidence))


@questions_group.command("handle")
@click.argument("question_id", type=int)
@locale_option
def handle_command(question_id: int, locale: str) -> None:
    """Take question ID off the review queue without adding an example."""
    _ = gettext_for(locale)
    try:
        questions.handle(Services.current(), Actor.cli(), question_id)
    except SecretariatError as error:
        raise failure(error, _) from None
    click.echo(_("Question #{id} marked handled.").format(id=question_id))
