"""Encryption of joining details at rest, and their masked form for listings.

The Fernet key is derived from ``KENSHU_SECRET_KEY`` with HKDF, so operators
manage one secret of any length and the credentials key can never be used as
anything else (a different ``info`` gives a different key).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_INFO = b"kenshu-bot credentials v1"


def derived_fernet(secret_key: str, info: bytes) -> Fernet:
    """A Fernet keyed from ``KENSHU_SECRET_KEY`` for one use only: ``info`` names the use, so no key opens
    another use's data."""
    if not secret_key:
        raise ValueError("KENSHU_SECRET_KEY is empty")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@dataclass(frozen=True)
class JoinDetails:
    """What a trainee needs to join: any of URL, login ID and password/passcode."""

    url: str | None = None
    login_id: str | None = None
    password: str | None = None

    def is_empty(self) -> bool:
        return not (self.url or self.login_id or self.password)

    def masked(self) -> JoinDetails:
        return JoinDetails(mask(self.url), mask(self.login_id), mask(self.password))


def mask(value: str | None) -> str | None:
    """Enough to recognise a value in a listing, never enough to use it."""
    if not value:
        return value
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) <= 8:
        return value[0] + "*" * (len(value) - 1)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


class Cipher:
    """Encrypts and decrypts ``JoinDetails`` with the app's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._fernet = derived_fernet(secret_key, _KEY_INFO)

    def encrypt(self, details: JoinDetails) -> str:
        # vars(), not dataclasses.asdict(): asdict deep-copies every field and doubled the
        # time of a 100,000-row credentials import.
        return self._fernet.encrypt(json.dumps(vars(details)).encode()).decode()

    def opens(self, token: str) -> bool:
        """True when this key decrypts ``token`` (it was stored with the same key)."""
        try:
            self._fernet.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def decrypt(self, token: str) -> JoinDetails:
        """The stored details; ValueError when the key changed since they were stored, or when what decrypts
        is not details as this version stores them (callers handle one kind of error, and no message
        quotes what was stored)."""
        try:
            plain = self._fernet.decrypt(token.encode())
        except InvalidToken:
            raise ValueError("credentials cannot be decrypted: KENSHU_SECRET_KEY differs from the one used to store them") from None
        try:
            return JoinDetails(**json.loads(plain))
        except (ValueError, TypeError):  # not JSON, not an object, or fields this version does not know
            raise ValueError("credentials cannot be read: they decrypt, but not to details as this version "
                             "stores them") from None
