"""The Flask app that impersonates LINE's Messaging API (api.line.me and api-data).

Every LINE request goes through one pipeline, in the order LINE's front door
would apply it: authentication, injected faults, rate limit, retry-key format,
body contract, then the endpoint's own rules (reply token, retry-key replay,
quota). Each request is recorded with the status it got, accepted or not.

The LINE endpoints without a path parameter (push, multicast, reply, ...) are
served by a lean WSGI path (``_FastPath``) in front of Flask: the same pipeline
and checks, without Flask's request context, URL matching and response object
(0.1 ms of the fake's CPU a request, most of what a push cost it in one thread).
Every other request, and any method a route does not take, goes to Flask as before.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from bot.devtools.fake_line.control import register_control_routes
from bot.devtools.fake_line.errors import MESSAGES, error_body, validation_error_body
from bot.devtools.fake_line.record import RecordedRequest
from bot.devtools.fake_line.state import FakeLineState, SendOutcome, SendResult

Result = tuple[int, Any, dict[str, str]]
Handler = Callable[..., Result]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RETRY_KEY_ENDPOINTS = frozenset({"push", "multicast", "broadcast"})
JSON_BODY_ENDPOINTS = frozenset({"reply", "push", "multicast", "broadcast", "loading",
                                 "richmenu_create", "richmenu_validate"})
MAX_RICH_MENU_IMAGE_BYTES = 1024 * 1024


def create_fake_line_app(state: FakeLineState) -> Flask:
    """Build the fake's WSGI app around ``state`` (which tests may also drive directly)."""
    app = Flask("bot.devtools.fake_line")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    pipeline = _Pipeline(state)
    handlers = _Handlers(state)

    routes: list[tuple[str, str, str, Handler]] = [
        ("POST", "/v2/bot/message/reply", "reply", handlers.reply),
        ("POST", "/v2/bot/message/push", "push", handlers.push),
        ("POST", "/v2/bot/message/multicast", "multicast", handlers.multicast),
        ("POST", "/v2/bot/message/broadcast", "broadcast", handlers.broadcast),
        ("GET", "/v2/bot/message/quota", "quota", handlers.quota),
        ("GET", "/v2/bot/message/quota/consumption", "quota_consumption", handlers.consumption),
        ("GET", "/v2/bot/profile/<user_id>", "profile", handlers.profile),
        ("POST", "/v2/bot/chat/loading/start", "loading", handlers.loading),
        ("POST", "/v2/bot/richmenu", "richmenu_create", handlers.create_rich_menu),
        ("POST", "/v2/bot/richmenu/validate", "richmenu_validate", handlers.validate_rich_menu),
        ("GET", "/v2/bot/richmenu/list", "richmenu_list", handlers.list_rich_menus),
        ("GET", "/v2/bot/richmenu/<rich_menu_id>", "richmenu_get", handlers.get_rich_menu),
        ("DELETE", "/v2/bot/richmenu/<rich_menu_id>", "richmenu_delete", handlers.delete_rich_menu),
        ("POST", "/v2/bot/richmenu/<rich_menu_id>/content", "richmenu_content",
         handlers.upload_rich_menu_image),
        ("POST", "/v2/bot/user/all/richmenu/<rich_menu_id>", "richmenu_default_set",
         handlers.set_default_rich_menu),
        ("GET", "/v2/bot/user/all/richmenu", "richmenu_default_get",
         handlers.get_default_rich_menu),
        ("DELETE", "/v2/bot/user/all/richmenu", "richmenu_default_delete",
         handlers.delete_default_rich_menu),
    ]
    for method, rule, endpoint, handler in routes:
        app.add_url_rule(rule, endpoint=f"line_{endpoint}", methods=[method],
                         view_func=pipeline.view(endpoint, handler))
    register_control_routes(app, state)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> tuple[Response, int]:
        """A bug in a handler: LINE's JSON error shape (the fast path answers the same), not Flask's HTML page."""
        return jsonify(error_body("Internal Server Error")), 500

    app.wsgi_app = _FastPath(app.wsgi_app, pipeline,  # type: ignore[method-assign]
                             {(method, rule): (endpoint, handler) for method, rule, endpoint, handler in routes
                              if "<" not in rule})
    return app


class Incoming(Protocol):
    """What the pipeline reads of a request, from Flask's ``request`` or straight from the WSGI environ."""

    method: str
    path: str

    def header(self, name: str) -> str | None: ...

    def json(self) -> Any:
        """The body parsed as JSON when it is declared JSON, else None (Flask's ``get_json(silent=True)``)."""


class _FlaskIncoming:
    method = property(lambda self: request.method)
    path = property(lambda self: request.path)

    @staticmethod
    def header(name: str) -> str | None:
        return request.headers.get(name)

    @staticmethod
    def json() -> Any:
        return request.get_json(silent=True)


