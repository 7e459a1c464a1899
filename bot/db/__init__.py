"""Database engine and sessions, one per app (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from bot.db import write_lock


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite forgets offsets, so we restore UTC on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use bot.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table; Alembic reads its metadata."""


def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    # WAL lets the webhook write while event worker threads read; the busy timeout makes
    # concurrent writers from two gunicorn workers wait instead of failing.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # In WAL mode NORMAL is still crash-safe (no corruption); it skips an fsync per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def for_backend(dialect_name: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for one backend: leaves out what the models create on another only.

    An index declared with ``.ddl_if(dialect="postgresql")`` (the name search's
    trigram index) is no difference between the models and a SQLite database.
    """
    def include(obj: object, _name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
        condition = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        if condition is None or condition.dialect is None:
            return True
        wanted = condition.dialect
        return dialect_name == wanted if isinstance(wanted, str) else dialect_name in wanted

    return include


def make_engine(url: str) -> Engine:
    """An engine for the URL, with SQLite tuned for several threads and processes."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _tune_sqlite)
        write_lock.install(engine)  # writers poll the lock just before their first write, not at the busy handler's pace
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """The app's engine and session factory (kept in ``app.extensions``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def ping(self) -> None:
        """Run ``SELECT 1``: raises SQLAlchemyError when the database does not answer (readiness)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
