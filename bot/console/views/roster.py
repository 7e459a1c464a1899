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
from bot.roster import MissingColumnsError, RosterFileError
from bot.roster.codes import state_label
from bot.roster.headers import FIELD_HEADERS
from bot.roster.report import problem_text, report_lines
from bot.secretariat import roster, uploads
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("roster", __name__, url_prefix="/roster")


@bp.get("/")
def index() -> str:
    edition = editions.chosen()
    search = request.args.get("q", "")
    page = roster.applications(Services.current(), edition.id, page=request.args.get("page", 1, type=int),
                               search=search)
    return render_template("console/roster/index.html", editions=editions.choices(), edition=edition, page=page,
                           search=search, state_label=lambda state: state_label(state, layout.gettext()),
                           course_name=lambda course_id: editions.course_name(edition, course_id))


def _report_page(**context: object) -> str:
    """The report (a fragment for htmx, else the whole page)."""
    template = "console/roster/report_fragment.html" if request.headers.get("HX-Request") else \
        "console/roster/report.html"
    return render_template(template, **context)


@bp.post("/check")
def check() -> str | tuple[str, int]:
    """Read the uploaded file and report, line by line, what importing it would do; import nothing."""
    _ = layout.gettext()
    edition = editions.chosen()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _report_page(edition=edition, error=_("Choose a CSV file."), report=None), 400
    data = upload.read(uploads.MAX_UPLOAD_BYTES + 1)
    try:
        checked = roster.check_upload(Services.current(), actor(), edition.id, data, upload.filename,
                                      may_import=current_user.may(*SENDERS))
    except MissingColumnsError as error:
        headers = "; ".join(f"{' / '.join(FIELD_HEADERS[name])}" for name in error.fields)
        message = _("Required columns not found, nothing imported. Accepted headers: {headers}").format(
            headers=headers)
        return _report_page(edition=edition, error=message, report=None), 422
    except RosterFileError as error:
        return _report_page(edition=edition, error=_("Cannot read the file ({error}); nothing imported.").format(
            error=error), report=None), 422
    except SecretariatError as error:
        return _report_page(edition=edition, error=error.message(_), report=None), 422
    return _report_page(edition=edition, report=checked.report, token=checked.token, filename=upload.filename,
                        problems=[problem_text(problem, _) for problem in checked.report.problems],
                        lines=report_lines(checked.report, _, dry_run=True)[len(checked.report.problems):],
                        confirmed=False)


@bp.post("/confirm")
@requires(*SENDERS)
def confirm() -> str | Response:
    """Import the file the clerk has just read the report of."""
    _ = layout.gettext()
    try:
        edition_id, report = roster.import_held(Services.current(), actor(), request.form.get("token", ""))
    except SecretariatError as error:
        flash(error.message(_), "error")
        return redirect(url_for("console.roster.index", edition=request.form.get("edition") or None))
    return render_template("console/roster/report.html", edition=Services.current().knowledge.editions[edition_id],
                           report=report, token=None, confirmed=True,
                           problems=[problem_text(problem, _) for problem in report.problems],
                           lines=report_lines(report, _)[len(report.problems):])


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
    edition_id = editions.chosen().id
    try:
        reissued = roster.reissue(Services.current(), actor(), edition_id, request.form.get("application_no", ""))
    except SecretariatError as error:
        flash(error.message(_), "error")
        return redirect(url_for("console.roster.index", edition=edition_id))
    return render_template("console/roster/reissued.html", edition=Services.current().knowledge.editions[edition_id],
                           reissued=reissued)


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