class _EnvironIncoming:
    __slots__ = ("environ", "method", "path")

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"]
        self.path = environ.get("PATH_INFO") or "/"

    def header(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def json(self) -> Any:
        mimetype = self.environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        if not (mimetype == "application/json"
                or (mimetype.startswith("application/") and mimetype.endswith("+json"))):
            return None
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
            return json.loads(self.environ["wsgi.input"].read(length) if length > 0 else b"")
        except ValueError:  # not JSON, not UTF-8/16/32, or a bad length: as Flask's silent get_json
            return None


class _FastPath:
    """WSGI middleware serving the routes without path parameters through the pipeline directly.

    The answer is what Flask's ``jsonify`` gives (compact JSON, a final newline,
    ``application/json``, werkzeug's status phrase), so clients see no difference.
    """

    def __init__(self, flask_wsgi_app: Any, pipeline: _Pipeline,
                 routes: dict[tuple[str, str], tuple[str, Handler]]) -> None:
        self.flask_wsgi_app = flask_wsgi_app
        self.pipeline = pipeline
        self.routes = routes

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        route = self.routes.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"))
        if route is None:
            return self.flask_wsgi_app(environ, start_response)
        try:
            status, body, headers = self.pipeline.answer(*route, {}, _EnvironIncoming(environ))
        except Exception:  # a bug in a handler: answer 500 as the Flask app's error handler does, and say why
            traceback.print_exc(file=environ.get("wsgi.errors", sys.stderr))
            status, body, headers = 500, error_body("Internal Server Error"), {}
        payload = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                        *headers.items()])
        return [payload]


class _Pipeline:
    """Wraps an endpoint handler with LINE's common checks and the recording."""

    def __init__(self, state: FakeLineState) -> None:
        self.state = state

    def view(self, endpoint: str, handler: Handler) -> Callable[..., Response]:
        def run(**path_args: str) -> Response:
            status, body, headers = self.answer(endpoint, handler, path_args, _FlaskIncoming())
            response = jsonify(body)
            response.status_code = status
            for name, value in headers.items():
                response.headers[name] = value
            return response
        run.__name__ = f"line_{endpoint}"
        return run

    def answer(self, endpoint: str, handler: Handler, path_args: dict[str, str],
               incoming: Incoming) -> Result:
        """Check, handle and record one request; its status, JSON body and headers."""
        state = self.state
        record = RecordedRequest(request_id=state.new_request_id(), method=incoming.method,
                                 path=incoming.path, endpoint=endpoint, at=state.clock(),
                                 retry_key=incoming.header("X-Line-Retry-Key"))
        status, body, headers = self._checked(endpoint, handler, path_args, record, incoming)
        record.status, record.response = status, body
        state.log.append(record)
        return status, body, {"X-Line-Request-Id": record.request_id, **headers}

    def _checked(self, endpoint: str, handler: Handler, path_args: dict[str, str],
                 record: RecordedRequest, incoming: Incoming) -> Result:
        state = self.state
        if not state.authorized(incoming.header("Authorization")):
            return 401, error_body(MESSAGES["auth"]), {}
        fault = state.faults.decide(incoming.path)
        if fault.latency_seconds > 0:
            state.sleep(fault.latency_seconds)
        if fault.error_status is not None:
            message = MESSAGES["rate_limit"] if fault.error_status == 429 else MESSAGES["injected"]
            return fault.error_status, error_body(message), {}
        if not state.limiter.allow(endpoint):
            return 429, error_body(MESSAGES["rate_limit"]), {}
        if record.retry_key is not None and endpoint in RETRY_KEY_ENDPOINTS \
                and not _UUID.match(record.retry_key):
            return 400, error_body(MESSAGES["retry_key_invalid"]), {}
        body = None
        if endpoint in JSON_BODY_ENDPOINTS:
            body = incoming.json()
            record.body = body
            if body is None:
                return 400, error_body(MESSAGES["bad_json"]), {}
            details = state.contract.check(endpoint, body)
            if details:
                return 400, validation_error_body(details), {}
        return handler(record, body, **path_args)


