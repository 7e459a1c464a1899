"""Everything the fake LINE platform remembers, behind one lock.

The HTTP layer (``app.py``) only translates between HTTP and these methods, so
tests can also drive the state directly: mint reply tokens, block users, set
the quota, and read what each user received.
"""

from __future__ import annotations

import enum
import itertools
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fake_line.contract import RequestContract
from bot.devtools.fake_line.faults import FaultConfig, FaultInjector
from bot.devtools.fake_line.ratelimit import RateLimit, RateLimiter
from bot.devtools.fake_line.record import Delivery, RecordedRequest, RequestLog
from bot.devtools.fake_line.timing import Clock, Sleeper, monotonic, real_sleep

DEFAULT_REPLY_TOKEN_TTL = 60.0
RETRY_KEY_TTL = 24 * 3600.0
DEFAULT_QUOTA = 1000


class SendResult(enum.Enum):
    ACCEPTED = "accepted"
    DUPLICATE_RETRY_KEY = "duplicate_retry_key"
    QUOTA_EXCEEDED = "quota_exceeded"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    result: SendResult
    delivered_to: list[str] = field(default_factory=list)
    accepted_request_id: str | None = None
    sent_messages: list[dict[str, str]] | None = None


@dataclass(slots=True)
class _ReplyToken:
    user_id: str | None
    issued_at: float


@dataclass(slots=True)
class _AcceptedRetryKey:
    request_id: str
    accepted_at: float
    sent_messages: list[dict[str, str]] | None


@dataclass(slots=True)
class RichMenu:
    rich_menu_id: str
    definition: dict[str, Any]
    image_content_type: str | None = None
    image_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"richMenuId": self.rich_menu_id, **self.definition}


