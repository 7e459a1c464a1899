"""問い合わせ: the conversations trainees handed to the secretariat, read and answered by clerks.

The console's inbox calls these (and the dashboard's count of 要対応). A reply is a
line of the conversation plus a dispatch of the delivery engine to ``user:ID``
(the trainee alone), created in one transaction and sent after it commits: a
ledger row before the push, a retry key, the quota counted, and a dispatch the
clock finishes if the console's process dies in between. Its content names the
reply, not its words; the renderer reads the words and checks that the reply still
belongs to the user the ledger row is for, so a deleted conversation sends nothing
and a reply can reach no one else. A reply is keyed by the form it was typed in
(``reply_key``): a double submit, or two tabs posting the same form, is one reply.

The audit log records that a clerk replied (and who changed a status or a saved
reply), never what was written; message bodies stay in the conversation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linebot.v3.messaging import Message
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import (
    ConsoleUser,
    Enrolment,
    HandoffAuthor,
    HandoffConversation,
    HandoffMessage,
    HandoffStatus,
    LineUser,
    SavedReply,
)
from bot.delivery import Skip, create_dispatch, run_dispatch
from bot.i18n import Gettext, gettext_for
from bot.line.handoff_messages import NEXT_STEPS, staff_reply
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.services import Services

RENDERER = "handoff_reply"
DISPATCH_KIND = "reply"
MAX_TEXT = 5000
MAX_TITLE = 100
PER_PAGE = 50


def status_label(status: str, _: Gettext) -> str:
    """The status as LINE Official Account Manager's chat names it."""
    return {HandoffStatus.WAITING: _("Needs action"), HandoffStatus.ACTIVE: _("In progress"),
            HandoffStatus.DONE: _("Done")}.get(status, status)  # type: ignore[call-overload]


def new_reply_key() -> str:
    """A key for one composed reply (the console puts it in the form)."""
    return uuid.uuid4().hex


# -- errors ------------------------------------------------------------------------------------

@dataclass(eq=False)
class NoSuchConversation(SecretariatError):
    conversation_id: int

    def message(self, _: Gettext) -> str:
        return _("Conversation #{id} does not exist (the trainee may have deleted their data).").format(
            id=self.conversation_id)


@dataclass(eq=False)
class ConversationClosed(SecretariatError):
    conversation_id: int

    def message(self, _: Gettext) -> str:
        return _("This conversation is done and the bot answers the trainee again. Reopen it to reply.")


