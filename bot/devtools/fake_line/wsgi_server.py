"""A keep-alive WSGI server with one thread per connection, for the fake LINE API.

cheroot (which the fake used before) hands a keep-alive connection back to its
selector thread after every request, and a queue hands it to a worker again
when the next request arrives: two thread hand-offs, a selector registration
and two GIL hand-overs a request. Profiled under the delivery benchmark's 32
connections, that and cheroot's pure-Python buffered reader cost about as much
of the fake's CPU as the whole request pipeline (0.4 of 0.8 ms a push). Here a
connection keeps its thread: the thread blocks in ``recv`` on its own socket and
feeds what arrives to ``httptools`` (llhttp, the C parser uvicorn and Node use),
which frames requests and refuses malformed ones (bad sizes, folded headers,
Transfer-Encoding with Content-Length) before the app sees them. The whole body
is read before the app is called (so an early answer, e.g. a 401, never leaves
unread bytes that would spoil the next request on the connection), and the
answer goes out in one ``sendall``.

What a fake needs and nothing more: HTTP/1.1 with ``Content-Length`` or chunked
bodies, no TLS, no streaming of answers, no upgrades.
"""

from __future__ import annotations

import io
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

import httptools

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# An idle keep-alive connection is closed after this long, as cheroot's default did.
IDLE_TIMEOUT_SECONDS = 10.0
# ``stop`` waits this long for requests in progress to be answered, as cheroot's shutdown_timeout.
STOP_GRACE_SECONDS = 5.0
# A request line and headers longer than this together, or more headers, are refused (431).
MAX_HEAD_BYTES = 65536
MAX_HEADERS = 100
# A body longer than this is refused (413) while it arrives. LINE documents no request size
# limit; the largest body the bot sends is a rich menu image (LINE takes 1 MB, which the fake
# answers with LINE's 400), so twice that leaves the fake's own check room to see oversize images.
MAX_BODY_BYTES = 2 * 1024 * 1024
# The socket is read in pieces of this size: a declared length is never allocated up front.
READ_BYTES = 65536
# How often ``serve_forever`` looks for a stop request, and so how long ``stop``
# waits: the default half second would add that to every test that starts a fake.
POLL_INTERVAL_SECONDS = 0.02

_REASONS = {400: "Bad Request", 413: "Content Too Large", 431: "Request Header Fields Too Large",
            500: "Internal Server Error"}


class _Refused(Exception):
    """Raised from a parser callback: the request is answered with ``status`` and the connection closed."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Request:
    """One request as the parser reports it."""

    __slots__ = ("target", "headers", "head_bytes", "body", "body_bytes", "method", "version", "keep_alive",
                 "headers_done")

    def __init__(self) -> None:
        self.target = b""
        self.headers: dict[str, str] = {}
        self.head_bytes = 0
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.method = "GET"
        self.version = "1.1"
        self.keep_alive = True
        self.headers_done = False


class _Framing:
    """httptools' callbacks for one connection: collects requests as they complete, in order."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.parser = httptools.HttpRequestParser(self)
        self.current: _Request | None = None
        self.complete: deque[_Request] = deque()

    def on_message_begin(self) -> None:
        self.current = _Request()

    def on_url(self, url: bytes) -> None:
        request = self._request()
        request.target += url
        request.head_bytes += len(url)
        if request.head_bytes > MAX_HEAD_BYTES:
            raise _Refused(431)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Header names lower-cased; a repeated header's values joined with commas, as WSGI has them."""
        request = self._request()
        if request.headers_done:
            return  # a chunked body's trailers, unused
        request.head_bytes += len(name) + len(value)
        if request.head_bytes > MAX_HEAD_BYTES or len(request.headers) >= MAX_HEADERS:
            raise _Refused(431)
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        request.headers[key] = f"{request.headers[key]},{text}" if key in request.headers else text

    def on_headers_complete(self) -> None:
        request = self._request()
        request.headers_done = True
        request.method = self.parser.get_method().decode("latin-1")
        request.version = self.parser.get_http_version()
        # llhttp has checked Content-Length is digits only, and given once.
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            raise _Refused(413)
        if request.headers.get("expect", "").lower() == "100-continue":
            self.connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        request = self._request()
        request.body_bytes += len(body)
        if request.body_bytes > MAX_BODY_BYTES:
            raise _Refused(413)  # a chunked body grown past the limit
        request.body.append(body)

    def on_message_complete(self) -> None:
        request = self._request()
        request.keep_alive = self.parser.should_keep_alive()
        self.complete.append(request)
        self.current = None

    def _request(self) -> _Request:
        if self.current is None:  # llhttp calls on_message_begin first; this only narrows the type
            raise _Refused(400)
        return self.current


