"""The link-code list for the secretariat's mail merge.

Written by ``bot.roster.spreadsheet`` (UTF-8 with a BOM, formula-leading cells
neutralised: the names come from a public form). Headers are Japanese, for the clerks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import JST
from bot.db.tables import Enrolment
from bot.i18n import Gettext
from bot.knowledge import Edition
from bot.roster.spreadsheet import excel_csv
from bot.trainees import linking


def enrolments(session: Session, edition_id: str) -> list[Enrolment]:
    return list(
        session.scalars(select(Enrolment).where(Enrolment.edition_id == edition_id).order_by(Enrolment.application_no))
    )


def _status(enrolment: Enrolment, now: datetime, _: Gettext) -> str:
    if enrolment.user_id is not None:
        return _("linked")
    if enrolment.linked_at is not None:
        return _("used (reissue to relink)")
    if enrolment.link_code_expires_at is not None and enrolment.link_code_expires_at <= now:
        return _("expired")
    return _("not linked yet")


def codes_csv(session: Session, edition: Edition, now: datetime, _: Gettext) -> tuple[str, int]:
    """The CSV text (with BOM) and how many rows it has."""
    table = [[_("Application no."), _("Name"), _("E-mail"), _("Course"), _("Link code"),
              _("Message to send"), _("Valid until"), _("Status")]]
    rows = enrolments(session, edition.id)
    for enrolment in rows:
        course = edition.course(enrolment.course_id) if enrolment.course_id else None
        code = linking.display_code(enrolment.link_code) if enrolment.link_code else ""
        expires = enrolment.link_code_expires_at
        table.append([
            enrolment.application_no,
            enrolment.name,
            enrolment.email,
            course.name.ja if course else "",
            code,
            _("link {code}").format(code=code) if code else "",
            expires.astimezone(JST).strftime("%Y-%m-%d") if expires else "",
            _status(enrolment, now, _),
        ])
    return excel_csv(table), len(rows)
