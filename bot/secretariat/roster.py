"""The applicant roster: import with a report by line, link codes for a mail merge, reissue a code.

The roster's own rules (columns, encodings, what a row needs) are in
``bot.roster``; these are the requests a clerk makes of it for one edition.
``MissingColumnsError`` and ``RosterFileError`` from ``bot.roster`` pass through
unchanged: they already carry what a message needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import clock
from bot.db.tables import Enrolment
from bot.i18n import Gettext
from bot.roster import ImportReport, codes_csv, import_roster
from bot.roster.batches import Progress
from bot.secretariat.editions import find_edition
from bot.secretariat.errors import SecretariatError
from bot.services import Services
from bot.trainees import linking


@dataclass(eq=False)
class NoSuchApplication(SecretariatError):
    edition_id: str
    application_no: str

    def message(self, _: Gettext) -> str:
        return _("no application {number} in {edition}").format(number=self.application_no, edition=self.edition_id)


@dataclass(frozen=True)
class CodesExport:
    """The link-code list as CSV text (UTF-8 with a BOM, for Excel) and how many rows it has."""

    text: str
    rows: int


@dataclass(frozen=True)
class ReissuedCode:
    application_no: str
    code: str  # as shown to people (``ABCDE-23456``)
    valid_until: datetime  # Japan time


def import_file(services: Services, edition_id: str, data: bytes, *,
                code_valid_days: int = linking.LINK_CODE_VALID_DAYS, dry_run: bool = False,
                progress: Progress | None = None) -> ImportReport:
    """Import the valid rows of a roster file (or, with ``dry_run``, only report) and say what happened."""
    edition = find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        return import_roster(session, edition, data, clock.now(), valid_days=code_valid_days, dry_run=dry_run,
                             progress=progress)


def export_codes(services: Services, edition_id: str, _: Gettext) -> CodesExport:
    """The edition's link codes for a mail merge, headed and worded in the clerk's language."""
    edition = find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        text, rows = codes_csv(session, edition, clock.now(), _)
    return CodesExport(text, rows)


def reissue(services: Services, edition_id: str, application_no: str,
            code_valid_days: int = linking.LINK_CODE_VALID_DAYS) -> ReissuedCode:
    """Unlink one application and give it a new link code (to relink a trainee)."""
    edition = find_edition(services.knowledge, edition_id)
    now = clock.now()
    with services.db.session() as session:
        enrolment = session.scalar(select(Enrolment).where(
            Enrolment.edition_id == edition.id, Enrolment.application_no == application_no))
        if enrolment is None:
            raise NoSuchApplication(edition.id, application_no)
        code = linking.reissue(session, enrolment, now, code_valid_days)
    return ReissuedCode(application_no, linking.display_code(code), now + timedelta(days=code_valid_days))