@dataclass(eq=False)
class EmptyReply(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("The reply is empty.")


@dataclass(eq=False)
class ReplyTooLong(SecretariatError):
    length: int

    def message(self, _: Gettext) -> str:
        return _("The reply has {count} characters; LINE accepts at most {limit}.").format(
            count=self.length, limit=MAX_TEXT)


@dataclass(eq=False)
class InvalidSavedReply(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("A saved reply needs a title (up to {limit} characters) and a text.").format(limit=MAX_TITLE)


# -- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxRow:
    id: int
    status: str
    display_name: str | None
    trainee_names: str  # from the linked applications
    assignee: str | None
    unread: int
    updated_at: datetime
    last_text: str


@dataclass(frozen=True)
class Application:
    name: str
    edition_title: str
    course: str | None
    application_no: str


@dataclass(frozen=True)
class Line:
    author: str
    clerk: str | None
    text: str
    at: datetime
    handed_over: bool  # False: said to the bot before the handoff


@dataclass(frozen=True)
class ConversationView:
    id: int
    status: str
    display_name: str | None
    assignee_id: int | None
    handed_over_at: datetime
    applications: list[Application]
    lines: list[Line]


def waiting_count(services: Services) -> int:
    """How many conversations are 要対応 (the dashboard shows it)."""
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(HandoffConversation).where(
            HandoffConversation.status == HandoffStatus.WAITING)) or 0


def _unread() -> Any:
    """Per conversation: the trainee's messages to the staff after the last line a clerk has seen."""
    return (select(func.count()).where(
        HandoffMessage.conversation_id == HandoffConversation.id, HandoffMessage.author == HandoffAuthor.TRAINEE,
        HandoffMessage.to_staff.is_(True), HandoffMessage.id > HandoffConversation.seen_message_id)
        .correlate(HandoffConversation).scalar_subquery())


def conversations(services: Services, status: str | None = None, page: int = 1) -> list[InboxRow]:
    """The inbox, 要対応 first, then the most recently active; one page."""
    where = [HandoffConversation.status == status] if status else []
    order = case((HandoffConversation.status == HandoffStatus.WAITING, 0),
                 (HandoffConversation.status == HandoffStatus.ACTIVE, 1), else_=2)
    with services.db.session() as session:
        rows = session.execute(
            select(HandoffConversation, LineUser.display_name, ConsoleUser.email, _unread())
            .join(LineUser, LineUser.id == HandoffConversation.user_id)
            .outerjoin(ConsoleUser, ConsoleUser.id == HandoffConversation.assignee_id)
            .where(*where).order_by(order, HandoffConversation.updated_at.desc())
            .offset((max(page, 1) - 1) * PER_PAGE).limit(PER_PAGE)).all()
        ids = [conversation.user_id for conversation, *_rest in rows]
        names: dict[int, list[str]] = {}
        for user_id, name in session.execute(select(Enrolment.user_id, Enrolment.name).where(
                Enrolment.user_id.in_(ids)).order_by(Enrolment.id)):
            names.setdefault(user_id, []).append(name)
        last = {conversation_id: text for conversation_id, text in session.execute(
            select(HandoffMessage.conversation_id, HandoffMessage.text).where(
                HandoffMessage.id.in_(select(func.max(HandoffMessage.id)).where(
                    HandoffMessage.conversation_id.in_([c.id for c, *_r in rows]))
                    .group_by(HandoffMessage.conversation_id))))}
        return [InboxRow(c.id, c.status, display, "、".join(dict.fromkeys(names.get(c.user_id, []))), email,
                         unread or 0, c.updated_at, last.get(c.id, ""))
                for c, display, email, unread in rows]


def _conversation(session: Session, conversation_id: int) -> HandoffConversation:
    conversation = session.get(HandoffConversation, conversation_id)
    if conversation is None:
        raise NoSuchConversation(conversation_id)
    return conversation


def open_conversation(services: Services, conversation_id: int, mark_seen: bool = True) -> ConversationView:
    """One conversation with the trainee's applications and every line, oldest first; read by a clerk from now."""
    knowledge = services.knowledge
    with services.db.session() as session:
        conversation = _conversation(session, conversation_id)
        user = session.get(LineUser, conversation.user_id)
        assert user is not None
        applications = []
        for enrolment in session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)):
            edition = knowledge.editions.get(enrolment.edition_id)
            courses = edition.courses if edition else []
            course = next((c.name.ja for c in courses if c.id == enrolment.course_id), None)
            applications.append(Application(enrolment.name, edition.title if edition else enrolment.edition_id,
                                            course or enrolment.course_id, enrolment.application_no))
        rows = session.scalars(select(HandoffMessage).where(
            HandoffMessage.conversation_id == conversation.id).order_by(HandoffMessage.id)).all()
        lines = [Line(m.author, m.clerk, m.text, m.at, m.to_staff) for m in rows]
        if mark_seen and rows:
            conversation.seen_message_id = max(conversation.seen_message_id, rows[-1].id)
        return ConversationView(conversation.id, conversation.status, user.display_name, conversation.assignee_id,
                                conversation.handed_over_at, applications, lines)


# -- answering ---------------------------------------------------------------------------------

def reply(services: Services, conversation_id: int, text: str, next_steps: list[str], reply_key: str,
          actor: Actor, clerk_id: int, done: bool = False) -> int:
    """Send a clerk's reply to the trainee (once per ``reply_key``); returns the dispatch id.

    The conversation becomes 対応中 and the clerk its assignee if it had none; with
    ``done`` it is 対応済み once the reply is on its way (the bot answers again).
    """
    text = text.strip()
    if not text:
        raise EmptyReply()
    if len(text) > MAX_TEXT:
        raise ReplyTooLong(len(text))
    steps = [step for step in next_steps if step in NEXT_STEPS]
    now = clock.now()
    try:
        with services.db.session() as session:
            existing = session.scalar(select(HandoffMessage).where(HandoffMessage.reply_key == reply_key))
            if existing is not None:
                dispatch_id = existing.dispatch_id
            else:
                conversation = _conversation(session, conversation_id)
                if conversation.status == HandoffStatus.DONE:
                    raise ConversationClosed(conversation_id)
                line = HandoffMessage(user_id=conversation.user_id, conversation_id=conversation.id,
                                      author=HandoffAuthor.STAFF, to_staff=True, clerk=actor.name, text=text,
                                      quick_replies=steps, reply_key=reply_key, at=now)
                session.add(line)
                session.flush()
                dispatch = create_dispatch(session, f"handoff-reply/{reply_key}", DISPATCH_KIND,
                                           f"user:{conversation.user_id}", {"renderer": RENDERER,
                                                                             "params": {"message_id": line.id}},
                                           scheduled_at=now, note=f"console: {actor.name}")
                line.dispatch_id = dispatch_id = dispatch.id
                conversation.status = HandoffStatus.DONE if done else HandoffStatus.ACTIVE
                conversation.assignee_id = conversation.assignee_id or clerk_id
                conversation.updated_at = now
                conversation.seen_message_id = line.id
                if done:
                    conversation.closed_at = now
                record(session, actor, Action.REPLY, target=f"conversation:{conversation.id}", at=now)
    except IntegrityError:  # the same form posted twice at once: the other request has it
        with services.db.session() as session:
            dispatch_id = session.scalar(select(HandoffMessage.dispatch_id).where(
                HandoffMessage.reply_key == reply_key))
    assert dispatch_id is not None
    run_dispatch(services, dispatch_id, services.renderers)
    return dispatch_id


