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
    replies: list[Message | dict[str, Any]] = field(default_factory=list)  # SDK models, or LINE's JSON
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

    def reply(self, messages: Sequence[Message | dict[str, Any]]) -> None:
        """Queue the answer; it is written to the outbox with the handler's changes and sent after the commit.

        Sending after the commit means a trainee is never told "subscribed" about a
        change that was rolled back, and no database lock is held while LINE answers;
        the outbox row means a crash in between delays the answer instead of losing it.
        """
        self.replies.extend(messages)

    def after_reply(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the handler's changes are committed and the reply has been sent.

        For work that needs the committed rows and must follow the reply, such as a
        push planned in the handler's transaction (the delivery engine opens its own).
        If the process dies first, the work it stands for must be recoverable from the
        committed rows (a planned dispatch is sent by the clock).
        """
        self.after_replies.append(action)


def run_after_replies(actions: Sequence[Callable[[], None]]) -> None:
    """Run the actions a handler queued; one failing does not stop the others (the reply is already out)."""
    for action in actions:
        try:
            action()
        except Exception:
            log.exception("an action after the reply failed")
