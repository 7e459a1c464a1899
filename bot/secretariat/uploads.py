"""Uploaded files held between their report and the clerk's confirmation (the console's import flow).

A clerk uploads a CSV, reads the report of a dry run, and only then imports. The
file waits in the database (not in the session cookie, not on one web worker's
disk), encrypted: a joining-details file holds passwords. The key is derived from
``KENSHU_SECRET_KEY`` with its own HKDF label, so it opens nothing else. Only
the clerk who uploaded a file may import or drop it, and a file not confirmed
within ``HELD_FOR`` is dropped by the next upload of anyone.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete

from bot import clock
from bot.db.tables import HeldUpload
from bot.i18n import Gettext
from bot.secretariat.audit import Actor
from bot.secretariat.errors import SecretariatError
from bot.services import Services

HELD_FOR = timedelta(hours=1)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 100,000 roster rows are about 10 MB
_KEY_INFO = b"kenshu-bot held uploads v1"


@dataclass(eq=False)
class UploadGone(SecretariatError):
    """The held file is not there any more: confirmed already, dropped, expired, or someone else's."""

    def message(self, _: Gettext) -> str:
        return _("this upload is no longer waiting (already imported, cancelled or older than an hour): "
                 "upload the file again")


@dataclass(eq=False)
class UploadTooLarge(SecretariatError):
    limit: int = MAX_UPLOAD_BYTES

    def message(self, _: Gettext) -> str:
        return _("the file is larger than {megabytes} MB").format(megabytes=self.limit // (1024 * 1024))


@dataclass(frozen=True)
class Held:
    """A held file as its confirmation needs it."""

    token: str
    kind: str
    edition_id: str
    filename: str
    data: bytes


def _fernet(services: Services) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(services.secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def refuse_too_large(data: bytes) -> None:
    """``UploadTooLarge`` before any work is done on a file over ``MAX_UPLOAD_BYTES``."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(MAX_UPLOAD_BYTES)


def hold(services: Services, kind: str, edition_id: str, owner: str, filename: str, data: bytes) -> str:
    """Keep ``data`` until its owner confirms or drops it; the token their confirmation carries."""
    refuse_too_large(data)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with services.db.session() as session:
        session.execute(delete(HeldUpload).where(HeldUpload.held_at < now - HELD_FOR))
        session.add(HeldUpload(token=token, kind=kind, edition_id=edition_id, owner=owner, filename=filename[:200],
                               sealed=_fernet(services).encrypt(data).decode(), held_at=now))
    return token


def take(services: Services, token: str, kind: str, owner: str) -> Held:
    """The held file (removed from the store: a confirmation imports it once); ``UploadGone`` otherwise."""
    with services.db.session() as session:
        row = session.get(HeldUpload, token)
        if row is None or row.kind != kind or row.owner != owner or row.held_at < clock.now() - HELD_FOR:
            raise UploadGone()
        session.delete(row)
        try:
            data = _fernet(services).decrypt(row.sealed.encode())
        except InvalidToken:  # KENSHU_SECRET_KEY changed since the upload
            raise UploadGone() from None
        return Held(row.token, row.kind, row.edition_id, row.filename, data)


def drop(services: Services, token: str, owner: str) -> None:
    """Forget a held file without importing it."""
    with services.db.session() as session:
        session.execute(delete(HeldUpload).where(HeldUpload.token == token, HeldUpload.owner == owner))


Report = TypeVar("Report")


class ImportsFile(Protocol[Report]):
    """A use case's import of one CSV file into an edition (the command's own), with or without writing."""

    def __call__(self, services: Services, actor: Actor, edition_id: str, data: bytes, *, dry_run: bool = False,
                 filename: str = "") -> Report: ...


@dataclass(frozen=True)
class CheckedUpload(Generic[Report]):
    """A file's report before anything is imported; ``token`` names the held file (None: nothing to confirm)."""

    report: Report
    token: str | None


@dataclass(frozen=True)
class TwoStepImport(Generic[Report]):
    """One kind of file the console imports in two steps: report and hold, then import on confirmation.

    Both steps run the command's own ``import_file`` (first as a dry run), so the
    console and ``kenshu`` cannot disagree on what a file does; ``changes`` counts
    what a report would write, and a file that writes nothing is not held.
    """

    kind: str
    import_file: ImportsFile[Report]
    changes: Callable[[Report], int]

    def check(self, services: Services, owner: Actor, edition_id: str, data: bytes, filename: str,
              may_import: bool) -> CheckedUpload[Report]:
        """What importing the file would do; held for ``import_held`` when ``may_import`` and it changes something."""
        refuse_too_large(data)
        report = self.import_file(services, owner, edition_id, data, dry_run=True)
        if not (may_import and self.changes(report)):
            return CheckedUpload(report, None)
        return CheckedUpload(report, hold(services, self.kind, edition_id, owner.name, filename, data))

    def import_held(self, services: Services, actor: Actor, token: str) -> tuple[str, Report]:
        """Import a file ``check`` held for this clerk: its edition and the report of the import itself."""
        held = take(services, token, self.kind, actor.name)
        return held.edition_id, self.import_file(services, actor, held.edition_id, held.data, filename=held.filename)
