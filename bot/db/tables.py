"""Every table of the bot, in one place so migrations and newcomers find them all.

LINE users, the webhook inbox, the questions asked, notices, the delivery ledger,
encrypted joining details and the event dates the secretariat sets.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class UserStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class LineUser(Base):
    """A LINE user who has talked to or followed the bot."""

    __tablename__ = "line_users"
    __table_args__ = (
        # Followers and blocked counted, and an audience's receivers checked, from the index alone.
        Index("ix_line_users_status_paused", "status", "notices_paused"),
        # 受講者 search by part of a name (ILIKE '%...%'); PostgreSQL with pg_trgm only (migration 0012).
        Index("ix_line_users_display_name_trgm", "display_name", postgresql_using="gin",
              postgresql_ops={"display_name": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    profile_language: Mapped[str | None] = mapped_column(String(16))
    # The user's own choice wins over the profile language.
    chosen_locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE)
    # 「配信停止」 pauses every notice without forgetting the subscriptions.
    notices_paused: Mapped[bool] = mapped_column(default=False)
    # Conversation memory: the training and entry of the previous question, and when it was asked.
    last_training_id: Mapped[str | None] = mapped_column(String(64))
    last_entry_id: Mapped[str | None] = mapped_column(String(64))
    last_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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
    __table_args__ = (
        Index("ix_inbox_status_received", "status", "received_at"),
        # "Has this user an earlier event not yet finished?": per-user order across workers.
        Index("ix_inbox_user_order", "source_user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    source_user_id: Mapped[str | None] = mapped_column(String(64))
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The lease: when it was last renewed, not when the event was claimed. The claim sets it, then the worker
    # holding the event renews it by a heartbeat and in the write of its batch (``bot.line.inbox.renew``,
    # ``still_held``); a lease not renewed for ``bot.line.inbox.PROCESSING_LEASE`` is a dead worker's, taken over.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    # Its sender asked for their data to be deleted while it was in flight: it keeps source_user_id (their
    # later events wait for it) until it is closed, and closing it strips it (``bot.trainees.deletion``).
    forget_on_close: Mapped[bool] = mapped_column(default=False, server_default=false())


class AnswerStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DROPPED = "dropped"  # no longer worth a push (the user is gone or blocked, or it is a day old)
    FAILED = "failed"


class OutboxAnswer(Base):
    """An answer decided for a webhook event: the outbox row and, once sent, its ledger row.

    Written in the commit that decides the answer (with the handler's changes), so a
    worker killed before sending leaves it for whoever takes the event over; marked
    after LINE accepted it. The messages and the push address are cleared once it is
    sent: the row then keeps how it went, not what it said or to whom.
    """

    __tablename__ = "outbox_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique, and given by the writer: SQLAlchemy's sentinel for an outbox INSERT of many rows whose RETURNING
    # must come back in their order (``bot.line.outbox``), sent as one statement on SQLite too.
    inbox_event_id: Mapped[int] = mapped_column(ForeignKey("inbox_events.id", ondelete="CASCADE"), unique=True,
                                                insert_sentinel=True)
    reply_token: Mapped[str | None] = mapped_column(String(64))
    # The LINE user to push to when the reply token cannot be used; None: nobody to push to.
    push_to: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[list | None] = mapped_column(JSON)  # the SDK messages as LINE's JSON
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())  # LINE's timestamp: the reply token's clock
    status: Mapped[str] = mapped_column(String(16), default=AnswerStatus.PENDING)
    via: Mapped[str | None] = mapped_column(String(8))  # reply | push
    retry_key: Mapped[str | None] = mapped_column(String(36))  # X-Line-Retry-Key of the push, if one went
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AskedQuestion(Base):
    """Every question, with what the bot decided, for the secretariat's review loop.

    The model's best entries and the top probability say what it thought; ``tapped``
    is the choice the trainee tapped next (an entry or a training) after a
    "did you mean" or "which training"; ``assigned_entry_id`` is the entry the
    secretariat added it to as an example (``kenshu questions assign``).
    ``topic`` is the entry the question is about as far as the bot knows (the one
    tapped, else answered, else the model's best guess), a column so the review
    queue and the week's topics group by it in SQL, from the indexes alone;
    ``handled_at``/``handled_by`` say when and by whom it left the review queue
    (assigned, or marked handled).
    """

    __tablename__ = "asked_questions"
    __table_args__ = (Index("ix_asked_questions_kind_asked", "kind", "asked_at"),
                      Index("ix_asked_questions_review", "kind", "handled_at", "topic", "asked_at"),
                      Index("ix_asked_questions_topics", "asked_at", "kind", "topic", "tapped"))

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[int | None] = mapped_column(ForeignKey("line_users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[str | None] = mapped_column(String(64))
    training_id: Mapped[str | None] = mapped_column(String(64))
    probability: Mapped[float] = mapped_column(Float, default=0.0)
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    tapped: Mapped[str | None] = mapped_column(String(64))
    assigned_entry_id: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(254))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Subscription(Base):
    """A user wants the notices of one training."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "training_id"),
        Index("ix_subscriptions_training_user", "training_id", "user_id"),  # a training's subscribers, index only
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id", ondelete="CASCADE"), index=True)
    training_id: Mapped[str] = mapped_column(String(64))
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
        Index("ix_deliveries_status_updated", "status", "updated_at"),  # the dashboard's sends per day
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
    # When the row (and so its retry key) was planned: LINE remembers a key for 24 hours
    # from then, however often the row is marked since. NULL on rows planned before 0005.
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A failed row that a resume may send again with its retry key: LINE was unavailable
    # (429, 5xx, unreachable, the monthly limit) or the message could not be rendered.
    # False for what a re-send cannot fix (LINE refused the request as malformed).
    resendable: Mapped[bool] = mapped_column(default=False, server_default=false())

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


class PersonalRequest(Base):
    """A linked or unlinked trainee asked the bot about their own training: what, and what came of it.

    The secretariat's record of "who asked for what" (``kenshu requests``, the console),
    and the count behind the daily limit on re-sent joining details. It holds no words
    the trainee typed and no details, only the kind of question and the outcome; it
    goes with the user on 「データ削除」.
    """

    __tablename__ = "personal_requests"
    __table_args__ = (Index("ix_personal_requests_user_asked", "user_id", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # my_training | joining_details | application_status
    outcome: Mapped[str] = mapped_column(String(32))  # see bot.trainees.personal_requests.Outcome
    edition_id: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(96))  # the session whose details were asked for
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Setting(Base):
    """A value the whole installation shares, by name (e.g. the secret key's fingerprint)."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    test sends; the code is kept only as a hash. ``totp_secret`` is the key of the
    optional two-step login (encrypted; ``totp_pending`` while it waits for its first
    code), and ``totp_last_step`` the time step of the last code accepted, so a code
    is never accepted twice.
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
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_pending: Mapped[str | None] = mapped_column(Text)
    totp_last_step: Mapped[int | None] = mapped_column()


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


# Talk to a person: a trainee's conversation handed to the secretariat, answered from the console.


class HandoffStatus(StrEnum):
    """The statuses clerks know from LINE Official Account Manager's chat: 要対応 / 対応中 / 対応済み."""

    WAITING = "waiting"  # 要対応: nobody has answered yet
    ACTIVE = "active"  # 対応中: a clerk has answered or taken it
    DONE = "done"  # 対応済み: closed by a clerk or by the trainee (「ボットに戻る」); the bot answers again


class HandoffConversation(Base):
    """One trainee's chat with the secretariat (one row per LINE user, reopened by the next handoff).

    While its status is waiting or active the bot does not answer the trainee
    automatically. ``seen_message_id`` is the last line a clerk has seen: the
    trainee's messages to the staff after it are the unread ones.
    """

    __tablename__ = "handoff_conversations"
    __table_args__ = (Index("ix_handoff_conversations_status_updated", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=HandoffStatus.WAITING)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    handed_over_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_message_id: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HandoffAuthor(StrEnum):
    TRAINEE = "trainee"
    BOT = "bot"
    STAFF = "staff"


class HandoffMessage(Base):
    """A line of a trainee's chat as the secretariat reads it: the trainee's words, the bot's or a clerk's.

    Before any handoff, the last few exchanges with the bot are kept here with no
    conversation (``bot.trainees.handoff.MEMORY``), so a clerk sees what was already
    said; a handoff attaches them (a bot line keeps its decision kind, so a second
    "did you mean" in a row is seen). A clerk's reply names the clerk (``clerk``) and is
    sent through the delivery engine (``dispatch_id``); ``reply_key`` (one per
    composed reply) makes a double submit one reply. Deleted with the trainee.
    """

    __tablename__ = "handoff_messages"
    __table_args__ = (Index("ix_handoff_messages_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoff_conversations.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))
    to_staff: Mapped[bool] = mapped_column(default=False)  # said after the handoff (False: to the bot before)
    clerk: Mapped[str | None] = mapped_column(String(254))
    decision: Mapped[str | None] = mapped_column(String(32))  # a bot line: the answering engine's decision kind
    text: Mapped[str] = mapped_column(Text)
    quick_replies: Mapped[list] = mapped_column(JSON, default=list)
    reply_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SavedReply(Base):
    """A 定型文: a reply text clerks insert and adapt, managed in the console."""

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
