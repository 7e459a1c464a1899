"""The console's login throttle: too many wrong passwords lock an account, or an address, for a while.

Counted in the database by one INSERT ... ON CONFLICT DO UPDATE per subject, so
every gunicorn worker (and every thread) counts against the same limit, and a
burst of guesses cannot slip between a read and a write. A window starts at its
first failure; once it is over the next failure starts a new one. A correct
password clears the account's counter, never the address's (one attacker with
a valid account of their own must not reset the address limit).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db import UTCDateTime
from bot.db.tables import LoginThrottle

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


def account_subject(email: str) -> str:
    return f"account:{email.strip().lower()}"


def address_subject(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def _limit(subject: str) -> int:
    return MAX_FAILURES_PER_ACCOUNT if subject.startswith("account:") else MAX_FAILURES_PER_ADDRESS


def locked_until(session: Session, subjects: list[str], now: datetime) -> datetime | None:
    """When the latest lock among ``subjects`` ends, or None when none is locked."""
    rows = session.execute(
        select(LoginThrottle.subject, LoginThrottle.failures, LoginThrottle.window_started_at)
        .where(LoginThrottle.subject.in_(subjects), LoginThrottle.window_started_at > now - WINDOW)
    ).all()
    ends = [started + WINDOW for subject, failures, started in rows if failures >= _limit(subject)]
    return max(ends) if ends else None


def count_failure(session: Session, subjects: list[str], now: datetime) -> None:
    """One more wrong password for each subject (a new window where the old one is over)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for subject in subjects:
        statement = insert(LoginThrottle).values(subject=subject, window_started_at=now, failures=1)
        ended = LoginThrottle.window_started_at <= literal(now - WINDOW, UTCDateTime())
        session.execute(statement.on_conflict_do_update(
            index_elements=["subject"],
            set_={
                "failures": case((ended, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case((ended, statement.excluded.window_started_at),
                                          else_=LoginThrottle.window_started_at),
            },
        ))
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at <= now - WINDOW,
                                                LoginThrottle.subject.not_in(subjects)))


def clear(session: Session, subject: str) -> None:
    """Forget a subject's failures (the account's owner has just logged in)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.subject == subject))
