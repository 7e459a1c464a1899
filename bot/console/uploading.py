"""The console's import flow, shared by 名簿 and 受講案内: read the upload, show the report, then confirm.

The report comes back as a fragment to htmx (the upload form stays on the page)
and as a whole page to a browser without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template, request

from bot.knowledge import Edition
from bot.secretariat import uploads


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
