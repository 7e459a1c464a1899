"""Every table of the bot, in one place so migrations and newcomers find them all.

LINE users, the webhook inbox, unanswered questions, notices, the delivery ledger,
encrypted joining details and the event dates the secretariat sets.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint
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
    # 「配信停止」 pauses every notice without forgetting the subscriptions.
    notices_paused: Mapped[bool] = mapped_column(default=False)
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


class Subscription(Base):
    """A user wants the notices of one training."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "training_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id", ondelete="CASCADE"), index=True)
    training_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Enrolment(Base):
    """One application from the secretariat's roster, optionally linked to a LINE user.

    The link code is a one-time secret the secretariat mails to the applicant; the
    applicant sends it to the bot to link their LINE account to this row.
    """

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("edition_id", "application_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[str] = mapped_column(String(64), index=True)
    course_id: Mapped[str | None] = mapped_column(String(96), index=True)
    application_no: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str | None] = mapped_column(String(200))
    link_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    link_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("line_users.id", ondelete="SET NULL"), index=True)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkThrottle(Base):
    """Wrong link codes one LINE user sent in the current hour, to stop guessing.

    Keyed by a keyed hash of the LINE user id (``bot.trainees.link_throttle.subject``),
    not by the id or the user row: it names nobody, and it outlives 「データ削除」, so
    deleting one's data is no way to earn more guesses. A row whose hour is over is
    deleted by the next check of any user.
    """

    __tablename__ = "link_throttles"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    wrong_codes: Mapped[int] = mapped_column(default=0)


class DispatchStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Dispatch(Base):
    """One send to an audience: an announcement or one firing of a reminder.

    ``key`` makes creating the same dispatch twice impossible (a reminder fired by
    two clocks is one dispatch); the ledger below makes each recipient's delivery
    happen at most once.
    """

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # announcement | reminder
    audience: Mapped[str] = mapped_column(String(200))  # all | training:ID | edition:ID | course:ID | ...
    content: Mapped[dict] = mapped_column(JSON)  # what to send (messages, or a reminder reference)
    status: Mapped[str] = mapped_column(String(16), default=DispatchStatus.SCHEDULED)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Delivery(Base):
    """The ledger: one row per (dispatch, user), written before sending."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("dispatch_id", "user_id"),
        Index("ix_deliveries_dispatch_status", "dispatch_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    batch: Mapped[int] = mapped_column(default=0)
    retry_key: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

# Encrypted joining details. ``target`` says what the details open: ``on-demand`` (the
# viewing portal), a live stream, session or course id from data/, or ``*`` for
# everything of the edition. ``secret`` is a Fernet token of the URL, ID and password;
# nothing in these rows is readable without ``KENSHU_SECRET_KEY``.


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


# The real date of an event, set by the secretariat when data/ only has a tentative
# window: decided during the season (「決定次第ご案内」), by clerks, so kept here
# rather than in data/.


class EventDate(Base):
    """The day (and time, when known) an event really takes place."""

    __tablename__ = "event_dates"

    event_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    time: Mapped[time | None] = mapped_column(Time)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The secretariat's web console: its accounts, the login throttle and the audit log.


class ConsoleRole(StrEnum):
    """The roles of LINE Official Account Manager: users and settings / may send and import / reads only."""

    ADMIN = "admin"
    SENDER = "sender"
    VIEWER = "viewer"


class ConsoleUser(Base):
    """A clerk's console account.

    ``session_generation`` is part of every session's identity: raising it (logout
    everywhere, a password or role change, deactivation) ends every open session.
    ``line_user_id`` is the clerk's own LINE account, linked with a one-time code for
    test sends; the code is kept only as a hash.
    """

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    session_generation: Mapped[int] = mapped_column(default=0)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    line_user_id: Mapped[int | None] = mapped_column(ForeignKey("line_users.id", ondelete="SET NULL"))
    link_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed console logins in the current window, per account and per address.

    In the database so that every gunicorn worker counts against the same limit.
    ``subject`` is ``account:<email>`` or ``address:<ip>``.
    """

    __tablename__ = "login_throttles"

    subject: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    failures: Mapped[int] = mapped_column(default=0)


class AuditEntry(Base):
    """One thing a clerk did in the console or with a command: who, what, on what, when; never a credential.

    ``actor`` is kept as text (the e-mail, or ``cli:<os user>``) so the history
    outlives the account.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))


class HeldUpload(Base):
    """A CSV a clerk uploaded in the console, kept until they confirm the import after reading its report.

    ``sealed`` is the file encrypted with a key derived from ``KENSHU_SECRET_KEY``
    (a joining-details file holds passwords); ``token`` is what the confirmation
    form carries, so nothing of the file travels in the browser's cookie.
    """

    __tablename__ = "held_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # roster | credentials
    edition_id: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(254))  # the clerk's e-mail: only they may confirm it
    filename: Mapped[str] = mapped_column(String(200))
    sealed: Mapped[str] = mapped_column(Text)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
