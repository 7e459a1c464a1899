"""The audit log: every login, failed login, send, import, export, deletion, date change and user change.

Written by the use cases that do those things, in the same transaction, so an
action and its entry stand or fall together. An entry names the actor, the
action and what it was done to; never a password, a link code or joining
details (callers pass identifiers and counts only).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import AuditEntry
from bot.i18n import Gettext
from bot.services import Services


class Action(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT_EVERYWHERE = "logout_everywhere"
    SEND = "send"
    SCHEDULE = "schedule"
    CANCEL = "cancel"
    IMPORT = "import"
    EXPORT = "export"
    DELETION = "deletion"
    DATE_CHANGE = "date_change"
    USER_CHANGE = "user_change"
    REPLY = "reply"  # a clerk answered a trainee's conversation (who and which, never the words)
    INQUIRY = "inquiry"  # a conversation's status or assignee changed
    SAVED_REPLY = "saved_reply"
    LINK_CHANGE = "link_change"
    DETAILS_CHANGE = "details_change"
    QUESTION_REVIEW = "question_review"  # a logged question assigned to an entry or marked handled (never its words)
    TWO_STEP = "two_step"  # two-step login turned on or off, or a wrong code while turning it on


def action_label(action: str, _: Gettext) -> str:
    """The action as the audit log page names it."""
    labels = {
        Action.LOGIN: _("login"), Action.LOGIN_FAILED: _("failed login"),
        Action.LOGOUT_EVERYWHERE: _("logout everywhere"), Action.SEND: _("send"), Action.SCHEDULE: _("schedule"),
        Action.CANCEL: _("cancel"), Action.IMPORT: _("import"), Action.EXPORT: _("export"),
        Action.DELETION: _("deletion"), Action.DATE_CHANGE: _("date change"), Action.USER_CHANGE: _("user change"),
        Action.REPLY: _("reply to a trainee"), Action.INQUIRY: _("inquiry status"),
        Action.SAVED_REPLY: _("saved reply change"),
        Action.LINK_CHANGE: _("link change"), Action.DETAILS_CHANGE: _("joining details change"),
        Action.QUESTION_REVIEW: _("question review"),
        Action.TWO_STEP: _("two-step login"),
    }
    return labels.get(action, action)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Actor:
    """Who did it: a console user's e-mail or ``cli:<os user>``, and the address the request came from."""

    name: str
    address: str | None = None

    @classmethod
    def cli(cls) -> Actor:
        return cls(f"cli:{getpass.getuser()}")


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def record(session: Session, actor: Actor, action: Action, target: str | None = None,
           detail: str | None = None, at: datetime | None = None) -> None:
    """Add one entry to the log, inside the caller's transaction."""
    session.add(AuditEntry(at=at or clock.now(), actor=actor.name, action=action, target=target, detail=detail,
                           address=actor.address))


def entries(services: Services, page: int = 1, per_page: int = 50, action: str | None = None) -> AuditPage:
    """One page of the log, newest first (counted and paged by SQL)."""
    page = max(1, page)
    where = [AuditEntry.action == action] if action else []
    with services.db.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
        rows = session.scalars(
            select(AuditEntry).where(*where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * per_page).limit(per_page)
        ).all()
        return AuditPage(list(rows), total, page, per_page)
