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
the answer in one ``sendall``. The request line and headers are parsed here:
``http.server`` parses headers with the ``email`` package, about a third of
the server's own Python time a request under cProfile.

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
from typing import Any
from urllib.parse import unquote

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# An idle keep-alive connection is closed after this long, as cheroot's default did.
IDLE_TIMEOUT_SECONDS = 10.0
# A request line or header line longer than this, or more headers, is refused.
MAX_LINE_BYTES = 65536
MAX_HEADERS = 100
# How often ``serve_forever`` looks for a stop request, and so how long ``stop``
# waits: the default half second would add that to every test that starts a fake.
POLL_INTERVAL_SECONDS = 0.02


class _Handler(socketserver.StreamRequestHandler):
    """Serves the requests of one connection, one after another, on the connection's thread."""

    timeout = IDLE_TIMEOUT_SECONDS
    disable_nagle_algorithm = True  # the answer goes in one write; do not wait for an ACK
    server: _Server

    def handle(self) -> None:
        try:
            while self._serve_one():
                pass
        except (TimeoutError, ConnectionError):
            pass  # the client went away, or stayed idle past the timeout

    def _serve_one(self) -> bool:
        """One request and its answer; False when the connection is to be closed."""
        line = self.rfile.readline(MAX_LINE_BYTES + 1)
        if not line or len(line) > MAX_LINE_BYTES:
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._refuse(400, "Bad request line")
            return False
        method, target, version = parts
        headers = self._headers()
        if headers is None:
            self._refuse(431, "Request header fields too large")
            return False
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            body = self._body(headers)
        except ValueError:
            self._refuse(400, "Bad request body framing")
            return False
        self._run_app(method, target, version, headers, body, keep_alive)
        return keep_alive

    def _headers(self) -> dict[str, str] | None:
        """Header names lower-cased; a repeated header's values joined with commas, as WSGI has them."""
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = self.rfile.readline(MAX_LINE_BYTES + 1)
            if line in (b"\r\n", b"\n", b""):
                return headers
            if len(line) > MAX_LINE_BYTES:
                return None
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        return None

    def _body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline(1024).split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)  # the CRLF after the chunk
            while self.rfile.readline(MAX_LINE_BYTES + 1) not in (b"\r\n", b"\n", b""):
                pass  # trailers, unused
            return b"".join(chunks)
        length = int(headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _refuse(self, status: int, reason: str) -> None:
        self.wfile.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                         .encode("latin-1"))

    def _run_app(self, method: str, target: str, version: str, headers: dict[str, str], body: bytes,
                 keep_alive: bool) -> None:
        path, _, query = target.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query, "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port), "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": self.client_address[0], "REMOTE_PORT": str(self.client_address[1]),
            "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        for name, value in headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name not in ("content-length", "transfer-encoding"):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
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
        status, answer_headers = answer
        lines = [f"HTTP/1.1 {status}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in answer_headers
                     if name.lower() not in ("content-length", "connection"))
        lines.append(f"Content-Length: {len(payload)}\r\n")
        if not keep_alive:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("latin-1") + payload)


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
