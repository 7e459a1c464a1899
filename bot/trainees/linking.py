"""Linking a LINE user to their application with a one-time code.

The secretariat mails each applicant a code from the roster; the applicant sends
it to the bot. Codes are drawn with ``secrets`` from an alphabet without the
characters people confuse on paper and phones (0/O, 1/I/L, U), and always mix
letters and digits, so a message that is exactly a code can be told apart from
an ordinary word. A code links once: ``linked_at`` stays set after the link ends
(for example when the trainee deletes their data), and a used code never links
again; relinking needs a fresh code from the secretariat.

Guessing is throttled per LINE user (``bot.trainees.link_throttle``): after five
wrong codes in an hour the bot asks the user to wait, without checking further
codes, and deleting one's data does not reset the count.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.tables import Enrolment, LineUser
from bot.knowledge import Course, Edition, Knowledge
from bot.textfold import fold_link_code
from bot.trainees import link_throttle, sender_facts

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
LINK_CODE_VALID_DAYS = 60

_PLAUSIBLE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


# Random bytes become characters by byte % 30; the top 16 byte values are dropped, as
# they would make the first 16 characters of the alphabet likelier than the rest.
_BYTE_TO_CHARACTER = bytes(ord(ALPHABET[value % len(ALPHABET)]) for value in range(256))
_BIASED_BYTES = bytes(range(256 - 256 % len(ALPHABET), 256))


def new_codes(count: int) -> list[str]:
    """``count`` fresh random codes of letters and digits (never all of one kind).

    Each character is a uniform draw from ``ALPHABET``, made for all codes at once by
    ``bytes.translate``: a 100,000-row roster needs 100,000 codes, and a draw per
    character in Python took seconds.
    """
    codes: list[str] = []
    while len(codes) < count:
        needed = count - len(codes)
        text = secrets.token_bytes(needed * CODE_LENGTH * 2).translate(_BYTE_TO_CHARACTER, _BIASED_BYTES).decode()
        for start in range(0, len(text) - CODE_LENGTH + 1, CODE_LENGTH):
            code = text[start:start + CODE_LENGTH]
            if not code.isalpha() and not code.isdigit() and len(codes) < count:
                codes.append(code)
    return codes


def new_code() -> str:
    """A fresh random code of letters and digits (never all of one kind)."""
    return new_codes(1)[0]


def unique_code(session: Session) -> str:
    """A fresh code no enrolment has yet (collisions are astronomically rare, but cheap to rule out)."""
    while True:
        code = new_code()
        if session.scalar(select(Enrolment.id).where(Enrolment.link_code == code)) is None:
            return code


def display_code(code: str) -> str:
    """The code in two groups (``ABCDE-23456``), easier to read in an e-mail."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def is_plausible_code(typed: str) -> bool:
    """True when the text, folded, has the exact shape of a code."""
    code = fold_link_code(typed)
    return bool(_PLAUSIBLE.match(code)) and any(c.isdigit() for c in code) and any(c.isalpha() for c in code)


class LinkOutcome(StrEnum):
    LINKED = "linked"
    ALREADY_YOURS = "already_yours"
    LINKED_TO_SOMEONE_ELSE = "linked_to_someone_else"
    USED = "used"  # linked once, since unlinked: the secretariat issues a new code
    EXPIRED = "expired"
    WRONG = "wrong"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    enrolment: Enrolment | None = None


@dataclass(frozen=True)
class LinkSummary:
    """What the bot may show the trainee about an enrolment: never the full personal data."""

    edition: Edition
    course: Course | None
    name_initial: str


def summary(knowledge: Knowledge, enrolment: Enrolment) -> LinkSummary:
    edition = knowledge.edition(enrolment.edition_id)
    course = edition.course(enrolment.course_id) if enrolment.course_id else None
    initial = next((c for c in enrolment.name if not c.isspace()), "")
    return LinkSummary(edition, course, initial)


def link(session: Session, user: LineUser, typed_code: str, now: datetime, secret_key: str) -> LinkResult:
    """Try to link the user with the code they sent; every checked code counts until it links.

    ``secret_key`` keys the throttle's hash of the LINE user id (the app's secret key).
    """
    throttle = link_throttle.subject(secret_key, user.line_user_id)
    if not link_throttle.take_check(session, throttle, now):
        return LinkResult(LinkOutcome.THROTTLED)
    code = fold_link_code(typed_code)
    enrolment = session.scalar(select(Enrolment).where(Enrolment.link_code == code).with_for_update())
    outcome = _outcome(enrolment, user, now)
    if outcome is LinkOutcome.LINKED and not _claim(session, enrolment, user, now):
        outcome = LinkOutcome.LINKED_TO_SOMEONE_ELSE
    succeeded = outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_YOURS)
    if succeeded:
        link_throttle.give_back(session, throttle)
    return LinkResult(outcome, enrolment if succeeded else None)


def _claim(session: Session, enrolment: Enrolment | None, user: LineUser, now: datetime) -> bool:
    """Link with a conditional UPDATE: of two users racing with one code, one wins.

    SQLite ignores FOR UPDATE, so reading the row first is not enough on its own.
    """
    assert enrolment is not None
    claimed = session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.user_id.is_(None), Enrolment.linked_at.is_(None))
        .values(user_id=user.id, linked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(enrolment)
    return claimed == 1


def _outcome(enrolment: Enrolment | None, user: LineUser, now: datetime) -> LinkOutcome:
    if enrolment is None:
        return LinkOutcome.WRONG
    if enrolment.user_id == user.id:
        return LinkOutcome.ALREADY_YOURS
    if enrolment.user_id is not None:
        return LinkOutcome.LINKED_TO_SOMEONE_ELSE
    if enrolment.linked_at is not None:
        return LinkOutcome.USED
    if enrolment.link_code_expires_at is not None and enrolment.link_code_expires_at <= now:
        return LinkOutcome.EXPIRED
    return LinkOutcome.LINKED


def linked_enrolments(session: Session, user: LineUser) -> list[Enrolment]:
    if (facts := sender_facts.held(session, user)) is not None:
        return list(facts.enrolments)
    return list(session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)))


def linked_edition_ids(session: Session, user: LineUser) -> tuple[str, ...]:
    """Editions of the user's linked enrolments, for answering their questions."""
    return tuple(dict.fromkeys(e.edition_id for e in linked_enrolments(session, user)))


def reissue(session: Session, enrolment: Enrolment, now: datetime, valid_days: int = LINK_CODE_VALID_DAYS) -> str:
    """End any link and give the enrolment a fresh code (the secretariat's relink)."""
    enrolment.user_id = None
    enrolment.linked_at = None
    enrolment.link_code = unique_code(session)
    enrolment.link_code_expires_at = now + timedelta(days=valid_days)
    return enrolment.link_code
