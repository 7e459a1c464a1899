"""The one module that talks to LINE, through line-bot-sdk v3.

Everything else hands this gateway SDK message models and gets back plain results
or a ``LineApiError`` that carries LINE's status and message, so callers decide on
retry (429, 5xx), "already accepted" (409) and "give up" (other 4xx) without
knowing the SDK's exception types.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
)

REQUEST_TIMEOUT_SECONDS = 10
REAL_DATA_HOST = "https://api-data.line.me"


class _DataHostClient(ApiClient):
    """An ApiClient that sends the data-host calls (image uploads) to our data URL, and
    sends requests whose messages are already LINE's JSON as they are.

    The SDK hard-codes ``api-data.line.me`` for blob endpoints; the fake LINE API
    serves both hosts on one address, so the gateway points that host elsewhere.
    The SDK walks every value of a request body before encoding it (to turn models
    and dates into JSON); a ``_Serialized`` request holds nothing but JSON already.
    Without that walk and the SDK's argument checks (below), a Flex answer's reply
    costs the sending thread 0.65 ms of CPU instead of 1.0-1.7 ms.
    """

    def __init__(self, configuration: Configuration, data_base_url: str) -> None:
        super().__init__(configuration)
        self._data_base_url = data_base_url

    def call_api(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("_host") == REAL_DATA_HOST:
            kwargs["_host"] = self._data_base_url
        return super().call_api(*args, **kwargs)

    def sanitize_for_serialization(self, obj):  # type: ignore[no-untyped-def]
        if isinstance(obj, _Serialized):
            return obj.to_dict()
        return super().sanitize_for_serialization(obj)


class LineApiError(Exception):
    """LINE answered with an error status (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str, accepted_request_id: str | None = None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.accepted_request_id = accepted_request_id

    def __str__(self) -> str:
        return f"LINE API {self.status}: {self.message}"

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status == 429 or self.status >= 500

    @property
    def already_accepted(self) -> bool:
        """409 on a retry key: LINE accepted the first request with that key."""
        return self.status == 409


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str
    language: str | None


@dataclass(frozen=True)
class Quota:
    """This month's message quota; ``limit`` is None when unlimited."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


def _data_url_for(base_url: str) -> str:
    """The real API has a separate data host; any other base URL serves both."""
    return REAL_DATA_HOST if base_url.rstrip("/") == "https://api.line.me" else base_url


def _error_from(exc: ApiException) -> LineApiError:
    message = exc.reason or ""
    if exc.body:
        try:
            message = json.loads(exc.body).get("message", message)
        except (ValueError, AttributeError):
            message = str(exc.body)[:500]
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    return LineApiError(int(exc.status or 0), message, headers.get("x-line-accepted-request-id"))


DEFAULT_POOL_SIZE = 32

# The SDK's generated methods check their arguments with pydantic on every call, twice
# (``push_message`` calls ``push_message_with_http_info``, both decorated): a tenth of a
# millisecond per push, a sixth of the gateway's CPU, re-checking request models this
# gateway has just built from SDK models. The undecorated function (pydantic's
# ``raw_function``) builds and sends the same request, with the same errors.
_PUSH = MessagingApi.push_message_with_http_info.raw_function
_REPLY = MessagingApi.reply_message_with_http_info.raw_function
_MULTICAST = MessagingApi.multicast_with_http_info.raw_function
# Replies, pushes and multicasts need LINE's status, never the body of a 200 (the sent messages' ids):
# the SDK's ``_preload_content=False`` leaves that body undecoded and builds no response
# model from it (0.05-0.1 ms of a push's CPU). An error's status, body and headers are read
# as before (``ApiException`` reads them from the response itself).
_STATUS_ONLY = {"_preload_content": False}


class _Serialized:
    """A request model built around messages already in LINE's JSON; its ``to_dict`` is plain JSON."""


class _SerializedReply(_Serialized, ReplyMessageRequest):
    """A reply request whose messages are already LINE's JSON (the answer outbox stores them so).

    The SDK turns a request model into JSON with ``to_dict``; this one hands back the
    JSON it was built with, so an answer is serialised once, when it is written to the
    outbox, not again (pydantic walking every Flex box) each time it is sent.
    """

    def to_dict(self) -> dict:  # type: ignore[override]
        return {"replyToken": self.reply_token, "messages": self.__dict__["_json_messages"]}


class _SerializedPush(_Serialized, PushMessageRequest):
    """A push request whose messages are already LINE's JSON (see ``_SerializedReply``)."""

    def to_dict(self) -> dict:  # type: ignore[override]
        return {"to": self.to, "messages": self.__dict__["_json_messages"]}


class _SerializedMulticast(_Serialized, MulticastRequest):
    """A multicast request built without pydantic's walk over its recipients (see ``_SerializedReply``).

    Building a ``MulticastRequest`` validates each of its 500 user ids (3 ms) and
    ``to_dict`` walks them again (2 ms): at 200 multicasts a second that was a
    core's worth of CPU for ids read from the ledger, taken from LINE's own webhooks.
    """

    def to_dict(self) -> dict:  # type: ignore[override]
        return {"to": self.to, "messages": self.__dict__["_json_messages"]}


def _serialized(model: type, json_messages: list[dict], **fields: object):  # type: ignore[no-untyped-def]
    request = model.construct(messages=[], **fields)
    object.__setattr__(request, "__dict__", {**request.__dict__, "_json_messages": json_messages})
    return request


class LineGateway:
    """Reply, push, multicast, profiles, quota and rich menus.

    One SDK ``ApiClient`` per gateway, so its urllib3 pool keeps up to ``pool_size``
    connections to LINE alive between requests: a request then costs no TCP or TLS
    handshake. Threads sending through one gateway should not outnumber
    ``pool_size`` (urllib3 would open, then discard, the extra connections).
    """

    def __init__(
        self, base_url: str, access_token: str, data_base_url: str | None = None, pool_size: int = DEFAULT_POOL_SIZE
    ) -> None:
        self.pool_size = pool_size
        configuration = Configuration(host=base_url, access_token=access_token)
        configuration.connection_pool_maxsize = pool_size
        self._client = _DataHostClient(configuration, data_base_url or _data_url_for(base_url))
        self._api = MessagingApi(self._client)
        self._blob = MessagingApiBlob(self._client)

    def _call(self, method, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return method(*args, _request_timeout=REQUEST_TIMEOUT_SECONDS, **kwargs)
        except ApiException as exc:
            raise _error_from(exc) from None
        except (OSError, urllib3.exceptions.HTTPError) as exc:  # timeouts, refused or dropped connections
            raise LineApiError(0, f"LINE unreachable: {exc.__class__.__name__}") from None

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        self._call(self._api.reply_message, ReplyMessageRequest(replyToken=reply_token, messages=list(messages)))

    def reply_serialized(self, reply_token: str, json_messages: list[dict]) -> None:
        """``reply`` for messages already serialised to LINE's JSON (``Message.to_dict()``)."""
        self._call(_REPLY, self._api, _serialized(_SerializedReply, json_messages, replyToken=reply_token), **_STATUS_ONLY)

    def push_serialized(self, user_id: str, json_messages: list[dict], retry_key: str | None = None) -> None:
        """``push`` for messages already serialised to LINE's JSON (``Message.to_dict()``)."""
        self._call(
            _PUSH,
            self._api,
            _serialized(_SerializedPush, json_messages, to=user_id),
            x_line_retry_key=retry_key,
            **_STATUS_ONLY,
        )

    def push(self, user_id: str, messages: Sequence[Message], retry_key: str | None = None) -> None:
        """Push SDK message models; each is serialised once, and the request around them is not re-validated.

        The messages were validated when they were built; a ``PushMessageRequest`` built
        from them checked them all again (pydantic) before ``to_dict`` walked them once
        more: 0.05 ms a push of the engine's CPU, which bounds a send of personal pushes.
        """
        self.push_serialized(user_id, [message.to_dict() for message in messages], retry_key)

    def multicast(self, user_ids: Sequence[str], messages: Sequence[Message], retry_key: str | None = None) -> None:
        self._call(
            _MULTICAST,
            self._api,
            _serialized(_SerializedMulticast, [message.to_dict() for message in messages], to=list(user_ids)),
            x_line_retry_key=retry_key,
            **_STATUS_ONLY,
        )

    def profile(self, user_id: str) -> Profile:
        response = self._call(self._api.get_profile, user_id)
        return Profile(response.user_id, response.display_name, response.language)

    def quota(self) -> Quota:
        quota = self._call(self._api.get_message_quota)
        used = self._call(self._api.get_message_quota_consumption).total_usage
        limit = quota.value if quota.type == "limited" else None
        return Quota(limit=limit, used=used)

    def create_rich_menu(self, menu: RichMenuRequest, image_png: bytes) -> str:
        """Create a rich menu with its image and make it every user's default."""
        rich_menu_id = self._call(self._api.create_rich_menu, menu).rich_menu_id
        self._call(
            self._blob.set_rich_menu_image,
            rich_menu_id,
            body=image_png,
            _headers={"Content-Type": "image/png"},
        )
        self._call(self._api.set_default_rich_menu, rich_menu_id)
        return rich_menu_id
