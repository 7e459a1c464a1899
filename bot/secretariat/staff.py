"""The console's accounts: created, checked at login, changed by an administrator, ended everywhere.

Passwords are hashed with Argon2id (argon2-cffi's defaults) and never stored,
logged or shown. A login is refused while the account or the address is locked
by ``login_throttle``, before the password is even checked. Every change here is
written to the audit log in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import ConsoleRole, ConsoleUser
from bot.i18n import Gettext
from bot.secretariat import login_throttle
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.services import Services

MIN_PASSWORD_CHARS = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def role_label(role: str, _: Gettext) -> str:
    """The role as LINE Official Account Manager names it."""
    return {ConsoleRole.ADMIN: _("Administrator"), ConsoleRole.SENDER: _("Sender"),
            ConsoleRole.VIEWER: _("Viewer")}.get(role, role)


@dataclass(frozen=True)
class Clerk:
    """A console account as the console needs it (no hash)."""

    id: int
    email: str
    role: str
    active: bool
    session_generation: int
    locale: str
    line_linked: bool
    created_at: datetime
    last_login_at: datetime | None
    two_step: bool  # a code from the clerk's phone is asked after the password (``two_step``)

    @classmethod
    def of(cls, row: ConsoleUser) -> Clerk:
        return cls(row.id, row.email, row.role, row.active, row.session_generation, row.locale,
                   row.line_user_id is not None, row.created_at, row.last_login_at, row.totp_secret is not None)


@dataclass(eq=False)
class InvalidEmail(SecretariatError):
    email: str

    def message(self, _: Gettext) -> str:
        return _("{email} is not an e-mail address").format(email=self.email)


@dataclass(eq=False)
class EmailTaken(SecretariatError):
    email: str

    def message(self, _: Gettext) -> str:
        return _("an account for {email} already exists").format(email=self.email)


@dataclass(eq=False)
class WeakPassword(SecretariatError):
    minimum: int = MIN_PASSWORD_CHARS

    def message(self, _: Gettext) -> str:
        return _("the password needs at least {minimum} characters").format(minimum=self.minimum)


@dataclass(eq=False)
class UnknownRole(SecretariatError):
    role: str

    def message(self, _: Gettext) -> str:
        return _("unknown role {role}: use admin, sender or viewer").format(role=self.role)


@dataclass(eq=False)
class NoSuchClerk(SecretariatError):
    clerk_id: int

    def message(self, _: Gettext) -> str:
        return _("no console user #{id}").format(id=self.clerk_id)


@dataclass(eq=False)
class LastAdministrator(SecretariatError):
    """Demoting or deactivating the last active administrator would lock everyone out of user management."""

    def message(self, _: Gettext) -> str:
        return _("this is the last active administrator; add another first")


@dataclass(eq=False)
class LoginRefused(SecretariatError):
    """Wrong e-mail or password (which one is not said)."""

    def message(self, _: Gettext) -> str:
        return _("the e-mail address or the password is wrong")


@dataclass(eq=False)
class LoginLocked(SecretariatError):
    until: datetime

    def message(self, _: Gettext) -> str:
        until = self.until.astimezone(clock.JST)
        return _("too many wrong passwords: try again after {time}").format(time=f"{until:%H:%M}")


class CodeNeeded(Exception):
    """The password is right and the account has two-step login: ``two_step.log_in_with_code`` finishes the login.

    An exception, not a return value, so a caller that knows nothing of two-step
    login can never log the clerk in on the password alone.
    """

    def __init__(self, clerk_id: int, generation: int, locale: str) -> None:
        super().__init__(clerk_id)
        self.clerk_id = clerk_id
        self.generation = generation
        self.locale = locale  # the code's page speaks the clerk's language


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_new(email: str, password: str, role: str) -> str:
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise InvalidEmail(email)
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword()
    if role not in set(ConsoleRole):
        raise UnknownRole(role)
    return email


def create_user(services: Services, actor: Actor, email: str, password: str, role: str) -> Clerk:
    """A new console account (the first administrator from the command line, the rest from the console)."""
    email = _check_new(email, password, role)
    with services.db.session() as session:
        if session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == email)) is not None:
            raise EmailTaken(email)
        user = ConsoleUser(email=email, password_hash=_hasher.hash(password), role=role, created_at=clock.now())
        session.add(user)
        session.flush()
        record(session, actor, Action.USER_CHANGE, email, f"created ({role})")
        return Clerk.of(user)


def authenticate(services: Services, email: str, password: str, address: str | None) -> Clerk:
    """The account whose password this is; ``LoginLocked`` or ``LoginRefused`` otherwise (both audited).

    ``CodeNeeded`` when the account has two-step login: the throttle's count stands until the code is right.
    """
    email = normalise_email(email)
    now = clock.now()
    subjects = [login_throttle.account_subject(email), login_throttle.address_subject(address)]
    actor = Actor(email, address)
    with services.db.session() as session:
        until = login_throttle.locked_until(session, subjects, now)
        if until is not None:
            record(session, actor, Action.LOGIN_FAILED, email, "locked")
            session.commit()  # the entry stays though the login is refused
            raise LoginLocked(until)
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == email))
        if user is None or not user.active or not _verify(user.password_hash, password):
            if user is None:
                _verify(_DUMMY_HASH, password)
            login_throttle.count_failure(session, subjects, now)
            record(session, actor, Action.LOGIN_FAILED, email)
            session.commit()
            raise LoginRefused()
        if user.totp_secret is not None:
            raise CodeNeeded(user.id, user.session_generation, user.locale)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        login_throttle.clear(session, subjects[0])
        user.last_login_at = now
        record(session, actor, Action.LOGIN, email)
        return Clerk.of(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_clerk(services: Services, clerk_id: int, generation: int) -> Clerk | None:
    """The clerk a session cookie names, if that session has not been ended (logout everywhere, deactivation)."""
    with services.db.session() as session:
        user = session.get(ConsoleUser, clerk_id)
        if user is None or not user.active or user.session_generation != generation:
            return None
        return Clerk.of(user)


def clerks(services: Services) -> list[Clerk]:
    with services.db.session() as session:
        return [Clerk.of(row) for row in session.scalars(select(ConsoleUser).order_by(ConsoleUser.email))]


def _user(session: Session, clerk_id: int) -> ConsoleUser:
    user = session.get(ConsoleUser, clerk_id)
    if user is None:
        raise NoSuchClerk(clerk_id)
    return user


def _other_active_admins(session: Session, clerk_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ConsoleUser).where(
        ConsoleUser.role == ConsoleRole.ADMIN, ConsoleUser.active.is_(True), ConsoleUser.id != clerk_id)) or 0


def change_role(services: Services, actor: Actor, clerk_id: int, role: str) -> None:
    """A new role; the clerk's open sessions end, so the new rights apply at once."""
    if role not in set(ConsoleRole):
        raise UnknownRole(role)
    with services.db.session() as session:
        user = _user(session, clerk_id)
        if user.role == ConsoleRole.ADMIN and role != ConsoleRole.ADMIN and not _other_active_admins(session, clerk_id):
            raise LastAdministrator()
        record(session, actor, Action.USER_CHANGE, user.email, f"role {user.role} -> {role}")
        user.role = role
        user.session_generation += 1