class FakeLineState:
    """The fake platform: channel settings, users, tokens, quota, rich menus, record."""

    def __init__(self, *, channel_token: str | None = None, quota: int | None = DEFAULT_QUOTA,
                 reply_token_ttl: float = DEFAULT_REPLY_TOKEN_TTL,
                 rate_limits: dict[str, RateLimit | float | None] | None = None,
                 rate_limiting: bool = True, clock: Clock = monotonic,
                 sleep: Sleeper = real_sleep, fault_seed: int | None = 0,
                 contract: RequestContract | None = None) -> None:
        self.channel_token = channel_token
        self.reply_token_ttl = reply_token_ttl
        self.clock = clock
        self.sleep = sleep
        self.contract = contract or RequestContract.load()
        self.limiter = RateLimiter(clock, rate_limits, enabled=rate_limiting)
        self.faults = FaultInjector(fault_seed)
        self.log = RequestLog()
        self._lock = threading.RLock()
        self._quota = quota
        self._consumption = 0
        self._reply_tokens: dict[str, _ReplyToken] = {}
        self._retry_keys: dict[str, _AcceptedRetryKey] = {}
        self._profiles: dict[str, dict[str, Any]] = {}
        self._blocked: set[str] = set()
        self._friends: set[str] = set()
        self._rich_menus: dict[str, RichMenu] = {}
        self._default_rich_menu: str | None = None
        self._message_ids = itertools.count(100_000_000_000_000)

    # -- authentication -------------------------------------------------
    def authorized(self, header: str | None) -> bool:
        """``Bearer <token>``: any non-empty token, or exactly the configured one."""
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or not token.strip():
            return False
        return self.channel_token is None or token.strip() == self.channel_token

    # -- reply tokens ---------------------------------------------------
    def issue_reply_token(self, user_id: str | None = None) -> str:
        """Mint a token as a webhook event would carry; the user becomes a friend."""
        token = secrets.token_hex(16)
        with self._lock:
            self._reply_tokens[token] = _ReplyToken(user_id, self.clock())
            if user_id:
                self._friends.add(user_id)
        return token

    def consume_reply_token(self, token: Any) -> tuple[bool, str | None]:
        """Single use: a known, unexpired token is removed and its user returned."""
        if not isinstance(token, str):
            return False, None
        with self._lock:
            issued = self._reply_tokens.pop(token, None)
            if issued is None or self.clock() - issued.issued_at > self.reply_token_ttl:
                return False, None
            return True, issued.user_id

    # -- sending --------------------------------------------------------
    def check_retry_key(self, retry_key: str | None) -> _AcceptedRetryKey | None:
        with self._lock:
            return self._accepted_retry_key(retry_key)

    def accept_send(self, *, retry_key: str | None, request_id: str, recipients: Iterable[str],
                    message_count: int, counts_toward_quota: bool,
                    sent_messages: bool) -> SendOutcome:
        """Atomically: refuse a replayed retry key, charge the quota, deliver.

        Blocked users get nothing and are not charged, as on LINE, where a push
        to a user who blocked the account still answers 200.
        """
        with self._lock:
            previous = self._accepted_retry_key(retry_key)
            if previous is not None:
                return SendOutcome(SendResult.DUPLICATE_RETRY_KEY,
                                   accepted_request_id=previous.request_id,
                                   sent_messages=previous.sent_messages)
            recipients = recipients if isinstance(recipients, list) else list(recipients)
            delivered = (recipients if not self._blocked or not any(
                user in self._blocked for user in recipients)
                else [user for user in recipients if user not in self._blocked])
            usage = len(delivered) * message_count if counts_toward_quota else 0
            if usage and self._quota is not None and self._consumption + usage > self._quota:
                return SendOutcome(SendResult.QUOTA_EXCEEDED)
            self._consumption += usage
            self._friends.update(delivered)
            sent = ([{"id": str(next(self._message_ids)), "quoteToken": secrets.token_urlsafe(12)}
                     for _ in range(message_count)] if sent_messages else None)
            if retry_key:
                self._retry_keys[retry_key] = _AcceptedRetryKey(request_id, self.clock(), sent)
            return SendOutcome(SendResult.ACCEPTED, delivered, request_id, sent)

    def _accepted_retry_key(self, retry_key: str | None) -> _AcceptedRetryKey | None:
        if not retry_key:
            return None
        accepted = self._retry_keys.get(retry_key)
        if accepted and self.clock() - accepted.accepted_at > RETRY_KEY_TTL:
            del self._retry_keys[retry_key]
            return None
        return accepted

    def broadcast_audience(self) -> list[str]:
        """Broadcast reaches every known friend who has not blocked the bot."""
        with self._lock:
            return sorted(self._friends - self._blocked)

    # -- quota ----------------------------------------------------------
    def set_quota(self, value: int | None) -> None:
        """``None`` means LINE's ``"type": "none"`` (no monthly limit)."""
        with self._lock:
            self._quota = value

    def set_consumption(self, total_usage: int) -> None:
        with self._lock:
            self._consumption = total_usage

    def quota_json(self) -> dict[str, Any]:
        with self._lock:
            if self._quota is None:
                return {"type": "none"}
            return {"type": "limited", "value": self._quota}

    def consumption_json(self) -> dict[str, int]:
        with self._lock:
            return {"totalUsage": self._consumption}

    # -- users ----------------------------------------------------------
    def set_profile(self, user_id: str, display_name: str | None = None, *,
                    language: str | None = "ja", picture_url: str | None = None,
                    status_message: str | None = None) -> None:
        profile: dict[str, Any] = {"userId": user_id,
                                   "displayName": display_name or _default_name(user_id)}
        for key, value in (("pictureUrl", picture_url), ("statusMessage", status_message),
                           ("language", language)):
            if value is not None:
                profile[key] = value
        with self._lock:
            self._profiles[user_id] = profile
            self._friends.add(user_id)

    def profile(self, user_id: str) -> dict[str, Any] | None:
        """A user who blocked the bot has no visible profile (LINE answers 404)."""
        with self._lock:
            if user_id in self._blocked:
                return None
            return dict(self._profiles.get(user_id) or {
                "userId": user_id, "displayName": _default_name(user_id), "language": "ja"})

    def block(self, user_ids: Iterable[str]) -> None:
        with self._lock:
            self._blocked.update(user_ids)

    def unblock(self, user_ids: Iterable[str] | None = None) -> None:
        """Unblock the given users, or everyone when none are given."""
        with self._lock:
            if user_ids is None:
                self._blocked.clear()
            else:
                self._blocked.difference_update(user_ids)

    def blocked(self) -> list[str]:
        with self._lock:
            return sorted(self._blocked)

    def add_friends(self, user_ids: Iterable[str]) -> None:
        with self._lock:
            self._friends.update(user_ids)

    # -- rich menus -----------------------------------------------------
    def create_rich_menu(self, definition: dict[str, Any]) -> str:
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        with self._lock:
            self._rich_menus[rich_menu_id] = RichMenu(rich_menu_id, definition)
        return rich_menu_id

    def rich_menu(self, rich_menu_id: str) -> RichMenu | None:
        with self._lock:
            return self._rich_menus.get(rich_menu_id)

    def rich_menus(self) -> list[RichMenu]:
        with self._lock:
            return list(self._rich_menus.values())

    def attach_rich_menu_image(self, rich_menu_id: str, content_type: str, size: int) -> bool:
        """LINE accepts one image per rich menu; False when one is already attached."""
        with self._lock:
            menu = self._rich_menus[rich_menu_id]
            if menu.image_content_type is not None:
                return False
            menu.image_content_type, menu.image_size = content_type, size
            return True

    def delete_rich_menu(self, rich_menu_id: str) -> bool:
        with self._lock:
            if self._default_rich_menu == rich_menu_id:
                self._default_rich_menu = None
            return self._rich_menus.pop(rich_menu_id, None) is not None

    def set_default_rich_menu(self, rich_menu_id: str | None) -> None:
        with self._lock:
            self._default_rich_menu = rich_menu_id

    @property
    def default_rich_menu(self) -> str | None:
        with self._lock:
            return self._default_rich_menu

    # -- faults ---------------------------------------------------------
    def set_faults(self, latency_ms: float = 0.0, error_rate: float = 0.0,
                   error_status: int = 500, paths: Iterable[str] = (),
                   seed: int | None = None) -> None:
        self.faults.configure(FaultConfig(latency_ms, error_rate, error_status, tuple(paths)),
                              seed)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- reading the record ---------------------------------------------
    def new_request_id(self) -> str:
        return str(uuid.uuid4())

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        return self.log.all(path)

    def clear_requests(self) -> None:
        self.log.clear()

    def deliveries(self) -> dict[str, list[dict[str, Any]]]:
        """Per user id, the message objects received via reply, push, multicast, broadcast."""
        received: dict[str, list[dict[str, Any]]] = {}
        for delivery in self.log.deliveries():
            received.setdefault(delivery.user_id, []).append(delivery.message)
        return received

    def deliveries_to(self, user_id: str) -> list[Delivery]:
        return [d for d in self.log.deliveries() if d.user_id == user_id]

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        return [d.message for d in self.deliveries_to(user_id)]

    def texts_to(self, user_id: str) -> list[str]:
        """Just the text of text messages a user received: the common test question."""
        return [m["text"] for m in self.messages_to(user_id) if m.get("type") == "text"]


def _default_name(user_id: str) -> str:
    return f"User {user_id[-6:]}"
