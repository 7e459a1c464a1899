"""The console's import flow, shared by 名簿 and 受講案内: read the upload, show the report, then confirm.

The report comes back as a fragment to htmx (the upload form stays on the page)
and as a whole page to a browser without JavaScript. Both pages register the
same three routes (``add_import_routes``) over their use case's ``TwoStepImport``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bot.console import editions, layout
from bot.console.security import SENDERS, actor, requires
from bot.i18n import Gettext
from bot.knowledge import Edition
from bot.roster import MissingColumnsError, RosterFileError
from bot.secretariat import uploads
from bot.secretariat.errors import SecretariatError
from bot.secretariat.uploads import Report, TwoStepImport
from bot.services import Services


def uploaded_file() -> tuple[str, bytes] | None:
    """The name and bytes of the form's ``file`` (one byte over the limit, so the use case can refuse it)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(uploads.MAX_UPLOAD_BYTES + 1)


def render_report(page_endpoint: str, title: str, edition: Edition, *, error: str | None = None,
                  problems: Sequence[str] = (), lines: Sequence[str] = (), token: str | None = None,
                  count: int = 0, filename: str = "", confirmed: bool = False) -> str:
    """The report of an upload (before or after its import), or why the file could not be read."""
    template = "console/upload_report.html" if request.headers.get("HX-Request") and not confirmed else \
        "console/upload_report_page.html"
    return render_template(template, page_endpoint=page_endpoint, title=title, edition=edition, error=error,
                           problems=problems, lines=lines, token=token, count=count, filename=filename,
                           confirmed=confirmed)


@dataclass(frozen=True)
class ImportPage(Generic[Report]):
    """What differs between the pages that import a file: their use case and how their reports read."""

    endpoint: str  # the page's blueprint ("console.roster"), where cancel and failures lead back
    title: Callable[[Gettext], str]
    flow: TwoStepImport[Report]
    # A report as (problems, the other lines), worded for the clerk.
    report_texts: Callable[[Report, Gettext, bool], tuple[Sequence[str], Sequence[str]]]
    missing_columns: Callable[[MissingColumnsError, Gettext], str]

    def report(self, edition: Edition, report: Report, token: str | None = None, filename: str = "",
               confirmed: bool = False) -> str:
        problems, lines = self.report_texts(report, layout.gettext(), not confirmed)
        return render_report(self.endpoint, self.title(layout.gettext()), edition, problems=problems, lines=lines,
                             token=token, count=self.flow.changes(report), filename=filename, confirmed=confirmed)

    def failure(self, edition: Edition, message: str, status: int) -> tuple[str, int]:
        return render_report(self.endpoint, self.title(layout.gettext()), edition, error=message), status


def add_import_routes(bp: Blueprint, page: ImportPage) -> None:
    """``check`` (report, hold), ``confirm`` (import the held file) and ``cancel`` (drop it) on ``bp``.

    閲覧のみ clerks may check a file and read its report; confirming needs 配信担当
    or 管理者, checked here on the server (and nothing is held for a viewer).
    """

    @bp.post("/check")
    def check() -> str | tuple[str, int]:
        """Report, line by line and never with a cell's value, what importing the file would do."""
        _ = layout.gettext()
        edition = editions.chosen()
        upload = uploaded_file()
        if upload is None:
            return page.failure(edition, _("Choose a CSV file."), 400)
        filename, data = upload
        try:
            checked = page.flow.check(Services.current(), actor(), edition.id, data, filename,
                                      may_import=current_user.may(*SENDERS))
        except MissingColumnsError as error:
            return page.failure(edition, page.missing_columns(error, _), 422)
        except RosterFileError as error:
            return page.failure(edition, _("Cannot read the file ({error}); nothing imported.").format(error=error),
                                422)
        except SecretariatError as error:
            return page.failure(edition, error.message(_), 422)
        return page.report(edition, checked.report, checked.token, filename)

    @bp.post("/confirm")
    @requires(*SENDERS)
    def confirm() -> str | Response:
        """Import the file the clerk has just read the report of."""
        try:
            edition_id, report = page.flow.import_held(Services.current(), actor(), request.form.get("token", ""))
        except SecretariatError as error:
            flash(error.message(layout.gettext()), "error")
            return redirect(url_for(f"{page.endpoint}.index", edition=editions.chosen().id))
        return page.report(Services.current().knowledge.editions[edition_id], report, confirmed=True)

    @bp.post("/cancel")
    def cancel() -> Response:
        uploads.drop(Services.current(), request.form.get("token", ""), actor().name)
        flash(layout.gettext()("Nothing was imported."), "ok")
        return redirect(url_for(f"{page.endpoint}.index", edition=editions.chosen().id))
