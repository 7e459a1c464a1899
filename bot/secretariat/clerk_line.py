"""A clerk's own LINE account, for test sends: linked with a one-time code, as trainees link.

The console issues the code (valid ``CODE_VALID_MINUTES``); the clerk sends
「連携 CODE」 to the bot from their phone, and ``handlers/linking.py`` gives it to
``link_by_code`` before trying it as a trainee's code. Only an HMAC of the code is
stored (under the app's secret key), so the table cannot be read back into codes.
Guessing is throttled with the trainees' link-code throttle: a wrong code counts
once (as a trainee code), a clerk's code takes a check and gives it back, and a
throttled LINE user links nothing. Issuing, linking and unlinking are audited.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import ConsoleUser, LineUser
from bot.secretariat.audit import Action, Actor, record
from bot.services import Services
from bot.textfold import fold_link_code
from bot.trainees import link_throttle, linking

CODE_VALID_MINUTES = 30
_HMAC_LABEL = b"kenshu-bot console line code v1\x00"


class ClerkLinkOutcome(StrEnum):
    LINKED = "linked"
    EXPIRED = "expired"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class ClerkLinkResult:
    outcome: ClerkLinkOutcome
    email: str


@dataclass(frozen=True)
class IssuedCode:
    code: str  # as shown (``ABCDE-23456``); never stored
    valid_until: datetime  # Japan time


def code_hash(secret_key: str, typed_code: str) -> str:
    """What is stored of a code: an HMAC-SHA256 of the folded code under the app's secret key."""
    return hmac.new(secret_key.encode(), _HMAC_LABEL + fold_link_code(typed_code).encode(), hashlib.sha256).hexdigest()


def issue_code(services: Services, clerk_id: int, actor: Actor) -> IssuedCode:
    """A fresh one-time code for the clerk to send to the bot from their own LINE (any earlier code stops working)."""
    code = linking.new_code()
    valid_until = clock.now() + timedelta(minutes=CODE_VALID_MINUTES)
    with services.db.session() as session:
        user = session.get(ConsoleUser, clerk_id)
        assert user is not None, "a signed-in clerk has an account"
        user.link_code_hash = code_hash(services.secret_key, code)
        user.link_code_expires_at = valid_until
        record(session, actor, Action.USER_CHANGE, user.email, "LINE link code issued")
    return IssuedCode(linking.display_code(code), valid_until.astimezone(clock.JST))


def unlink(services: Services, clerk_id: int, actor: Actor) -> None:
    """Forget the clerk's LINE account: test sends stop until they link again."""
    with services.db.session() as session:
        user = session.get(ConsoleUser, clerk_id)
        assert user is not None, "a signed-in clerk has an account"
        user.line_user_id = None
        user.link_code_hash = None
        user.link_code_expires_at = None
        record(session, actor, Action.USER_CHANGE, user.email, "LINE account unlinked")


def link_by_code(session: Session, line_user: LineUser, typed_code: str, now: datetime,
                 secret_key: str) -> ClerkLinkResult | None:
    """Link ``line_user`` to the console account whose code this is; None when it is no clerk's code.

    The code is single-use: a link clears it, so a second sender of the same code gets None
    (and then the trainee path's "not found"). Runs in the handler's transaction.
    """
    clerk = session.scalar(select(ConsoleUser).where(ConsoleUser.link_code_hash == code_hash(secret_key, typed_code)))
    if clerk is None:
        return None
    throttle = link_throttle.subject(secret_key, line_user.line_user_id)
    if not link_throttle.take_check(session, throttle, now):
        return ClerkLinkResult(ClerkLinkOutcome.THROTTLED, clerk.email)
    link_throttle.give_back(session, throttle)
    if clerk.link_code_expires_at is None or clerk.link_code_expires_at <= now:
        return ClerkLinkResult(ClerkLinkOutcome.EXPIRED, clerk.email)
    claimed = session.execute(
        update(ConsoleUser)
        .where(ConsoleUser.id == clerk.id, ConsoleUser.link_code_hash == clerk.link_code_hash)
        .values(line_user_id=line_user.id, link_code_hash=None, link_code_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:  # the same code sent twice at once: the other message linked it
        return None
    record(session, Actor(clerk.email), Action.USER_CHANGE, clerk.email, "LINE account linked (from LINE)")
    return ClerkLinkResult(ClerkLinkOutcome.LINKED, clerk.email)