def set_active(services: Services, actor: Actor, clerk_id: int, active: bool) -> None:
    """Deactivate (ending every session of) or reactivate an account."""
    with services.db.session() as session:
        user = _user(session, clerk_id)
        if not active and user.role == ConsoleRole.ADMIN and not _other_active_admins(session, clerk_id):
            raise LastAdministrator()
        record(session, actor, Action.USER_CHANGE, user.email, "reactivated" if active else "deactivated")
        user.active = active
        user.session_generation += 1


def set_password(services: Services, actor: Actor, clerk_id: int, password: str) -> None:
    """A new password (set by the clerk or an administrator); every session of the account ends."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword()
    with services.db.session() as session:
        user = _user(session, clerk_id)
        user.password_hash = _hasher.hash(password)
        user.session_generation += 1
        record(session, actor, Action.USER_CHANGE, user.email, "password changed")


def end_sessions(services: Services, actor: Actor, clerk_id: int) -> None:
    """Log the clerk out everywhere: every session cookie issued so far stops working."""
    with services.db.session() as session:
        user = _user(session, clerk_id)
        user.session_generation += 1
        record(session, actor, Action.LOGOUT_EVERYWHERE, user.email)


def set_locale(services: Services, clerk_id: int, locale: str) -> None:
    with services.db.session() as session:
        _user(session, clerk_id).locale = locale
