"""The console's optional two-step login: after the password, a 6-digit code from the clerk's phone (TOTP).

An administrator turns it on for their own account: a new key (pyotp's) is shown
once, as text and as an ``otpauth://`` URI for an authenticator app, and kept
encrypted (a Fernet key derived from ``KENSHU_SECRET_KEY`` for this use only)
until a first code proves the phone has it. From then on a right password is not
enough: ``staff.authenticate`` answers ``CodeNeeded`` and ``log_in_with_code``
finishes the login.

A code is accepted for its 30-second step and the step on either side (phones'
clocks drift), and never twice: the step of the last code accepted is stored,
and one conditional UPDATE accepts a code only if its step is later, so two
workers cannot both accept it. Wrong codes count in the login throttle like wrong
passwords, and the account's counter is cleared after the code, not after the
password (else a thief of the password could guess codes without end). An
administrator turns it off for a clerk who lost their phone. Each change and each
wrong code is audited; the key and the codes never are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot import clock
from bot.credentials.secrets import derived_fernet
from bot.db.tables import ConsoleRole, ConsoleUser
from bot.i18n import Gettext
from bot.secretariat import login_throttle
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.secretariat.staff import Clerk, LoginLocked, LoginRefused, NoSuchClerk, normalise_email
from bot.services import Services

ISSUER = "kenshu-bot"
DRIFT_STEPS = 1  # a code of the step before or after the current one is accepted too
_KEY_INFO = b"kenshu-bot console two-step v1"


@dataclass(eq=False)
class WrongCode(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("the code is wrong or was already used: enter the code your app shows now")


@dataclass(eq=False)
class AdministratorsOnly(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("two-step login is for administrator accounts")


@dataclass(eq=False)
class NoKeyWaiting(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("no new key is waiting for its first code: start the set-up again")


@dataclass(eq=False)
class KeyUnreadable(SecretariatError):
    """The stored key was encrypted under another ``KENSHU_SECRET_KEY``."""

    def message(self, _: Gettext) -> str:
        return _("this account's two-step key cannot be read (KENSHU_SECRET_KEY changed): "
                 "ask an administrator to turn two-step login off for it")


@dataclass(eq=False)
class AlreadyOn(SecretariatError):
    """A new key while one is in use would let a borrowed session swap the phone: turn it off first (with a code)."""

    def message(self, _: Gettext) -> str:
        return _("two-step login is already on for this account: turn it off with a code first")


@dataclass(eq=False)
class NoSuchAccount(SecretariatError):
    email: str

    def message(self, _: Gettext) -> str:
        return _("no console account for {email}").format(email=self.email)


@dataclass(frozen=True)
class NewKey:
    """What the clerk's authenticator app needs: the key as text and as an ``otpauth://`` URI."""

    key: str
    uri: str


def _fernet(services: Services) -> Fernet:
    return derived_fernet(services.secret_key, _KEY_INFO)


def _open(services: Services, sealed: str) -> str:
    try:
        return _fernet(services).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise KeyUnreadable() from None


def _user(session: Session, clerk_id: int) -> ConsoleUser:
    user = session.get(ConsoleUser, clerk_id)
    if user is None:
        raise NoSuchClerk(clerk_id)
    return user


def matching_step(key: str, code: str, at: datetime) -> int | None:
    """The time step whose code ``code`` is (within ``DRIFT_STEPS``), or None."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(key)
    now_step = totp.timecode(at)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def _use_step(session: Session, clerk_id: int, step: int) -> bool:
    """Mark ``step`` used; False when a code of this step or a later one was accepted before (a replay)."""
    result = session.execute(
        update(ConsoleUser)
        .where(ConsoleUser.id == clerk_id,
               or_(ConsoleUser.totp_last_step.is_(None), ConsoleUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def begin(services: Services, clerk_id: int) -> NewKey:
    """A new key for the clerk's own account, waiting for its first code (an earlier waiting key is replaced)."""
    key = pyotp.random_base32()
    with services.db.session() as session:
        user = _user(session, clerk_id)
        if user.role != ConsoleRole.ADMIN:
            raise AdministratorsOnly()
        if user.totp_secret is not None:
            raise AlreadyOn()
        user.totp_pending = _fernet(services).encrypt(key.encode()).decode()
        return NewKey(key, pyotp.TOTP(key).provisioning_uri(name=user.email, issuer_name=ISSUER))


