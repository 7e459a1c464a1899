"""The fake's keep-alive server and its lean path for LINE's hot endpoints answer as Flask did.

The fake serves push, multicast and reply without Flask's request machinery (see
``bot/devtools/fake_line/app.py``) on a server that keeps each connection on its own
thread (``wsgi_server.py``); these tests hold both to what the fake answered before:
the same checks, the same status, body and headers, and connections that stay usable.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.devtools.fake_line import FakeLine, FakeLineState, RequestContract, create_fake_line_app

TOKEN = "server-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
PUSH = "/v2/bot/message/push"
VALID = {"to": "U" + "1" * 32, "messages": [{"type": "text", "text": "こんにちは"}]}
INVALID = {"to": "U" + "1" * 32, "messages": [{"type": "text", "text": "x" * 5001}]}
UNKNOWN_TYPE = {"to": "U" + "1" * 32, "messages": [{"type": "diagonal", "text": "?"}]}


@pytest.fixture
def fake(line_contract: RequestContract) -> Iterator[FakeLine]:
    with FakeLine.running(channel_token=TOKEN, contract=line_contract) as running:
        yield running


def connect(fake: FakeLine) -> http.client.HTTPConnection:
    parts = urlsplit(fake.base_url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)


def post(connection: http.client.HTTPConnection, body: Any, headers: dict[str, str] = AUTH,
         path: str = PUSH) -> tuple[int, dict[str, Any]]:
    connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_an_invalid_push_is_refused_on_the_lean_path_and_recorded(fake: FakeLine) -> None:
    connection = connect(fake)

    too_long = post(connection, INVALID)
    unknown = post(connection, UNKNOWN_TYPE)
    not_json = post(connection, "not an object")
    accepted = post(connection, VALID)

    assert too_long[0] == 400 and too_long[1]["details"][0]["property"] == "messages[0].text"
    assert unknown[0] == 400 and unknown[1]["details"]
    assert not_json[0] == 400
    assert accepted == (200, {"sentMessages": accepted[1]["sentMessages"]})
    assert [record.status for record in fake.state.requests(PUSH)] == [400, 400, 400, 200]
    assert fake.state.texts_to(VALID["to"]) == ["こんにちは"]


def test_the_lean_path_answers_exactly_as_the_flask_view(line_contract: RequestContract) -> None:
    """Status, body, content type and LINE's headers, request by request, for valid and refused bodies."""
    answers = []
    for through_flask in (False, True):
        state = FakeLineState(channel_token=TOKEN, contract=line_contract)
        app = create_fake_line_app(state)
        if through_flask:
            app.wsgi_app = app.wsgi_app.flask_wsgi_app  # type: ignore[attr-defined]
        client = app.test_client()
        key = {"X-Line-Retry-Key": "123e4567-e89b-12d3-a456-426614174000"}
        responses = [client.post(PUSH, data=json.dumps(VALID), headers={**AUTH, **key}),
                     client.post(PUSH, data=json.dumps(VALID), headers={**AUTH, **key}),  # 409
                     client.post(PUSH, data=json.dumps(INVALID), headers=AUTH),
                     client.post(PUSH, data="{", headers=AUTH),
                     client.post(PUSH, json=VALID),  # no token: 401
                     client.post(PUSH, data=json.dumps(VALID), headers={"Authorization": AUTH["Authorization"],
                                                                         "Content-Type": "text/plain"}),
                     client.get("/v2/bot/message/quota", headers=AUTH),
                     client.get(PUSH, headers=AUTH)]  # a method the route does not take: Flask's 405
        answers.append([(response.status, response.content_type, _without_ids(response.get_json(silent=True)),
                         sorted(name for name in response.headers.keys() if name.lower().startswith("x-line")))
                        for response in responses])
    assert answers[0] == answers[1]
    assert [status for status, *_ in answers[0]] == ["200 OK", "409 CONFLICT", "400 BAD REQUEST", "400 BAD REQUEST",
                                                     "401 UNAUTHORIZED", "400 BAD REQUEST", "200 OK",
                                                     "405 METHOD NOT ALLOWED"]


def _without_ids(body: Any) -> Any:
    """The answer with the message ids and quote tokens (fresh on each fake) left out."""
    if isinstance(body, dict) and "sentMessages" in body:
        return {**body, "sentMessages": len(body["sentMessages"])}
    return body


def test_a_request_answered_before_its_body_was_read_leaves_the_connection_usable(fake: FakeLine) -> None:
    connection = connect(fake)

    refused = post(connection, VALID, headers={"Content-Type": "application/json"})  # 401: no token
    accepted = post(connection, VALID)

    assert refused[0] == 401
    assert accepted[0] == 200
    assert fake.client_connections == 1


def test_a_chunked_body_is_read_whole_and_the_connection_stays_usable(fake: FakeLine) -> None:
    connection = connect(fake)
    encoded = json.dumps(VALID).encode()
    connection.request("POST", PUSH, body=iter([encoded[:10], encoded[10:]]),
                       headers={**AUTH, "Transfer-Encoding": "chunked"}, encode_chunked=True)
    chunked = connection.getresponse()
    chunked.read()

    assert chunked.status == 200
    assert post(connection, VALID)[0] == 200
    assert fake.state.texts_to(VALID["to"]) == ["こんにちは", "こんにちは"]
    assert fake.client_connections == 1


def test_stop_closes_idle_keep_alive_connections_at_once(line_contract: RequestContract) -> None:
    running = FakeLine(channel_token=TOKEN, contract=line_contract).start()
    connections = [connect(running) for _ in range(4)]
    for connection in connections:
        assert post(connection, VALID)[0] == 200

    started = time.monotonic()
    running.stop()

    assert time.monotonic() - started < 2
    for connection in connections:
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            post(connection, VALID)
