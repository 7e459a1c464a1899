"""The link-code throttle: at most ``MAX_WRONG_CODES`` wrong codes an hour per LINE user.

Two promises, both about guessing codes:

- **It holds no personal data and survives 「データ削除」.** The counter is keyed by an
  HMAC of the LINE user id under the app's secret key, so the table names nobody
  (the same id always gives the same key, yet the key leads back to no one without
  the secret), and deleting one's data does not reset it.
- **It is atomic.** A check is counted *before* the code is looked up, by one
  conditional INSERT or UPDATE; the database decides, so messages handled at the same
  moment on several threads or processes never get more checks than the limit. A
  code that links gives its check back: only wrong codes are limited.

The hour starts at the first counted check (a fixed window, like the hour the
trainee is told to wait); rows whose hour is over are deleted as checks come in.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from bot.db import UTCDateTime
from bot.db.tables import LinkThrottle

MAX_WRONG_CODES = 5
WINDOW = timedelta(hours=1)
# Domain separation: the app's secret key also derives the credentials key.
_HMAC_LABEL = b"kenshu-bot link throttle v1\x00"


def subject(secret_key: str, line_user_id: str) -> str:
    """The throttle's key for a LINE user: an HMAC-SHA256 of the id, never the id itself."""
    return hmac.new(secret_key.encode(), _HMAC_LABEL + line_user_id.encode(), hashlib.sha256).hexdigest()


def take_check(session: Session, subject_key: str, now: datetime) -> bool:
    """Count one code check for this subject; False (nothing counted) when the limit is reached.

    First check of a window: an INSERT that only one concurrent transaction can make.
    Later checks: an UPDATE whose WHERE clause is the limit, evaluated by the database
    on the current row (PostgreSQL re-checks it after waiting for a concurrent writer;
    SQLite has one writer at a time).
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    started = session.execute(
        insert(LinkThrottle)
        .values(subject=subject_key, window_started_at=now, wrong_codes=1)
        .on_conflict_do_nothing(index_elements=["subject"])
        .returning(LinkThrottle.subject)
    ).first()
    counted = started is not None or _count_in_window(session, subject_key, now)
    _forget_ended_windows(session, subject_key, now)
    return counted


def _count_in_window(session: Session, subject_key: str, now: datetime) -> bool:
    ended = LinkThrottle.window_started_at <= now - WINDOW
    return session.execute(
        update(LinkThrottle)
        .where(LinkThrottle.subject == subject_key, or_(ended, LinkThrottle.wrong_codes < MAX_WRONG_CODES))
        .values(
            wrong_codes=case((ended, 1), else_=LinkThrottle.wrong_codes + 1),
            window_started_at=case((ended, literal(now, UTCDateTime())), else_=LinkThrottle.window_started_at),
        )
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def give_back(session: Session, subject_key: str) -> None:
    """The checked code linked: it does not count as a wrong one."""
    session.execute(
        update(LinkThrottle)
        .where(LinkThrottle.subject == subject_key, LinkThrottle.wrong_codes > 0)
        .values(wrong_codes=LinkThrottle.wrong_codes - 1)
        .execution_options(synchronize_session=False)
    )


def _forget_ended_windows(session: Session, subject_key: str, now: datetime) -> None:
    """Delete other subjects' rows whose hour is over (rows another transaction holds are skipped).

    Done after this subject's own row is counted and skipping locked rows, so it never
    waits for another transaction and cannot deadlock with one.
    """
    other = aliased(LinkThrottle)  # not correlated with the DELETE's own table
    ended = (
        select(other.subject)
        .where(other.window_started_at <= now - WINDOW, other.subject != subject_key)
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(LinkThrottle).where(LinkThrottle.subject.in_(ended)).execution_options(synchronize_session=False)
    )
