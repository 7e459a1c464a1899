"""The fake's keep-alive server and its lean path for LINE's hot endpoints answer as Flask did.

The fake serves push, multicast and reply without Flask's request machinery (see
``bot/devtools/fake_line/app.py``) on a server that keeps each connection on its own
thread (``wsgi_server.py``); these tests hold both to what the fake answered before:
the same checks, the same status, body and headers, and connections that stay usable.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.devtools.fake_line import FakeLine, FakeLineState, RequestContract, create_fake_line_app, wsgi_server

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


def test_a_request_answered_without_its_body_leaves_the_connection_usable(fake: FakeLine) -> None:
    """A 401 (the app never reads the body) on a body spanning many reads, with the next request
    pipelined behind it: the server must still frame the body, or the next request is lost or garbled."""
    padding = "x" * (5 * wsgi_server.READ_BYTES)
    refused = raw_request(PUSH, json.dumps({**VALID, "pad": padding}).encode(), {"Content-Type": "application/json"})
    accepted = raw_request(PUSH, json.dumps(VALID).encode(), AUTH)

    with raw_connection(fake) as connection:
        connection.sendall(refused + accepted)
        answers = read_answers(connection, 2)

    assert [status for status, _, _ in answers] == [401, 200]
    assert json.loads(answers[1][2])["sentMessages"]
    assert [record.status for record in fake.state.requests(PUSH)] == [401, 200]


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
    """Idle connections (after a request, or before any) are closed without waiting out stop's grace."""
    running = FakeLine(channel_token=TOKEN, contract=line_contract).start()
    used = [raw_connection(running) for _ in range(3)]
    for connection in used:
        connection.sendall(raw_request(PUSH, json.dumps(VALID).encode(), AUTH))
        assert read_answers(connection, 1)[0][0] == 200
    silent = raw_connection(running)

    started = time.monotonic()
    running.stop()
    took = time.monotonic() - started

    assert took < wsgi_server.STOP_GRACE_SECONDS / 5
    assert all(closed_by_server(connection) for connection in [*used, silent])


def closed_by_server(connection: socket.socket) -> bool:
    """The server closed ``connection`` (an end of stream, or a reset for one it never accepted)."""
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False  # still open
    finally:
        connection.close()


def test_stop_answers_a_request_in_progress_before_returning(line_contract: RequestContract) -> None:
    in_handler = threading.Event()

    def slow(seconds: float) -> None:
        in_handler.set()
        time.sleep(seconds)

    state = FakeLineState(channel_token=TOKEN, contract=line_contract, sleep=slow)
    state.set_faults(latency_ms=500)
    running = FakeLine(state).start()
    answers: list[tuple[int, dict[str, Any]]] = []
    client = threading.Thread(target=lambda: answers.append(post(connect(running), VALID)))
    client.start()
    assert in_handler.wait(5)

    started = time.monotonic()
    running.stop()
    took = time.monotonic() - started
    client.join(5)

    assert answers and answers[0][0] == 200
    assert 0.2 < took < wsgi_server.STOP_GRACE_SECONDS
    assert [record.status for record in state.requests(PUSH)] == [200]


