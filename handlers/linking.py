"""「連携 CODE」: link the user's LINE account to their application, or a clerk's to their console account.

Matches 「連携 CODE」, "link CODE", or a message that is exactly a code; a bare
「連携」 explains what to send. The confirmation names the training, the course
and the initial of the name on the application, never more personal data. A code
the console issued to a clerk (for test sends) is tried first
(``bot.secretariat.clerk_line``); every other code is a trainee's.
"""

from __future__ import annotations

import re
import unicodedata

from linebot.v3.messaging import TextMessage

from bot.line.context import EventContext
from bot.secretariat import clerk_line
from bot.secretariat.clerk_line import ClerkLinkOutcome, ClerkLinkResult
from bot.textfold import fold_link_code
from bot.trainees import linking, subscriptions
from bot.trainees.linking import LinkOutcome
from handlers.matching import is_text, message_text, text_is

HELP_COMMANDS = ("連携", "連携コード", "link", "link code", "アカウント連携")
_PREFIX = re.compile(r"^\s*(?:アカウント連携|連携コード|連携|link\s*code|link)\s*[:：]?\s*(?P<code>.+)$", re.IGNORECASE)
# After a prefix, anything code-like is checked (and counted), mistyped letters
# included (codes always hold a digit); a sentence such as 「連携について」 or
# "link to the form" is a question.
_CODE_LIKE = re.compile(r"^(?=.*[0-9])[A-Z0-9]{6,16}$")


def _typed_code(context: EventContext) -> str | None:
    """The code in a link command or a bare code, else None."""
    if not is_text(context):
        return None
    text = unicodedata.normalize("NFKC", message_text(context)).strip()
    prefixed = _PREFIX.match(text)
    if prefixed and _CODE_LIKE.match(fold_link_code(prefixed.group("code"))):
        return prefixed.group("code")
    return text if linking.is_plausible_code(text) else None


def is_link_request(context: EventContext) -> bool:
    return _typed_code(context) is not None


def handle_link(context: EventContext) -> None:
    user = context.user
    assert user is not None
    typed = _typed_code(context)
    assert typed is not None
    _ = context._
    clerk = clerk_line.link_by_code(context.session, user, typed, context.now, context.services.secret_key)
    if clerk is not None:
        context.reply([TextMessage(text=_clerk_linked_text(clerk, context))])
        return
    result = linking.link(context.session, user, typed, context.now, context.services.secret_key)
    if result.outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_YOURS):
        assert result.enrolment is not None
        summary = linking.summary(context.services.knowledge, result.enrolment)
        subscriptions.subscribe(context.session, user, summary.edition.training.id, context.now)
        heading = (
            _("Your LINE account is now linked to your application.")
            if result.outcome is LinkOutcome.LINKED
            else _("Your LINE account is already linked to this application.")
        )
        course = summary.course.name.in_locale(context.locale) if summary.course else "-"
        details = _("Training: {training} ({year})\nCourse: {course}\nName: {initial}… (initial only)").format(
            training=summary.edition.training.name.in_locale(context.locale),
            year=summary.edition.fiscal_year_label,
            course=course,
            initial=summary.name_initial,
        )
        footer = _("You will receive this training's notices. If anything above is wrong, please contact the secretariat.")
        context.reply([TextMessage(text=f"{heading}\n\n{details}\n\n{footer}")])
        return
    text = {
        LinkOutcome.WRONG: _(
            "Sorry, that code was not found. Please check the code in the e-mail from the secretariat "
            "and send it again, e.g. \"link ABCDE-23456\"."
        ),
        LinkOutcome.EXPIRED: _("Sorry, this code has expired. Please ask the secretariat for a new code."),
        LinkOutcome.LINKED_TO_SOMEONE_ELSE: _(
            "This application is already linked to another LINE account. "
            "To change the linked account, please contact the secretariat."
        ),
        LinkOutcome.USED: _(
            "This code has already been used. To link again, please ask the secretariat for a new code."
        ),
        LinkOutcome.THROTTLED: _(
            "Too many codes did not match. For your security, please wait an hour and try again, "
            "or contact the secretariat."
        ),
    }[result.outcome]
    context.reply([TextMessage(text=text)])


def _clerk_linked_text(result: ClerkLinkResult, context: EventContext) -> str:
    _ = context._
    if result.outcome is ClerkLinkOutcome.LINKED:
        return _("This LINE account is now linked to the web console account {email}. "
                 "Test sends of announcements will arrive in this chat.").format(email=result.email)
    if result.outcome is ClerkLinkOutcome.EXPIRED:
        return _("This console code has expired. Please issue a new one on the web console's announcements page.")
    return _("Too many codes did not match. For your security, please wait an hour and try again, "
             "or contact the secretariat.")


def explain_linking(context: EventContext) -> None:
    _ = context._
    context.reply([TextMessage(text=_(
        "To link your LINE account to your application, send \"link\" followed by the code "
        "in the e-mail from the secretariat, e.g. \"link ABCDE-23456\"."
    ))])


ROUTES = (
    (text_is(HELP_COMMANDS), explain_linking),
    (is_link_request, handle_link),
)
