"""What a dispatch sends: the same messages to everyone, or a renderer's messages per user.

Stored on the dispatch as JSON so that a resumed send, or one run by another
process, sends exactly what was decided when the dispatch was created:

* ``{"messages": [LINE message objects]}``: identical content, sent by multicast;
* ``{"renderer": NAME, "params": {...}}``: personalised content, sent by push,
  built per user by the renderer registered under NAME (see ``Renderers``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from linebot.v3.messaging import Message
from sqlalchemy.orm import Session

from bot.db.tables import LineUser

if TYPE_CHECKING:
    from bot.services import Services

MAX_MESSAGES = 5  # LINE accepts at most five message objects per request
MAX_TEXT_CHARS = 5000
MAX_QUICK_REPLIES = 13  # LINE's limits for a message's quick-reply buttons
MAX_QUICK_REPLY_LABEL_CHARS = 20
MAX_QUICK_REPLY_TEXT_CHARS = 300


class ContentError(ValueError):
    """The content cannot be sent as it is (LINE would refuse it, or no renderer knows it)."""


@dataclass(frozen=True)
class Skip:
    """A renderer's answer for a user who must not receive this dispatch, with why."""

    reason: str


# (session, services, user, params) -> messages for this user, or Skip / None to skip them.
Renderer: TypeAlias = "Callable[[Session, Services, LineUser, dict[str, Any]], list[Message] | Skip | None]"


class Renderers:
    """The named renderers of personalised dispatches; the app builds one and registers into it.

    Kept explicit (no registration at import) so that which renderers exist is
    decided by whoever builds the engine, and tests can register their own.
    """

    def __init__(self, renderers: dict[str, Renderer] | None = None) -> None:
        self._renderers: dict[str, Renderer] = dict(renderers or {})

    def register(self, name: str, renderer: Renderer) -> None:
        if name in self._renderers:
            raise ValueError(f"renderer {name!r} is already registered")
        self._renderers[name] = renderer

    def get(self, name: str) -> Renderer:
        try:
            return self._renderers[name]
        except KeyError:
            raise ContentError(f"no renderer named {name!r} is registered") from None

    def __contains__(self, name: object) -> bool:
        return name in self._renderers


def text_content(text: str, quick_replies: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """One text message, refused when LINE would refuse it (empty, or over 5,000 characters).

    ``quick_replies`` are (label, text) pairs: buttons under the message that send
    ``text`` as the trainee's own message when tapped, which the bot then answers.
    """
    if not text.strip():
        raise ContentError("the announcement text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ContentError(f"the text has {len(text)} characters; LINE accepts at most {MAX_TEXT_CHARS}")
    message: dict[str, Any] = {"type": "text", "text": text}
    if quick_replies:
        message["quickReply"] = {"items": [{"type": "action", "action": {"type": "message", "label": label,
                                                                          "text": reply}}
                                           for label, reply in quick_replies]}
    return {"messages": [message]}


def is_personalised(content: dict[str, Any]) -> bool:
    return "renderer" in content


def validate(content: dict[str, Any]) -> None:
    """Refuse content LINE would reject before anything is stored or sent."""
    if is_personalised(content):
        if not isinstance(content.get("renderer"), str) or not isinstance(content.get("params", {}), dict):
            raise ContentError('personalised content is {"renderer": NAME, "params": {...}}')
        return
    messages(content)


def messages(content: dict[str, Any]) -> list[Message]:
    """The SDK message models of identical content (validated by the SDK's own models)."""
    raw = content.get("messages")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_MESSAGES:
        raise ContentError(f"content needs 1 to {MAX_MESSAGES} messages")
    for message in raw:
        if isinstance(message, dict) and message.get("type") == "text" and len(message.get("text") or "") > MAX_TEXT_CHARS:
            raise ContentError(f"a text message is over {MAX_TEXT_CHARS} characters")
        _check_quick_reply(message.get("quickReply") if isinstance(message, dict) else None)
    try:
        return [Message.from_dict(message) for message in raw]
    except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
        raise ContentError(f"not a LINE message: {error}") from None


def _check_quick_reply(quick_reply: object) -> None:
    """LINE's limits the SDK's models do not check: 13 buttons, labels of 20 characters, texts of 300."""
    if not isinstance(quick_reply, dict):
        return
    items = quick_reply.get("items") or []
    if len(items) > MAX_QUICK_REPLIES:
        raise ContentError(f"{len(items)} quick replies; LINE accepts at most {MAX_QUICK_REPLIES}")
    for item in items:
        action = item.get("action") if isinstance(item, dict) else None
        if not isinstance(action, dict):
            continue
        if not 1 <= len(action.get("label") or "") <= MAX_QUICK_REPLY_LABEL_CHARS:
            raise ContentError(f"a quick-reply label needs 1 to {MAX_QUICK_REPLY_LABEL_CHARS} characters")
        if action.get("type") == "message" and not 1 <= len(action.get("text") or "") <= MAX_QUICK_REPLY_TEXT_CHARS:
            raise ContentError(f"a quick reply's text needs 1 to {MAX_QUICK_REPLY_TEXT_CHARS} characters")


def message_count(content: dict[str, Any]) -> int:
    """Messages each receiver costs against the quota (a renderer's count is not known: 1)."""
    return 1 if is_personalised(content) else len(content["messages"])
