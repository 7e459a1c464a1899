"""A trainee's chat handed to the secretariat: asking for a person, the state, and what a clerk will read.

LINE-free. ``handlers.handoff`` calls these; the console's inbox
(``bot.secretariat.inbox``) reads and answers the same rows.

- ``asks_for_a_person``: 「事務局に質問したい」, 「担当者と話したい」, "talk to a person",
  matched against ``data/secretariat.yaml`` after the folding the answering engine
  applies (width, case, kana).
- ``hand_over`` opens (or reopens) the trainee's conversation as 要対応 and attaches
  the last exchanges with the bot; while it is 要対応 or 対応中 the bot stays quiet
  (``with_staff``), and ``hand_back`` (「ボットに戻る」) or a clerk's 対応済み ends that.
- ``remember``: the last ``MEMORY`` lines of every one-to-one chat with the bot
  (the trainee's words and the bot's answers) are kept, so a clerk sees what was
  already said; older lines are deleted as new ones come, and all of them go with
  the trainee's data (``bot.trainees.deletion``).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache

from sqlalchemy import Delete, Insert, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from bot.db import deferred_writes
from bot.db.tables import HandoffAuthor, HandoffConversation, HandoffMessage, HandoffStatus, LineUser
from bot.knowledge.secretariat_desk import TalkToAPerson
from bot.textfold import fold_width_case_and_kana
from bot.trainees import sender_facts

MEMORY = 8  # lines of the chat with the bot kept before a handoff (4 questions and their answers)
MAX_TEXT = 5000
OPEN_STATUSES = (HandoffStatus.WAITING, HandoffStatus.ACTIVE)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """Folded for matching, remembered: every message is matched against every phrase, which was folded again each time."""
    return fold_width_case_and_kana(text).replace(" ", "")


def asks_for_a_person(text: str, phrasing: TalkToAPerson) -> bool:
    """Whether the message asks to talk to a person at the secretariat."""
    folded = _fold(text)
    for phrase in phrasing.phrases:
        words = [phrase] if isinstance(phrase, str) else phrase
        if all(_fold(word) in folded for word in words):
            return True
    return False


def conversation_of(session: Session, user: LineUser) -> HandoffConversation | None:
    if (facts := sender_facts.held(session, user)) is not None:
        return facts.conversation
    return session.scalar(select(HandoffConversation).where(HandoffConversation.user_id == user.id))


def with_staff(session: Session, user: LineUser) -> bool:
    """Whether the trainee's chat is with the secretariat, so the bot must not answer it automatically."""
    conversation = conversation_of(session, user)
    return conversation is not None and conversation.status in OPEN_STATUSES


def hand_over(session: Session, user: LineUser, now: datetime) -> tuple[HandoffConversation, bool]:
    """Open the trainee's conversation as 要対応; returns it and whether it was newly opened.

    Asking again while it is open changes nothing (one 要対応, one e-mail). The
    remembered lines with the bot are attached to it, so the clerk reads them.
    """
    conversation = conversation_of(session, user)
    if conversation is not None and conversation.status in OPEN_STATUSES:
        return conversation, False
    if conversation is None:
        conversation = HandoffConversation(user_id=user.id, handed_over_at=now, updated_at=now)
        session.add(conversation)
    conversation.status = HandoffStatus.WAITING
    conversation.handed_over_at = conversation.updated_at = now
    conversation.closed_at = None
    conversation.assignee_id = None
    session.flush()
    for line in session.scalars(select(HandoffMessage).where(
            HandoffMessage.user_id == user.id, HandoffMessage.conversation_id.is_(None))):
        line.conversation_id = conversation.id
    return conversation, True


def hand_back(session: Session, user: LineUser, now: datetime) -> bool:
    """「ボットに戻る」: the conversation is 対応済み and the bot answers again; False if it was not open."""
    conversation = conversation_of(session, user)
    if conversation is None or conversation.status not in OPEN_STATUSES:
        return False
    conversation.status = HandoffStatus.DONE
    conversation.closed_at = conversation.updated_at = now
    return True


def record_for_staff(session: Session, user: LineUser, text: str, now: datetime) -> None:
    """A message the trainee sent while with the secretariat: it goes to the inbox, unread."""
    conversation = conversation_of(session, user)
    assert conversation is not None
    session.add(HandoffMessage(user_id=user.id, conversation_id=conversation.id, author=HandoffAuthor.TRAINEE,
                               to_staff=True, text=text[:MAX_TEXT], at=now))
    conversation.updated_at = now


def last_decision(session: Session, user: LineUser) -> str | None:
    """The decision kind of the bot's last remembered answer to this trainee (None if it was not the engine's)."""
    if (facts := sender_facts.held(session, user)) is not None:
        return facts.last_decision
    return session.scalar(select(HandoffMessage.decision).where(
        HandoffMessage.user_id == user.id, HandoffMessage.author == HandoffAuthor.BOT
    ).order_by(HandoffMessage.at.desc(), HandoffMessage.id.desc()).limit(1))


@cache
def _memory_statements() -> tuple[Insert, Delete]:
    """The insert of remembered lines and the prune of older ones, built once.

    They run on every question; building them (a correlated subquery with its
    ordering) cost more CPU than the database took to run them, and as Core
    statements on the table they write no ORM objects for the session to flush.
    """
    lines = HandoffMessage.__table__
    user_id = bindparam("user_id")
    kept = select(lines.c.id).where(
        lines.c.user_id == user_id, lines.c.conversation_id.is_(None)
    ).order_by(lines.c.at.desc(), lines.c.id.desc()).limit(MEMORY)
    prune = delete(lines).where(lines.c.user_id == user_id, lines.c.conversation_id.is_(None),
                                lines.c.id.not_in(kept.scalar_subquery()))
    return insert(lines), prune


def remember(session: Session, user: LineUser, asked: str, answered: str, decision: str | None,
             now: datetime) -> None:
    """Keep one exchange with the bot for a later handoff, and forget lines older than the last ``MEMORY``."""
    lines = [{"user_id": user.id, "author": author, "text": text[:MAX_TEXT], "decision": kind, "at": now}
             for author, text, kind in ((HandoffAuthor.TRAINEE, asked, None), (HandoffAuthor.BOT, answered, decision))
             if text.strip()]
    add, prune = _memory_statements()
    # Sent with the batch's others when the worker batches them (``bot.db.deferred_writes``).
    if lines:
        deferred_writes.execute(session, add, lines)
    deferred_writes.execute(session, prune, {"user_id": user.id})
