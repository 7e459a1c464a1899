"""The link-code list for the secretariat's mail merge.

Written by ``bot.roster.spreadsheet`` (UTF-8 with a BOM, formula-leading cells
neutralised: the names come from a public form). Headers are Japanese, for the clerks.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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


class LinkState(StrEnum):
    """Where an application stands with its LINE link."""

    LINKED = "linked"
    USED = "used"  # was linked and unlinked since: the code is spent
    EXPIRED = "expired"
    WAITING = "waiting"  # the code is valid and not used yet


def link_state(enrolment: Enrolment, now: datetime) -> LinkState:
    if enrolment.user_id is not None:
        return LinkState.LINKED
    if enrolment.linked_at is not None:
        return LinkState.USED
    if enrolment.link_code_expires_at is not None and enrolment.link_code_expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.WAITING


def state_label(state: LinkState, _: Gettext) -> str:
    return {
        LinkState.LINKED: _("linked"),
        LinkState.USED: _("used (reissue to relink)"),
        LinkState.EXPIRED: _("expired"),
        LinkState.WAITING: _("not linked yet"),
    }[state]


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
            state_label(link_state(enrolment, now), _),
        ])
    return excel_csv(table), len(rows)
