"""A keep-alive WSGI server with one thread per connection, for the fake LINE API.

cheroot (which the fake used before) hands a keep-alive connection back to its
selector thread after every request, and a queue hands it to a worker again
when the next request arrives: two thread hand-offs, a selector registration
and two GIL hand-overs a request. Profiled under the delivery benchmark's 32
connections, that and cheroot's pure-Python buffered reader cost about as much
of the fake's CPU as the whole request pipeline (0.4 of 0.8 ms a push). Here a
connection keeps its thread: the thread blocks in ``recv`` on its own socket,
reads the whole body (so an early answer, e.g. a 401, never leaves unread bytes
that would spoil the next request on the connection), calls the app, and sends
the answer in one ``sendall``. The standard library's ``http.server`` parses
the request line and headers.

What a fake needs and nothing more: HTTP/1.1 with ``Content-Length`` or chunked
bodies, no TLS, no streaming of answers.
"""

from __future__ import annotations

import io
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# An idle keep-alive connection is closed after this long, as cheroot's default did.
IDLE_TIMEOUT_SECONDS = 10.0
# How often ``serve_forever`` looks for a stop request, and so how long ``stop``
# waits: the default half second would add that to every test that starts a fake.
POLL_INTERVAL_SECONDS = 0.02


class _Handler(BaseHTTPRequestHandler):
    """Serves the requests of one connection, one after another, on the connection's thread."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-line"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    disable_nagle_algorithm = True  # the answer goes in one write; do not wait for an ACK
    server: _Server

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline or len(self.raw_requestline) > 65536:
            self.close_connection = True
            return
        if not self.parse_request():
            return  # parse_request has answered the error
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body framing")
            self.close_connection = True
            return
        self._run_app(body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline(1024).split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)  # the CRLF after the chunk
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass  # trailers, unused
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _run_app(self, body: bytes) -> None:
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": path,
            "QUERY_STRING": query, "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port), "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0], "REMOTE_PORT": str(self.client_address[1]),
            "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        content_type = self.headers.get("Content-Type")
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda data: None  # the fake's apps never use write()

        result = self.server.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = answer
        lines = [f"HTTP/1.1 {status}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers
                     if name.lower() not in ("content-length", "connection"))
        lines.append(f"Content-Length: {len(payload)}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("latin-1") + payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Silent: the fake records every request itself (``/__fake__/requests``)."""


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Accepts connections and gives each its own daemon thread; ``stop`` closes them all."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: WsgiApp) -> None:
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)
        self.server_name, self.server_port = self.server_address[0], self.server_address[1]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request is no error of the server's; anything else is printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class KeepAliveServer:
    """The server bound to ``(host, port)`` (0: any free port) serving ``app`` until ``stop``."""

    def __init__(self, host: str, port: int, app: WsgiApp) -> None:
        self._server = _Server((host, port), app)

    @property
    def port(self) -> int:
        return self._server.server_port

    def serve(self) -> None:
        self._server.serve_forever(poll_interval=POLL_INTERVAL_SECONDS)

    def stop(self) -> None:
        """Stop accepting, close every open connection (their threads end), release the port."""
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