class _Handlers:
    """What each endpoint does once the request passed the common checks."""

    def __init__(self, state: FakeLineState) -> None:
        self.state = state

    # -- messages -------------------------------------------------------
    def reply(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        valid, user_id = self.state.consume_reply_token(body.get("replyToken"))
        if not valid:
            return 400, error_body(MESSAGES["reply_token"]), {}
        record.reply_token_user = user_id
        outcome = self.state.accept_send(
            retry_key=None, request_id=record.request_id,
            recipients=[user_id] if user_id else [], message_count=len(body["messages"]),
            counts_toward_quota=False, sent_messages=True)
        return self._sent(record, outcome, {"sentMessages": outcome.sent_messages})

    def push(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        outcome = self.state.accept_send(
            retry_key=record.retry_key, request_id=record.request_id, recipients=[body["to"]],
            message_count=len(body["messages"]), counts_toward_quota=True, sent_messages=True)
        return self._sent(record, outcome, {"sentMessages": outcome.sent_messages})

    def multicast(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        outcome = self.state.accept_send(
            retry_key=record.retry_key, request_id=record.request_id, recipients=body["to"],
            message_count=len(body["messages"]), counts_toward_quota=True, sent_messages=False)
        return self._sent(record, outcome, {})

    def broadcast(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        outcome = self.state.accept_send(
            retry_key=record.retry_key, request_id=record.request_id,
            recipients=self.state.broadcast_audience(), message_count=len(body["messages"]),
            counts_toward_quota=True, sent_messages=False)
        return self._sent(record, outcome, {})

    @staticmethod
    def _sent(record: RecordedRequest, outcome: SendOutcome, ok_body: dict[str, Any]) -> Result:
        if outcome.result is SendResult.DUPLICATE_RETRY_KEY:
            conflict = error_body(MESSAGES["retry_key_accepted"])
            if outcome.sent_messages:
                conflict["sentMessages"] = outcome.sent_messages
            return 409, conflict, {"x-line-accepted-request-id": outcome.accepted_request_id or ""}
        if outcome.result is SendResult.QUOTA_EXCEEDED:
            return 429, error_body(MESSAGES["quota"]), {}
        record.recipients = outcome.delivered_to
        return 200, ok_body, {}

    def quota(self, record: RecordedRequest, body: None) -> Result:
        return 200, self.state.quota_json(), {}

    def consumption(self, record: RecordedRequest, body: None) -> Result:
        return 200, self.state.consumption_json(), {}

    # -- users ----------------------------------------------------------
    def profile(self, record: RecordedRequest, body: None, user_id: str) -> Result:
        profile = self.state.profile(user_id)
        if profile is None:
            return 404, error_body(MESSAGES["not_found"]), {}
        return 200, profile, {}

    def loading(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        return 202, {}, {}

    # -- rich menus -----------------------------------------------------
    def create_rich_menu(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        return 200, {"richMenuId": self.state.create_rich_menu(body)}, {}

    def validate_rich_menu(self, record: RecordedRequest, body: dict[str, Any]) -> Result:
        return 200, {}, {}

    def list_rich_menus(self, record: RecordedRequest, body: None) -> Result:
        return 200, {"richmenus": [menu.to_json() for menu in self.state.rich_menus()]}, {}

    def get_rich_menu(self, record: RecordedRequest, body: None, rich_menu_id: str) -> Result:
        menu = self.state.rich_menu(rich_menu_id)
        if menu is None:
            return 404, error_body(MESSAGES["not_found"]), {}
        return 200, menu.to_json(), {}

    def delete_rich_menu(self, record: RecordedRequest, body: None, rich_menu_id: str) -> Result:
        if not self.state.delete_rich_menu(rich_menu_id):
            return 404, error_body(MESSAGES["not_found"]), {}
        return 200, {}, {}

    def upload_rich_menu_image(self, record: RecordedRequest, body: None,
                               rich_menu_id: str) -> Result:
        """api-data.line.me in reality; only the size and type are kept, not the bytes."""
        menu = self.state.rich_menu(rich_menu_id)
        if menu is None:
            return 404, error_body(MESSAGES["not_found"]), {}
        content_type = (request.mimetype or "").lower()
        if content_type not in ("image/jpeg", "image/png"):
            return 415, error_body("Unsupported Media Type: use image/jpeg or image/png"), {}
        size = len(request.get_data(cache=False))
        record.body = {"contentType": content_type, "size": size}
        if size > MAX_RICH_MENU_IMAGE_BYTES:
            return 400, error_body("The image must be 1 MB or smaller"), {}
        if not self.state.attach_rich_menu_image(rich_menu_id, content_type, size):
            return 400, error_body("An image has already been uploaded to the richmenu"), {}
        return 200, {}, {}

    def set_default_rich_menu(self, record: RecordedRequest, body: None,
                              rich_menu_id: str) -> Result:
        menu = self.state.rich_menu(rich_menu_id)
        if menu is None:
            return 404, error_body(MESSAGES["not_found"]), {}
        if menu.image_content_type is None:
            return 400, error_body("Must upload richmenu image before applying it to user"), {}
        self.state.set_default_rich_menu(rich_menu_id)
        return 200, {}, {}

    def get_default_rich_menu(self, record: RecordedRequest, body: None) -> Result:
        default = self.state.default_rich_menu
        if default is None:
            return 404, error_body("no default richmenu"), {}
        return 200, {"richMenuId": default}, {}

    def delete_default_rich_menu(self, record: RecordedRequest, body: None) -> Result:
        self.state.set_default_rich_menu(None)
        return 200, {}, {}
