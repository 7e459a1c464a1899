"""The one module that talks to LINE, through line-bot-sdk v3.

Everything else hands this gateway SDK message models and gets back plain results
or a ``LineApiError`` that carries LINE's status and message, so callers decide on
retry (429, 5xx), "already accepted" (409) and "give up" (other 4xx) without
knowing the SDK's exception types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    MessagingApiBlob,
    ReplyMessageRequest,
    RichMenuRequest,
)

REQUEST_TIMEOUT_SECONDS = 10
_TIMEOUT = urllib3.Timeout(total=REQUEST_TIMEOUT_SECONDS)  # what the SDK makes of ``_request_timeout``
REAL_DATA_HOST = "https://api-data.line.me"


class _DataHostClient(ApiClient):
    """An ApiClient that sends the data-host calls (image uploads) to our data URL.

    The SDK hard-codes ``api-data.line.me`` for blob endpoints; the fake LINE API
    serves both hosts on one address, so the gateway points that host elsewhere.
    """

    def __init__(self, configuration: Configuration, data_base_url: str) -> None:
        super().__init__(configuration)
        self._data_base_url = data_base_url

    def call_api(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("_host") == REAL_DATA_HOST:
            kwargs["_host"] = self._data_base_url
        return super().call_api(*args, **kwargs)


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
    return _line_error(int(exc.status or 0), exc.reason or "", exc.body, exc.headers)


def _line_error(status: int, reason: str, body: str | bytes | None, headers: Mapping[str, str] | None) -> LineApiError:
    """LINE's status, the message of its JSON error body, and the request id a 409 names."""
    message = reason
    if body:
        try:
            message = json.loads(body).get("message", message)
        except (ValueError, AttributeError):
            message = str(body)[:500]
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return LineApiError(status, message, lowered.get("x-line-accepted-request-id"))


DEFAULT_POOL_SIZE = 32
PUSH_PATH = "/v2/bot/message/push"
MULTICAST_PATH = "/v2/bot/message/multicast"


class _SerializedReply(ReplyMessageRequest):
    """A reply request whose messages are already LINE's JSON (the answer outbox stores them so).

    The SDK turns a request model into JSON with ``to_dict``; this one hands back the
    JSON it was built with, so an answer is serialised once, when it is written to the
    outbox, not again (pydantic walking every Flex box) each time it is sent.
    """

    def to_dict(self) -> dict:  # type: ignore[override]
        return {"replyToken": self.reply_token, "messages": self.__dict__["_json_messages"]}


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
        url = urllib3.util.parse_url(configuration.host)
        self._host = (url.host, url.port, url.scheme)
        self._path_prefix = (url.path or "").rstrip("/")
        # What the SDK's ApiClient puts on every JSON request: its User-Agent and the channel's token.
        self._json_headers = {**self._client.default_headers, "Accept": "application/json",
                              "Content-Type": "application/json"}

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
        self._call(self._api.reply_message, _serialized(_SerializedReply, json_messages, replyToken=reply_token))

    def push_serialized(self, user_id: str, json_messages: list[dict], retry_key: str | None = None) -> None:
        """``push`` for messages already serialised to LINE's JSON (``Message.to_dict()``)."""
        self._post(PUSH_PATH, {"to": user_id, "messages": json_messages}, retry_key)

    def push(self, user_id: str, messages: Sequence[Message], retry_key: str | None = None) -> None:
        """Push SDK message models, each serialised once (they were validated when built)."""
        self.push_serialized(user_id, [message.to_dict() for message in messages], retry_key)

    def multicast(self, user_ids: Sequence[str], messages: Sequence[Message], retry_key: str | None = None) -> None:
        self._post(MULTICAST_PATH, {"to": list(user_ids), "messages": [m.to_dict() for m in messages]}, retry_key)

    def _post(self, path: str, payload: dict, retry_key: str | None) -> None:
        """POST a push or a multicast on the SDK's own connection pool; raise ``LineApiError`` unless LINE took it.

        The request is the one the SDK's ``push_message`` / ``multicast`` would send
        (its URL, headers and ``json.dumps`` body), without the layers around it: the
        SDK's argument checks, header sanitising and ``RESTClientObject``, and urllib3's
        ``PoolManager`` (URL parsing, body encoding) cost 0.25 ms of CPU a push, half
        the gateway's, and a send of personal pushes is bound by that CPU. The
        connection comes from, and goes back to, the pool replies and profiles use.
        """
        headers = self._json_headers if retry_key is None else {**self._json_headers, "X-Line-Retry-Key": retry_key}
        try:
            pool = self._client.rest_client.pool_manager.connection_from_host(*self._host)
            response = pool.urlopen("POST", self._path_prefix + path, body=json.dumps(payload), headers=headers,
                                    timeout=_TIMEOUT, redirect=False, assert_same_host=False)
        except (OSError, urllib3.exceptions.HTTPError) as exc:  # timeouts, refused or dropped connections
            raise LineApiError(0, f"LINE unreachable: {exc.__class__.__name__}") from None
        if not 200 <= response.status <= 299:
            raise _line_error(response.status, response.reason or "", response.data, response.headers)

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
