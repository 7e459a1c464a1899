"""Everything one handler needs for one event, passed explicitly."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linebot.v3.messaging import Message
from sqlalchemy.orm import Session

from bot.db.tables import LineUser
from bot.i18n import Gettext, gettext_for
from bot.line.gateway import LineApiError
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass
class EventContext:
    event: Any  # a linebot.v3.webhooks event model (events the SDK cannot read are ignored before)
    payload: dict[str, Any]  # the event as LINE sent it
    session: Session
    services: Services
    user: LineUser | None
    now: datetime
    replies: list[Message] = field(default_factory=list)
    after_replies: list[Callable[[], None]] = field(default_factory=list)
    # The answering engine's decision kind for this event's question, if it was asked one: lets a
    # handler follow up on it (``handlers.handoff`` offers a person after a second "did you mean").
    decision: str | None = None

    @property
    def locale(self) -> str:
        return self.user.locale if self.user else "ja"

    @property
    def _(self) -> Gettext:  # noqa: N802 - the gettext convention
        return gettext_for(self.locale)

    @property
    def reply_token(self) -> str | None:
        return self.payload.get("replyToken")

    def reply(self, messages: Sequence[Message]) -> None:
        """Queue the answer; it goes out once the handler's changes are committed.

        Sending after the commit means a trainee is never told "subscribed" about a
        change that was rolled back, and no database lock is held while LINE answers.
        """
        self.replies.extend(messages)

    def after_reply(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the handler's changes are committed and the reply is sent.

        For work that needs the committed rows and must follow the reply, such as a
        push planned in the handler's transaction (the delivery engine opens its own).
        """
        self.after_replies.append(action)

    def run_after_replies(self) -> None:
        for action in self.after_replies:
            action()

    def send_replies(self) -> None:
        """Answer with the reply token (free of quota).

        If LINE rejects the token (it expired while the event waited, e.g. across a
        restart) and the user is reachable, the answer still matters to them, so it
        goes by push instead, and we log that it did.
        """
        token, messages = self.reply_token, self.replies
        if not token or not messages:
            return
        try:
            self.services.line.reply(token, messages)
        except LineApiError as error:
            if error.status != 400 or self.user is None or self.user.is_blocked:
                raise
            log.warning("reply token rejected (%s); answering user %s by push", error.message, self.user.id)
            self.services.line.push(self.user.line_user_id, messages)
