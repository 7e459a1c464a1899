"""Tables of encrypted joining details: shared per session, personal per enrolment.

``target`` says what the details open: ``on-demand`` (the viewing portal), a
live stream, session or course id from data/, or ``*`` for everything of the
edition. ``secret`` is a Fernet token of the URL, ID and password; nothing in
these rows is readable without ``KENSHU_SECRET_KEY``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class SharedCredential(Base):
    """Details everyone in a session uses (one Zoom link), set by ``kenshu credentials set-shared``."""

    __tablename__ = "shared_credentials"
    __table_args__ = (UniqueConstraint("edition_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(96))
    tool: Mapped[str | None] = mapped_column(String(100))
    secret: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PersonalCredential(Base):
    """Details of one enrolment (a personal portal login), from ``kenshu credentials import``."""

    __tablename__ = "personal_credentials"
    __table_args__ = (UniqueConstraint("enrolment_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(96))
    tool: Mapped[str | None] = mapped_column(String(100))
    secret: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
