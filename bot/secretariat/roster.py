"""The applicant roster: import with a report by line, link codes for a mail merge, reissue or unlink.

The roster's own rules (columns, encodings, what a row needs) are in
``bot.roster``; these are the requests a clerk makes of it for one edition,
from ``kenshu roster`` or the console. ``MissingColumnsError`` and
``RosterFileError`` from ``bot.roster`` pass through unchanged: they already
carry what a message needs. Every change and export is written to the audit log.

The console imports in two steps (``UPLOADS``, ``bot.secretariat.uploads``): a
report of what the file would do while the file is held, then the import when
the clerk confirms. Both run ``import_file``, the command's own import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import Enrolment
from bot.i18n import Gettext
from bot.roster import ImportReport, codes_csv, import_roster
from bot.roster.batches import Progress
from bot.roster.codes import LinkState, link_state
from bot.secretariat import uploads
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.editions import find_edition
from bot.secretariat.errors import SecretariatError
from bot.secretariat.searching import contains, page_count
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


@dataclass(frozen=True)
class Application:
    """One row of the roster as the console lists it (no link code: that goes out by mail merge)."""

    application_no: str
    name: str
    course_id: str | None
    state: LinkState
    code_valid_until: datetime | None


@dataclass(frozen=True)
class ApplicationsPage:
    applications: list[Application]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def _summary(report: ImportReport) -> str:
    return (f"{report.rows_read} rows: {len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unlinked)} unlinked, {len(report.rejected_lines)} rejected")


def import_file(services: Services, actor: Actor, edition_id: str, data: bytes, *,
                code_valid_days: int = linking.LINK_CODE_VALID_DAYS, dry_run: bool = False,
                progress: Progress | None = None, filename: str = "") -> ImportReport:
    """Import the valid rows of a roster file (or, with ``dry_run``, only report) and say what happened."""
    edition = find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        report = import_roster(session, edition, data, clock.now(), valid_days=code_valid_days, dry_run=dry_run,
                               progress=progress)
        if not dry_run:
            record(session, actor, Action.IMPORT, f"roster {edition.id}", f"{filename} {_summary(report)}".strip())
        return report


UPLOADS = uploads.TwoStepImport("roster", import_file, lambda report: len(report.added) + len(report.updated))


def export_codes(services: Services, actor: Actor, edition_id: str, _: Gettext) -> CodesExport:
    """The edition's link codes for a mail merge, headed and worded in the clerk's language."""
    edition = find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        text, rows = codes_csv(session, edition, clock.now(), _)
        record(session, actor, Action.EXPORT, f"link codes {edition.id}", f"{rows} rows")
    return CodesExport(text, rows)


def _enrolment(services: Services, session: Session, edition_id: str, application_no: str) -> Enrolment:
    edition = find_edition(services.knowledge, edition_id)
    enrolment = session.scalar(select(Enrolment).where(
        Enrolment.edition_id == edition.id, Enrolment.application_no == application_no))
    if enrolment is None:
        raise NoSuchApplication(edition.id, application_no)
    return enrolment


def reissue(services: Services, actor: Actor, edition_id: str, application_no: str,
            code_valid_days: int = linking.LINK_CODE_VALID_DAYS) -> ReissuedCode:
    """Unlink one application and give it a new link code (to relink a trainee)."""
    now = clock.now()
    with services.db.session() as session:
        enrolment = _enrolment(services, session, edition_id, application_no)
        code = linking.reissue(session, enrolment, now, code_valid_days)
        record(session, actor, Action.LINK_CHANGE, f"{edition_id} {application_no}", "new code issued")
    return ReissuedCode(application_no, linking.display_code(code), now + timedelta(days=code_valid_days))


def unlink(services: Services, actor: Actor, edition_id: str, application_no: str) -> bool:
    """End an application's LINE link (its code stays spent: relinking needs ``reissue``); False if not linked."""
    with services.db.session() as session:
        enrolment = _enrolment(services, session, edition_id, application_no)
        if enrolment.user_id is None:
            return False
        enrolment.user_id = None
        record(session, actor, Action.LINK_CHANGE, f"{edition_id} {application_no}", "unlinked")
        return True


def applications(services: Services, edition_id: str, page: int = 1, per_page: int = 50,
                 search: str = "") -> ApplicationsPage:
    """One page of an edition's applications by number, with their link state (counted and paged by SQL)."""
    edition = find_edition(services.knowledge, edition_id)
    page = max(1, page)
    where = [Enrolment.edition_id == edition.id]
    now = clock.now()
    with services.db.session() as session:
        if text := search.strip():
            dialect = session.get_bind().dialect.name
            where.append(or_(contains(Enrolment.application_no, text, dialect),
                             contains(Enrolment.name, text, dialect)))
        total = session.scalar(select(func.count()).select_from(Enrolment).where(*where)) or 0
        rows = session.scalars(select(Enrolment).where(*where).order_by(Enrolment.application_no)
                               .offset((page - 1) * per_page).limit(per_page)).all()
        return ApplicationsPage(
            [Application(row.application_no, row.name, row.course_id, link_state(row, now), row.link_code_expires_at)
             for row in rows],
            total, page, per_page)
