"""名簿: upload the application form's CSV (report first, import on confirmation), export link codes,
reissue a code or unlink an application. Everything goes through ``bot.secretariat.roster``.

閲覧のみ clerks may check a file (its report) and list the applications; importing,
exporting codes, reissuing and unlinking need 配信担当 or 管理者, checked here on the server.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bot.console import editions, layout
from bot.console.security import SENDERS, actor, requires
from bot.console.uploading import render_report, uploaded_file
from bot.roster import ImportReport, MissingColumnsError, RosterFileError
from bot.roster.codes import state_label
from bot.roster.headers import FIELD_HEADERS
from bot.roster.report import problem_text, report_lines
from bot.secretariat import roster, uploads
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
    return render_template("console/roster/index.html", editions=editions.choices(layout.locale()), edition=edition,
                           page=page, search=search, state_label=lambda state: state_label(state, layout.gettext()),
                           course_name=lambda course_id: editions.course_name(edition, course_id, layout.locale()))


def _report(edition_id: str, report: ImportReport, token: str | None = None, filename: str = "",
            confirmed: bool = False) -> str:
    _ = layout.gettext()
    return render_report(PAGE, _("Roster"), Services.current().knowledge.editions[edition_id],
                         problems=[problem_text(problem, _) for problem in report.problems],
                         lines=report_lines(report, _, dry_run=not confirmed)[len(report.problems):],
                         token=token, count=len(report.added) + len(report.updated), filename=filename,
                         confirmed=confirmed)


@bp.post("/check")
def check() -> str | tuple[str, int]:
    """Read the uploaded file and report, line by line, what importing it would do; import nothing."""
    _ = layout.gettext()
    edition = editions.chosen()
    upload = uploaded_file()
    if upload is None:
        return render_report(PAGE, _("Roster"), edition, error=_("Choose a CSV file.")), 400
    filename, data = upload
    try:
        checked = roster.check_upload(Services.current(), actor(), edition.id, data, filename,
                                      may_import=current_user.may(*SENDERS))
    except MissingColumnsError as error:
        headers = "; ".join(" / ".join(FIELD_HEADERS[name]) for name in error.fields)
        message = _("Required columns not found, nothing imported. Accepted headers: {headers}")
        return render_report(PAGE, _("Roster"), edition, error=message.format(headers=headers)), 422
    except RosterFileError as error:
        message = _("Cannot read the file ({error}); nothing imported.").format(error=error)
        return render_report(PAGE, _("Roster"), edition, error=message), 422
    except SecretariatError as error:
        return render_report(PAGE, _("Roster"), edition, error=error.message(_)), 422
    return _report(edition.id, checked.report, checked.token, filename)


@bp.post("/confirm")
@requires(*SENDERS)
def confirm() -> str | Response:
    """Import the file the clerk has just read the report of."""
    try:
        edition_id, report = roster.import_held(Services.current(), actor(), request.form.get("token", ""))
    except SecretariatError as error:
        flash(error.message(layout.gettext()), "error")
        return redirect(url_for("console.roster.index", edition=editions.chosen().id))
    return _report(edition_id, report, confirmed=True)


@bp.post("/cancel")
def cancel() -> Response:
    uploads.drop(Services.current(), request.form.get("token", ""), actor().name)
    flash(layout.gettext()("Nothing was imported."), "ok")
    return redirect(url_for("console.roster.index", edition=editions.chosen().id))


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
