"""受講案内: import personal joining details by CSV (report first, import on confirmation), set the
details a session, course or edition shares, and list everything masked.

Everything goes through ``bot.secretariat.credentials``. No page shows a password
(or a URL or ID) in full after it was entered, to anyone: listings are masked by
the use case, and the shared-details form never comes back filled in. 閲覧のみ
clerks may check a file and read the masked lists; importing and setting need
配信担当 or 管理者, checked here on the server.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from bot.console import editions, layout
from bot.console.security import SENDERS, actor, requires
from bot.console.uploading import ImportPage, add_import_routes
from bot.credentials.importer import CredentialsReport
from bot.credentials.secrets import JoinDetails
from bot.credentials.store import ANY_TARGET
from bot.i18n import Gettext
from bot.knowledge import Edition
from bot.roster import MissingColumnsError
from bot.secretariat import credentials
from bot.secretariat.errors import SecretariatError
from bot.secretariat.searching import page_count
from bot.services import Services

bp = Blueprint("credentials", __name__, url_prefix="/credentials")
PAGE = "console.credentials"
PER_PAGE = 50


def targets(edition: Edition, _: Gettext) -> list[tuple[str, str]]:
    """What shared details can be set for, as the form offers it: the edition, on-demand, streams, days, courses."""
    return [
        (ANY_TARGET, _("The whole edition")),
        ("on-demand", _("On-demand viewing")),
        *((stream.id, _("Live stream {id}").format(id=stream.id)) for stream in edition.live_streams),
        *((day.id, day.label.ja) for day in edition.sessions),
        *((course.id, course.name.ja) for course in edition.all_courses()),
    ]


@bp.get("/")
def index() -> str:
    _ = layout.gettext()
    edition = editions.chosen()
    page = max(1, request.args.get("page", 1, type=int))
    error = None
    try:
        listing = credentials.list_masked(Services.current(), edition.id, page=page, per_page=PER_PAGE)
    except SecretariatError as failure:  # KeyChanged: the stored details cannot be read
        listing, error = credentials.CredentialsListing([], [], 0), failure.message(_)
    labels = dict(targets(edition, _))
    return render_template("console/credentials/index.html", editions=editions.choices(), edition=edition,
                           listing=listing, error=error, targets=targets(edition, _),
                           target_label=lambda target: labels.get(target, target),
                           page={"page": page, "pages": page_count(listing.personal_total, PER_PAGE)})


def _missing_columns(_error: MissingColumnsError, _: Gettext) -> str:
    return _("The file needs a column for the application number and one for at least one of URL, ID, "
             "password; nothing was imported.")


def _report_texts(report: CredentialsReport, _: Gettext, dry_run: bool) -> tuple[list[str], list[str]]:
    lines = report.lines(_, dry_run=dry_run)
    return lines[:len(report.problems)], lines[len(report.problems):]


add_import_routes(bp, ImportPage(PAGE, lambda _: _("Joining information"), credentials.UPLOADS, _report_texts,
                                 _missing_columns))


@bp.post("/shared")
@requires(*SENDERS)
def shared() -> Response:
    """Set the details everyone the target covers shares; the page shows them masked from now on."""
    _ = layout.gettext()
    edition_id = editions.chosen().id
    form = request.form
    details = JoinDetails(form.get("url", "").strip() or None, form.get("login_id", "").strip() or None,
                          form.get("password", "") or None)
    try:
        saved = credentials.set_shared(Services.current(), actor(), edition_id, details,
                                       form.get("target", ANY_TARGET), form.get("tool", "").strip() or None)
    except SecretariatError as error:
        flash(error.message(_), "error")
    else:
        flash(_("Saved the shared details of {target}.").format(target=saved.target), "ok")
    return redirect(url_for("console.credentials.index", edition=edition_id))
