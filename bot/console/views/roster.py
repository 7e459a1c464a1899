"""名簿: upload the application form's CSV (report first, import on confirmation), export link codes,
reissue a code or unlink an application. Everything goes through ``bot.secretariat.roster``.

閲覧のみ clerks may check a file (its report) and list the applications; importing,
exporting codes, reissuing and unlinking need 配信担当 or 管理者, checked here on the server.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from bot.console import editions, layout
from bot.console.security import SENDERS, actor, requires
from bot.console.uploading import ImportPage, add_import_routes
from bot.i18n import Gettext
from bot.roster import ImportReport, MissingColumnsError
from bot.roster.codes import state_label
from bot.roster.headers import FIELD_HEADERS
from bot.roster.report import problem_text, report_lines
from bot.secretariat import roster
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("roster", __name__, url_prefix="/roster")
PAGE = "console.roster"


@bp.get("/")
def index() -> str:
    edition = editions.chosen()
    search = request.args.get("q", "")
    page = roster.applications(Services.current(), edition.id, page=request.args.get("page", 1, type=int),
                               search=search)
    return render_template("console/roster/index.html", editions=editions.choices(), edition=edition, page=page,
                           search=search, state_label=lambda state: state_label(state, layout.gettext()),
                           course_name=lambda course_id: editions.course_name(edition, course_id))


def _missing_columns(error: MissingColumnsError, _: Gettext) -> str:
    headers = "; ".join(" / ".join(FIELD_HEADERS[name]) for name in error.fields)
    return _("Required columns not found, nothing imported. Accepted headers: {headers}").format(headers=headers)


def _report_texts(report: ImportReport, _: Gettext, dry_run: bool) -> tuple[list[str], list[str]]:
    return ([problem_text(problem, _) for problem in report.problems],
            report_lines(report, _, dry_run=dry_run)[len(report.problems):])


add_import_routes(bp, ImportPage(PAGE, lambda _: _("Roster"), roster.UPLOADS, _report_texts, _missing_columns))


@bp.get("/codes.csv")
@requires(*SENDERS)
def codes() -> Response:
    """The link codes for a mail merge: UTF-8 with a BOM, so Excel opens it without garbling."""
    edition_id = editions.chosen().id
    export = roster.export_codes(Services.current(), actor(), edition_id, layout.gettext())
    return Response(export.text.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="link-codes-{edition_id}.csv"',
        "Cache-Control": "no-store"})


@bp.post("/reissue")
@requires(*SENDERS)
def reissue() -> str | Response:
    """A new code for one application (shown once here, to mail to the applicant)."""
    _ = layout.gettext()
    edition = editions.chosen()
    try:
        reissued = roster.reissue(Services.current(), actor(), edition.id, request.form.get("application_no", ""))
    except SecretariatError as error:
        flash(error.message(_), "error")
        return redirect(url_for("console.roster.index", edition=edition.id))
    return render_template("console/roster/reissued.html", edition=edition, reissued=reissued)


@bp.post("/unlink")
@requires(*SENDERS)
def unlink() -> Response:
    _ = layout.gettext()
    edition_id = editions.chosen().id
    number = request.form.get("application_no", "")
    try:
        unlinked = roster.unlink(Services.current(), actor(), edition_id, number)
    except SecretariatError as error:
        flash(error.message(_), "error")
    else:
        flash((_("{number}: LINE link removed.") if unlinked else _("{number} was not linked.")).format(
            number=number), "ok")
    return redirect(url_for("console.roster.index", edition=edition_id))
