"""Tables of the foundation: LINE users, the webhook inbox, unanswered questions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class UserStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class LineUser(Base):
    """A LINE user who has talked to or followed the bot."""

    __tablename__ = "line_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    profile_language: Mapped[str | None] = mapped_column(String(16))
    # The user's own choice wins over the profile language.
    chosen_locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE)
    # Conversation memory: the training of the previous question.
    last_training_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def locale(self) -> str:
        from bot.i18n import normalise_locale

        return self.chosen_locale or normalise_locale(self.profile_language)

    @property
    def is_blocked(self) -> bool:
        return self.status == UserStatus.BLOCKED


class InboxStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"
    FAILED = "failed"


class InboxEvent(Base):
    """A webhook event, stored before the 200 so that nothing LINE sent is lost."""

    __tablename__ = "inbox_events"
    __table_args__ = (Index("ix_inbox_status_received", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    source_user_id: Mapped[str | None] = mapped_column(String(64))
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class UnansweredQuestion(Base):
    """A question the bot could not answer confidently, kept for the secretariat."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[int | None] = mapped_column(ForeignKey("line_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
