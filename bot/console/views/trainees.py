"""受講者: LINE users with their language, notices, linked applications and whether they blocked the bot;
search; delete one's data at their request (the same deletion as 「データ削除」), after a confirmation.

Everything goes through ``bot.secretariat.trainees``; deleting needs 配信担当 or
管理者, checked here on the server.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from bot.console import layout
from bot.console.security import SENDERS, actor, requires
from bot.secretariat import trainees
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("trainees", __name__, url_prefix="/trainees")


def _training_name(training_id: str) -> str:
    training = Services.current().knowledge.trainings.get(training_id)
    return training.name.in_locale(layout.locale()) if training else training_id


@bp.get("/")
def index() -> str:
    search = request.args.get("q", "")
    page = trainees.find(Services.current(), search, page=request.args.get("page", 1, type=int))
    return render_template("console/trainees/index.html", page=page, search=search, training_name=_training_name)


@bp.get("/<int:trainee_id>/delete")
@requires(*SENDERS)
def confirm_delete(trainee_id: int) -> str | Response:
    try:
        trainee = trainees.get(Services.current(), trainee_id)
    except SecretariatError as error:
        flash(error.message(layout.gettext()), "error")
        return redirect(url_for("console.trainees.index"))
    return render_template("console/trainees/delete.html", trainee=trainee, training_name=_training_name)


@bp.post("/<int:trainee_id>/delete")
@requires(*SENDERS)
def delete(trainee_id: int) -> Response:
    _ = layout.gettext()
    try:
        trainees.delete(Services.current(), actor(), trainee_id)
    except SecretariatError as error:
        flash(error.message(_), "error")
    else:
        flash(_("The trainee's data has been deleted."), "ok")
    return redirect(url_for("console.trainees.index"))
