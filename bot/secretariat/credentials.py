"""Joining details (URL, ID, password): import the personal ones, set the shared ones, list them masked.

Nothing here returns a usable secret: results carry the details masked, so a
listing on a screen or in a terminal cannot be used to join, and no password is
shown again once imported, to anyone. Imports and changes are written to the
audit log (what and how many, never a detail). The console imports in two steps,
as for the roster (``UPLOADS``): a report while the file is held (encrypted,
``bot.secretariat.uploads``), then the import when the clerk confirms. The cipher is the
app's (``Services.cipher``, from ``KENSHU_SECRET_KEY``); a row stored with another key is
listed as unreadable, never shown garbled, so the clerk sees which one to set again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.credentials.importer import CredentialsReport, import_credentials
from bot.credentials.key_fingerprint import KeyMismatch, confirm_key
from bot.credentials.secrets import JoinDetails
from bot.credentials.store import ANY_TARGET, known_targets
from bot.credentials.store import set_shared as store_shared
from bot.db.tables import Enrolment, PersonalCredential, SharedCredential
from bot.i18n import Gettext
from bot.roster.batches import Progress
from bot.secretariat import uploads
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.editions import find_edition
from bot.secretariat.errors import SecretariatError
from bot.services import Services

@dataclass(eq=False)
class UnknownTarget(SecretariatError):
    edition_id: str
    target: str

    def message(self, _: Gettext) -> str:
        return _("unknown target {target} for {edition} (use on-demand, a live stream, session or course id, "
                 "or * for the whole edition)").format(target=self.target, edition=self.edition_id)


@dataclass(eq=False)
class WrongSecretKey(SecretariatError):
    """KENSHU_SECRET_KEY is not this database's key (the check at start was skipped): nothing is written."""

    def message(self, _: Gettext) -> str:
        return _("KENSHU_SECRET_KEY is not the key this database was set up with; stopping before "
                 "writing anything (set the right key; to change keys, see `kenshu forget-secret-key`)")


@dataclass(eq=False)
class NoDetails(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("give at least a URL, an ID or a password")


@dataclass(frozen=True)
class MaskedCredential:
    """One stored set of details as a listing shows it: masked, with whose it is."""

    target: str
    tool: str | None
    details: JoinDetails | None  # masked; None: stored under another key, unreadable (set or import them again)
    application_no: str | None = None  # None: shared by everyone the target covers
    linked: bool = False  # personal details only: the application is linked to a LINE account

    @property
    def unreadable(self) -> bool:
        return self.details is None


@dataclass(frozen=True)
class CredentialsListing:
    shared: list[MaskedCredential]
    personal: list[MaskedCredential]
    personal_total: int  # all personal details of the edition (``personal`` may be one page of them)


def import_file(services: Services, actor: Actor, edition_id: str, data: bytes, *,
                dry_run: bool = False, progress: Progress | None = None, filename: str = "") -> CredentialsReport:
    """Import personal details from the secretariat's CSV (``RosterFileError`` when it cannot be read)."""
    edition = find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        _confirm_key(services, session)
        report = import_credentials(session, services.cipher, edition, data, dry_run=dry_run, progress=progress)
        if not dry_run:
            record(session, actor, Action.IMPORT, f"joining details {edition.id}",
                   f"{filename} {report.rows_read} rows: {report.added} added, {report.updated} updated, "
                   f"{len({problem.line for problem in report.problems})} rejected".strip())
        return report


def _confirm_key(services: Services, session: Session) -> None:
    """Before any detail is written: the key must be this database's, whether or not the start could check it."""
    try:
        confirm_key(session, services.secret_key, services.cipher)
    except KeyMismatch:
        raise WrongSecretKey() from None


UPLOADS = uploads.TwoStepImport("credentials", import_file, lambda report: report.added + report.updated)


def check_target(services: Services, edition_id: str, target: str) -> None:
    """Refuse an edition or a target details cannot be set for (before asking for a password)."""
    if target not in known_targets(find_edition(services.knowledge, edition_id)):
        raise UnknownTarget(edition_id, target)


def set_shared(services: Services, actor: Actor, edition_id: str, details: JoinDetails,
               target: str = ANY_TARGET, tool: str | None = None) -> MaskedCredential:
    """Set the details everyone a target covers shares (one Zoom link for a live stream)."""
    check_target(services, edition_id, target)
    if details.is_empty():
        raise NoDetails()
    with services.db.session() as session:
        _confirm_key(services, session)
        store_shared(session, services.cipher, edition_id, target, details, tool)
        record(session, actor, Action.DETAILS_CHANGE, f"shared {edition_id} {target}",
               ", ".join(name for name, value in vars(details).items() if value) + " set")
    return MaskedCredential(target, tool, details.masked())


def list_masked(services: Services, edition_id: str, page: int | None = None, per_page: int = 50,
                ) -> CredentialsListing:
    """The stored details of an edition, masked; shared first, then personal by application number.

    ``page`` limits the personal ones to one page (counted and paged by SQL); without it, all of them.
    A row that does not decrypt is listed with ``details`` None: the one a reminder
    would fail to send, so the clerk knows what to import or set again.
    """
    find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        shared = session.scalars(select(SharedCredential).filter_by(edition_id=edition_id)
                                 .order_by(SharedCredential.target)).all()
        of_edition = select(PersonalCredential, Enrolment).join(Enrolment).where(Enrolment.edition_id == edition_id)
        total = session.scalar(select(func.count()).select_from(of_edition.subquery())) or 0
        ordered = of_edition.order_by(Enrolment.application_no, PersonalCredential.target)
        if page is not None:
            ordered = ordered.offset((max(1, page) - 1) * per_page).limit(per_page)
        personal = session.execute(ordered).all()
        return CredentialsListing(
            shared=[MaskedCredential(row.target, row.tool, _masked(services, row.secret)) for row in shared],
            personal=[MaskedCredential(credential.target, credential.tool, _masked(services, credential.secret),
                                       enrolment.application_no, enrolment.user_id is not None)
                      for credential, enrolment in personal],
            personal_total=total,
        )


def _masked(services: Services, secret: str) -> JoinDetails | None:
    """The details masked, or None when they do not decrypt (stored under another key): listed, not hidden."""
    try:
        return services.cipher.decrypt(secret).masked()
    except ValueError:
        return None
