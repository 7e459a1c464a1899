"""質問ログ: the questions the bot could not answer outright, grouped, with what it offered and what was tapped;
assign one to an FAQ entry as a new example, or mark it handled; the most asked topics of the week.

Every step is a use case of ``bot.secretariat.questions`` (``kenshu questions``
calls the same). Anyone signed in may read; assigning and marking handled need
配信担当 or 管理者, checked here on the server. Nothing shown names a LINE user:
a question is its words, never who asked (their 「データ削除」 removes the words too).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from bot.console import layout
from bot.console.security import SENDERS, actor, requires
from bot.i18n import Gettext
from bot.qa import DecisionKind
from bot.secretariat import questions
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("questions", __name__, url_prefix="/questions")


def _kind_label(kind: str, _: Gettext) -> str:
    labels = {DecisionKind.DID_YOU_MEAN.value: _("offered choices"),
              DecisionKind.OUT_OF_SCOPE.value: _("judged out of scope")}
    return labels.get(kind, kind)


def _entry_options(entries: list[tuple[str, str]], choose: str) -> Callable[[str | None], Markup]:
    """The ``<option>`` list of every entry with one selected, built once per selected entry: a page
    has fifty such lists, nearly all alike, and escaping 3,000 options one by one was most of its time.
    Without a suggestion (or with one no longer in data/) the list starts at ``choose`` (no value:
    the select is required), so pressing the button never assigns whichever entry happens to be first."""
    built: dict[str | None, Markup] = {}
    known = {entry_id for entry_id, _ in entries}

    def options(selected: str | None) -> Markup:
        if selected not in known:  # no suggestion, or one no longer in data/: start at the prompt
            selected = None
        if selected not in built:
            prompt = Markup('<option value="" disabled{}>{}</option>').format(
                "" if selected else Markup(" selected"), choose)
            built[selected] = prompt + Markup("").join(
                Markup('<option value="{}"{}>{}</option>').format(entry_id, Markup(" selected") if entry_id == selected
                                                                   else "", title) for entry_id, title in entries)
        return built[selected]

    return options


@bp.get("/")
def index() -> str:
    services, _ = Services.current(), layout.gettext()
    page = questions.review_queue(services, page=request.args.get("page", 1, type=int), per_page=10)
    return render_template("console/questions/index.html", page=page, topics=questions.top_topics(services),
                           entry_options=_entry_options(questions.assignable(services, _), _("Choose an FAQ entry")),
                           days=questions.TOPIC_DAYS,
                           title=lambda entry_id: questions.entry_title(services, entry_id, _),
                           kind_label=lambda kind: _kind_label(kind, _))


def _back() -> Response:
    return redirect(url_for("console.questions.index", page=request.form.get("page", 1, type=int)))


@bp.post("/<int:question_id>/assign")
@requires(*SENDERS)
def assign(question_id: int) -> Response:
    services, _ = Services.current(), layout.gettext()
    try:
        done = questions.assign(services, actor(), question_id, request.form.get("entry_id", ""))
    except SecretariatError as refused:
        flash(refused.message(_), "error")
        return _back()
    decision = done.reply.decision
    entry = questions.entry_title(services, done.entry_id, _)
    if decision.kind is DecisionKind.ANSWER and decision.entry_id == done.entry_id:
        flash(_("Question #{id} is now an example of “{entry}”; the bot answers it outright.").format(
            id=question_id, entry=entry), "ok")
    else:
        flash(_("Question #{id} is now an example of “{entry}”, but the bot does not answer it outright yet: "
                "more examples may be needed.").format(id=question_id, entry=entry), "warn")
    return _back()


@bp.post("/<int:question_id>/handle")
@requires(*SENDERS)
def handle(question_id: int) -> Response:
    _ = layout.gettext()
    try:
        questions.handle(Services.current(), actor(), question_id)
    except SecretariatError as refused:
        flash(refused.message(_), "error")
    else:
        flash(_("Question #{id} marked handled.").format(id=question_id), "ok")
    return _back()
