"""Everything one handler needs for one event, passed explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linebot.v3.messaging import Message
from sqlalchemy.orm import Session

from bot.db.tables import LineUser
from bot.i18n import Gettext, gettext_for
from bot.services import Services


@dataclass
class EventContext:
    event: Any  # a linebot.v3.webhooks event model (events the SDK cannot read are ignored before)
    payload: dict[str, Any]  # the event as LINE sent it
    session: Session
    services: Services
    user: LineUser | None
    now: datetime
    replies: list[Message | dict[str, Any]] = field(default_factory=list)  # SDK models, or LINE's JSON

    @property
    def locale(self) -> str:
        return self.user.locale if self.user else "ja"

    @property
    def _(self) -> Gettext:  # noqa: N802 - the gettext convention
        return gettext_for(self.locale)

    @property
    def reply_token(self) -> str | None:
        return self.payload.get("replyToken")

    def reply(self, messages: Sequence[Message | dict[str, Any]]) -> None:
        """Queue the answer; it is written to the outbox with the handler's changes and sent after the commit.

        Sending after the commit means a trainee is never told "subscribed" about a
        change that was rolled back, and no database lock is held while LINE answers;
        the outbox row means a crash in between delays the answer instead of losing it.
        """
        self.replies.extend(messages)