def confirm(services: Services, actor: Actor, clerk_id: int, code: str) -> Clerk:
    """Turn two-step login on with the waiting key once ``code`` proves the phone has it.

    The account's other sessions end (they were opened with the password alone);
    the returned clerk carries the new session generation for the caller's own.
    """
    with services.db.session() as session:
        user = _user(session, clerk_id)
        if user.role != ConsoleRole.ADMIN:
            raise AdministratorsOnly()
        if user.totp_pending is None:
            raise NoKeyWaiting()
        step = matching_step(_open(services, user.totp_pending), code, clock.system_now())
        if step is None:
            record(session, actor, Action.TWO_STEP, user.email, "wrong code while turning on")
            session.commit()
            raise WrongCode()
        user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
        user.session_generation += 1
        record(session, actor, Action.TWO_STEP, user.email, "turned on")
        session.flush()
        return Clerk.of(user)


def turn_off_by_email(services: Services, actor: Actor, email: str) -> None:
    """``turn_off`` for the account of ``email`` (``kenshu console two-step-off``: when no administrator can log in)."""
    with services.db.session() as session:
        clerk_id = session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == normalise_email(email)))
    if clerk_id is None:
        raise NoSuchAccount(email)
    turn_off(services, actor, clerk_id)


def turn_off_own(services: Services, actor: Actor, clerk_id: int, code: str) -> None:
    """A clerk turning off their own two-step login: only with a current code from the phone, so
    a session left open on someone's desk cannot remove the second step (``WrongCode``, audited)."""
    with services.db.session() as session:
        user = _user(session, clerk_id)
        if user.totp_secret is None:
            return
        step = matching_step(_open(services, user.totp_secret), code, clock.system_now())
        if step is None or not _use_step(session, user.id, step):
            record(session, actor, Action.TWO_STEP, user.email, "wrong code while turning off")
            session.commit()
            raise WrongCode()
    turn_off(services, actor, clerk_id)


def turn_off(services: Services, actor: Actor, clerk_id: int) -> None:
    """Back to the password alone (an administrator, for a clerk who lost their phone or for themself)."""
    with services.db.session() as session:
        user = _user(session, clerk_id)
        if user.totp_secret is None and user.totp_pending is None:
            return
        user.totp_secret = user.totp_pending = user.totp_last_step = None
        record(session, actor, Action.TWO_STEP, user.email,
               "turned off" if actor.name == user.email else "turned off by an administrator")


def log_in_with_code(services: Services, clerk_id: int, generation: int, code: str, address: str | None) -> Clerk:
    """The login's second step, after ``staff.authenticate`` answered ``CodeNeeded`` for this account.

    ``LoginLocked`` while the throttle holds the account or the address; ``LoginRefused``
    if the account changed since its password was checked (deactivated, logged out
    everywhere, two-step turned off); ``WrongCode`` (counted and audited) otherwise.
    """
    now = clock.now()
    with services.db.session() as session:
        # One attempt at a time per account: this write takes the account's row lock (PostgreSQL) or the
        # database's write lock (SQLite) until the attempt is counted, so a burst of parallel guesses
        # cannot all read the throttle before any of them is counted.
        session.execute(update(ConsoleUser).where(ConsoleUser.id == clerk_id)
                        .values(session_generation=ConsoleUser.session_generation))
        user = session.get(ConsoleUser, clerk_id, populate_existing=True)
        if user is None or not user.active or user.session_generation != generation or user.totp_secret is None:
            raise LoginRefused()
        subjects = [login_throttle.account_subject(user.email), login_throttle.address_subject(address)]
        actor = Actor(user.email, address)
        until = login_throttle.locked_until(session, subjects, now)
        if until is not None:
            record(session, actor, Action.LOGIN_FAILED, user.email, "locked")
            session.commit()
            raise LoginLocked(until)
        step = matching_step(_open(services, user.totp_secret), code, clock.system_now())
        if step is None or not _use_step(session, user.id, step):
            login_throttle.count_failure(session, subjects, now)
            record(session, actor, Action.LOGIN_FAILED, user.email, "wrong code" if step is None else "code reused")
            session.commit()
            raise WrongCode()
        login_throttle.clear(session, subjects[0])
        user.last_login_at = now
        record(session, actor, Action.LOGIN, user.email, "with two-step code")
        return Clerk.of(user)