def render_reply(session: Session, services: Services, user: LineUser, params: dict[str, Any]) -> list[Message] | Skip:
    """The delivery engine's renderer: the reply, to the trainee of its conversation only."""
    line = session.get(HandoffMessage, params.get("message_id"))
    if line is None:
        return Skip("the conversation was deleted")
    if line.user_id != user.id:
        return Skip("the reply belongs to another trainee")
    return [staff_reply(line.text, list(line.quick_replies or []), gettext_for(user.locale))]


def _set_status(services: Services, conversation_id: int, status: HandoffStatus, actor: Actor) -> None:
    now = clock.now()
    with services.db.session() as session:
        conversation = _conversation(session, conversation_id)
        conversation.status = status
        conversation.updated_at = now
        conversation.closed_at = now if status == HandoffStatus.DONE else None
        record(session, actor, Action.INQUIRY, target=f"conversation:{conversation_id}", detail=status.value, at=now)


def mark_done(services: Services, conversation_id: int, actor: Actor) -> None:
    """対応済み: the bot answers the trainee again."""
    _set_status(services, conversation_id, HandoffStatus.DONE, actor)


def reopen(services: Services, conversation_id: int, actor: Actor) -> None:
    """Back to 対応中: the trainee's messages come to the inbox again and the bot is quiet."""
    _set_status(services, conversation_id, HandoffStatus.ACTIVE, actor)


def assign(services: Services, conversation_id: int, clerk_id: int | None, actor: Actor) -> None:
    with services.db.session() as session:
        conversation = _conversation(session, conversation_id)
        conversation.assignee_id = clerk_id if clerk_id and session.get(ConsoleUser, clerk_id) else None
        record(session, actor, Action.INQUIRY, target=f"conversation:{conversation_id}",
               detail=f"assignee:{conversation.assignee_id or '-'}")


# -- saved replies (定型文) --------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    id: int
    title: str
    text: str
    updated_by: str
    updated_at: datetime


def saved_replies(services: Services) -> list[Saved]:
    with services.db.session() as session:
        return [Saved(r.id, r.title, r.text, r.updated_by, r.updated_at)
                for r in session.scalars(select(SavedReply).order_by(SavedReply.title))]


def save_reply(services: Services, title: str, text: str, actor: Actor, saved_id: int | None = None) -> int:
    """Add a saved reply, or change one (by id); a title used twice replaces the older text."""
    title, text = title.strip(), text.strip()
    if not title or len(title) > MAX_TITLE or not text or len(text) > MAX_TEXT:
        raise InvalidSavedReply()
    now = clock.now()
    with services.db.session() as session:
        row = (session.get(SavedReply, saved_id) if saved_id else None) or session.scalar(
            select(SavedReply).where(SavedReply.title == title))
        if row is None:
            row = SavedReply(title=title, text=text, updated_by=actor.name, updated_at=now)
            session.add(row)
        row.title, row.text, row.updated_by, row.updated_at = title, text, actor.name, now
        session.flush()
        record(session, actor, Action.SAVED_REPLY, target=f"saved_reply:{row.id}", at=now)
        return row.id


def delete_saved_reply(services: Services, saved_id: int, actor: Actor) -> None:
    with services.db.session() as session:
        row = session.get(SavedReply, saved_id)
        if row is not None:
            session.delete(row)
            record(session, actor, Action.SAVED_REPLY, target=f"saved_reply:{saved_id}", detail="deleted")