class _Handler(socketserver.BaseRequestHandler):
    """Serves the requests of one connection, one after another, on the connection's thread."""

    server: _Server
    request: socket.socket

    def handle(self) -> None:
        connection = self.request
        connection.settimeout(IDLE_TIMEOUT_SECONDS)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # the answer goes in one write
        framing = _Framing(connection)
        try:
            while True:
                data = connection.recv(READ_BYTES)
                if not data:
                    return  # the client closed; a request not yet whole never reaches the app
                if not self.server.begin_work(connection):
                    return  # stopping, and this connection was idle: it has been shut down
                refused = self._feed(framing, data)
                while framing.complete:
                    if not self._answer(framing.complete.popleft()):
                        return
                if refused:
                    self._send_status(refused)
                    return
                if not self.server.end_work(connection, busy=framing.current is not None):
                    return  # stopping: the answer went out with Connection: close
        except (TimeoutError, OSError):
            pass  # the client went away, stayed idle past the timeout, or ``stop`` shut the socket

    @staticmethod
    def _feed(framing: _Framing, data: bytes) -> int:
        """Feed the parser; the status to refuse with (after answering the requests already whole), or 0."""
        try:
            framing.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__
            if isinstance(cause, _Refused):
                return cause.status
            if isinstance(cause, OSError):
                raise cause from None  # the 100 Continue could not be sent: the client is gone
            traceback.print_exc(file=sys.stderr)  # a bug here: answer 500 rather than drop the connection
            return 500
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            return 400
        return 0

    def _answer(self, request: _Request) -> bool:
        """Run the app on ``request`` and send its answer; False when the connection is to be closed."""
        try:
            answer, keep_alive = self._run_app(request)
        except Exception:  # a bug in the app or its answer: 500, not a dropped connection
            traceback.print_exc(file=sys.stderr)
            self._send_status(500)
            return False
        self.request.sendall(answer)
        return keep_alive

    def _run_app(self, request: _Request) -> tuple[bytes, bool]:
        server = self.server
        path, _, query = request.target.decode("latin-1").partition("?")
        body = b"".join(request.body)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query, "SERVER_NAME": server.server_name,
            "SERVER_PORT": str(server.server_port), "SERVER_PROTOCOL": f"HTTP/{request.version}",
            "REMOTE_ADDR": self.client_address[0], "REMOTE_PORT": str(self.client_address[1]),
            "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name not in ("content-length", "transfer-encoding"):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda data: None  # the fake's apps never use write()

        result = server.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, answer_headers = answer
        keep_alive = request.keep_alive and not server.stopping
        lines = [f"HTTP/1.1 {status}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in answer_headers
                     if name.lower() not in ("content-length", "connection"))
        lines.append(f"Content-Length: {len(payload)}\r\n")
        if not keep_alive:
            lines.append("Connection: close\r\n")
        if any("\r" in line[:-2] or "\n" in line[:-2] for line in lines):
            raise ValueError("a line break inside a status or header")  # it would forge headers
        return "".join(lines).encode("latin-1") + b"\r\n" + payload, keep_alive

    def _send_status(self, status: int) -> None:
        self.request.sendall(f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n".encode("latin-1"))


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Accepts connections and gives each its own daemon thread; knows which are answering a request."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: WsgiApp) -> None:
        self.app = app
        self.stopping = False
        self._busy: dict[socket.socket, bool] = {}  # each open connection: is a request in progress?
        self._changed = threading.Condition()
        super().__init__(address, _Handler)
        self.server_name, self.server_port = self.server_address[0], self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Registered before its thread starts, so ``stop`` cannot miss a connection just accepted."""
        with self._changed:
            self._busy[request] = False
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._forget(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request: socket.socket) -> None:
        with self._changed:
            self._busy.pop(request, None)
            self._changed.notify_all()

    def begin_work(self, connection: socket.socket) -> bool:
        """Bytes arrived on ``connection``; False if it was idle when ``stop`` began (it is shut)."""
        with self._changed:
            if self.stopping and not self._busy.get(connection, False):
                return False
            self._busy[connection] = True
            return True

    def end_work(self, connection: socket.socket, busy: bool) -> bool:
        """The requests whole so far are answered; ``busy`` if another has begun. False: close now."""
        with self._changed:
            self._busy[connection] = busy
            self._changed.notify_all()
            return busy or not self.stopping

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request is no error of the server's; anything else is printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def close_connections(self, grace_seconds: float) -> None:
        """Shut idle connections at once; give requests in progress ``grace_seconds`` to be answered."""
        deadline = time.monotonic() + grace_seconds
        with self._changed:
            self.stopping = True
            while True:
                for connection, busy in self._busy.items():
                    if not busy:
                        _shut(connection)
                remaining = deadline - time.monotonic()
                if not any(self._busy.values()) or remaining <= 0:
                    break
                self._changed.wait(remaining)
            connections = list(self._busy)
        for connection in connections:
            _shut(connection)


def _shut(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the client or by its thread


class KeepAliveServer:
    """The server bound to ``(host, port)`` (0: any free port) serving ``app`` until ``stop``."""

    def __init__(self, host: str, port: int, app: WsgiApp) -> None:
        self._server = _Server((host, port), app)

    @property
    def port(self) -> int:
        return self._server.server_port

    def serve(self) -> None:
        self._server.serve_forever(poll_interval=POLL_INTERVAL_SECONDS)

    def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Stop accepting; answer requests in progress (up to ``grace_seconds``); close every connection."""
        self._server.shutdown()
        self._server.close_connections(grace_seconds)
        self._server.server_close()
