"""The fingerprint of ``KENSHU_SECRET_KEY``, stored once, so a process with another key stops at once.

A wrong key used to go unnoticed until a reminder could not decrypt the joining
details it was to send; worse, ``credentials set-shared`` under the wrong key
stored details that the right key could not read. The first process stores a
fingerprint of its key (a value derived from the key with HKDF under a purpose of
its own, from which the key cannot be recovered, and which no other use of the key
produces); every later process compares its own at start, and again in the
transaction of any write of details (``confirm_key``).

A database that already holds details from before the fingerprint existed is
checked against them instead: the fingerprint is stored only if the key opens them.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import system_now
from bot.credentials.secrets import Cipher
from bot.db import Database
from bot.db.tables import PersonalCredential, Setting, SharedCredential

SETTING = "secret_key_fingerprint"
_INFO = b"kenshu-bot secret key fingerprint v1"


class KeyMismatch(RuntimeError):
    """The key is not the one this database's details (and fingerprint) were made with."""


def fingerprint(secret_key: str) -> str:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode()).hex()


def check_secret_key(db: Database, secret_key: str, cipher: Cipher) -> None:
    """Raise ``KeyMismatch`` unless ``secret_key`` is this database's key; the first use stores it.

    Does nothing on a database not yet migrated to the settings table (``kenshu db
    upgrade`` is about to create it; the next process stores the fingerprint).
    """
    with db.session() as session:
        if not inspect(session.connection()).has_table(Setting.__tablename__):
            return
        confirm_key(session, secret_key, cipher)


def confirm_key(session: Session, secret_key: str, cipher: Cipher) -> None:
    """In the caller's transaction: raise ``KeyMismatch`` unless ``secret_key`` is this database's key.

    Whatever writes encrypted details calls it first, in the transaction that writes
    them: the check at start is skipped when the database does not answer then, and a
    process started with the wrong key would otherwise store details no other process
    can read (or replace readable ones with them). Stores the fingerprint on first use.
    """
    mine = fingerprint(secret_key)
    # Shared-locked until this transaction ends: ``forget_secret_key`` cannot delete the fingerprint and the
    # details between this check and this transaction's writes (PostgreSQL; SQLite writes one at a time).
    stored = session.get(Setting, SETTING, with_for_update={"read": True})
    if stored is not None:
        if stored.value != mine:
            raise KeyMismatch()
        return
    sample = (session.scalar(select(SharedCredential.secret).limit(1))
              or session.scalar(select(PersonalCredential.secret).limit(1)))
    if sample is not None and not cipher.opens(sample):
        raise KeyMismatch()
    try:
        with session.begin_nested():
            session.add(Setting(name=SETTING, value=mine, updated_at=system_now()))
    except IntegrityError:  # another process stored one first: it must be ours too
        if session.get(Setting, SETTING, populate_existing=True).value != mine:  # type: ignore[union-attr]
            raise KeyMismatch() from None


def forget_secret_key(db: Database) -> tuple[int, int]:
    """For a deliberate change of key: delete every stored detail and the fingerprint.

    Details stored under the old key cannot be read with a new one; the clerks
    import and set them again. Returns how many (shared, personal) were deleted.
    """
    with db.session() as session:
        # The fingerprint first: it waits for any transaction still writing details under the old key.
        session.execute(delete(Setting).where(Setting.name == SETTING))
        shared = session.execute(delete(SharedCredential)).rowcount
        personal = session.execute(delete(PersonalCredential)).rowcount
    return shared, personal
