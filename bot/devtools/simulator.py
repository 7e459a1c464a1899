"""Signed webhook requests as the LINE platform would send them.

The chat, ``kenshu ask``, the tests and the benchmarks all enter the bot through
``POST /callback`` with a body built here, so they exercise exactly the path a
real LINE event takes. Signing is the platform's side of the contract (the bot
verifies with the SDK's WebhookParser), so it lives here and nowhere in the bot.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any


def sign(body: str, channel_secret: str) -> str:
    """The ``X-Line-Signature`` LINE computes for a body."""
    digest = hmac.new(channel_secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _base(event_type: str, user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": event_type,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token:
        event["replyToken"] = reply_token
    return event


def text_event(user_id: str, text: str, reply_token: str) -> dict[str, Any]:
    event = _base("message", user_id, reply_token)
    event["message"] = {"type": "text", "id": str(uuid.uuid4().int)[:18], "text": text, "quoteToken": uuid.uuid4().hex}
    return event


def follow_event(user_id: str, reply_token: str) -> dict[str, Any]:
    event = _base("follow", user_id, reply_token)
    event["follow"] = {"isUnblocked": False}
    return event


def unfollow_event(user_id: str) -> dict[str, Any]:
    return _base("unfollow", user_id)


def postback_event(user_id: str, data: str, reply_token: str) -> dict[str, Any]:
    event = _base("postback", user_id, reply_token)
    event["postback"] = {"data": data}
    return event


def sticker_event(user_id: str, reply_token: str) -> dict[str, Any]:
    event = _base("message", user_id, reply_token)
    event["message"] = {
        "type": "sticker",
        "id": str(uuid.uuid4().int)[:18],
        "packageId": "446",
        "stickerId": "1988",
        "stickerResourceType": "STATIC",
        "quoteToken": uuid.uuid4().hex,
    }
    return event


def webhook_body(events: list[dict[str, Any]], destination: str = "Ubotdestination0000000000000000000") -> str:
    return json.dumps({"destination": destination, "events": events}, ensure_ascii=False)


def signed_request(events: list[dict[str, Any]], channel_secret: str) -> tuple[str, dict[str, str]]:
    """A body and the headers LINE sends with it."""
    body = webhook_body(events)
    return body, {"Content-Type": "application/json", "X-Line-Signature": sign(body, channel_secret)}