def test_an_oversize_body_is_refused_with_413_before_the_app(fake: FakeLine) -> None:
    declared = raw_request(PUSH, b"{}", AUTH).replace(
        b"Content-Length: 2", f"Content-Length: {wsgi_server.MAX_BODY_BYTES + 1}".encode())
    chunk = b"%x\r\n%s\r\n" % (wsgi_server.READ_BYTES, b"x" * wsgi_server.READ_BYTES)
    chunked_head = (f"POST {PUSH} HTTP/1.1\r\nHost: fake\r\nAuthorization: {AUTH['Authorization']}\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunks = wsgi_server.MAX_BODY_BYTES // wsgi_server.READ_BYTES + 1

    for request in (declared, chunked_head + chunk * chunks + b"0\r\n\r\n"):
        with raw_connection(fake) as connection:
            try:
                connection.sendall(request)
            except ConnectionError:
                pass  # the server answered and closed before reading all of it
            head = read_head(connection)
            assert head.startswith(b"HTTP/1.1 413 ")
            assert b"\r\nConnection: close\r\n" in head

    assert fake.state.requests() == []


@pytest.mark.parametrize("request_bytes", [
    b"POST /p HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabcde\r\n0\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nabcde\r\n0\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\nabcde\r\n0\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: f\r\nContent-Length: -1\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: f\r\nContent-Length: 0x5\r\n\r\nabcde",
    b"POST /p HTTP/1.1\r\nHost: f\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost : f\r\nContent-Length: 0\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: f\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
], ids=["negative-chunk", "hex-chunk", "underscored-chunk", "negative-length", "hex-length", "folded-header",
        "space-before-colon", "length-and-chunked"])
def test_malformed_framing_is_refused_with_400_before_the_app(fake: FakeLine, request_bytes: bytes) -> None:
    with raw_connection(fake) as connection:
        connection.sendall(request_bytes.replace(b"/p ", PUSH.encode() + b" "))
        head = read_head(connection)

    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nConnection: close\r\n" in head
    assert fake.state.requests() == []


def test_a_body_cut_short_by_the_client_never_reaches_the_app(fake: FakeLine) -> None:
    whole = raw_request(PUSH, json.dumps(VALID).encode(), AUTH)
    with raw_connection(fake) as connection:
        connection.sendall(whole[:-10])
        connection.shutdown(socket.SHUT_WR)
        assert connection.recv(1024) == b""

    assert fake.state.requests() == []


def _raising_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError("a bug in the app")


def _bad_header_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    values = {"crlf": "a\r\nX-Injected: 1", "cr": "a\rX-Injected: 1", "not-latin-1": "あ"}
    start_response("200 OK", [("X-Name", values[environ["QUERY_STRING"]])])
    return [b"ok"]


@pytest.mark.parametrize("app, target", [(_raising_app, "/"), (_bad_header_app, "/?crlf"),
                                         (_bad_header_app, "/?cr"), (_bad_header_app, "/?not-latin-1")])
def test_an_error_outside_the_app_s_handling_answers_500(app: Any, target: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    server = wsgi_server.KeepAliveServer("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
            connection.sendall(f"GET {target} HTTP/1.1\r\nHost: f\r\n\r\n".encode())
            head = read_head(connection)
    finally:
        server.stop()
        thread.join(5)

    assert head.startswith(b"HTTP/1.1 500 ")
    assert b"\r\nConnection: close\r\n" in head
    assert b"X-Injected" not in head
    assert "Traceback" in capsys.readouterr().err


def test_a_handler_s_exception_answers_the_same_500_on_both_paths(line_contract: RequestContract) -> None:
    answers = []
    for through_flask in (False, True):
        state = FakeLineState(channel_token=TOKEN, contract=line_contract)
        state.faults.decide = _broken  # type: ignore[method-assign]
        app = create_fake_line_app(state)
        if through_flask:
            app.wsgi_app = app.wsgi_app.flask_wsgi_app  # type: ignore[attr-defined]
        response = app.test_client().post(PUSH, data=json.dumps(VALID), headers=AUTH)
        answers.append((response.status, response.content_type, response.get_data()))

    assert answers[0] == answers[1]
    assert answers[0][0] == "500 INTERNAL SERVER ERROR" and json.loads(answers[0][2]) == {
        "message": "Internal Server Error"}


def _broken(path: str) -> Any:
    raise RuntimeError("a bug in a handler")


def raw_connection(fake: FakeLine) -> socket.socket:
    parts = urlsplit(fake.base_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def raw_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: fake", *(f"{name}: {value}" for name, value in headers.items()),
             f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_head(connection: socket.socket) -> bytes:
    """The status line and headers of the next answer (the connection read up to their end)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = connection.recv(1)
        if not piece:
            break
        data += piece
    return data


def read_answers(connection: socket.socket, count: int) -> list[tuple[int, bytes, bytes]]:
    """``count`` answers with a Content-Length: status, head and body of each."""
    answers = []
    for _ in range(count):
        head = read_head(connection)
        length = int(re.search(rb"\r\nContent-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
        body = b""
        while len(body) < length:
            body += connection.recv(length - len(body))
        answers.append((int(head.split(b" ")[1]), head, body))
    return answers
