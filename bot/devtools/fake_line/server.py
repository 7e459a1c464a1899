"""Run the fake LINE API: in a background thread for tests, or in the foreground for the CLI.

The server is cheroot's threaded WSGI server, chosen over werkzeug's development
server because it keeps HTTP/1.1 connections alive, as LINE does. Werkzeug's
answers every request with ``Connection: close`` (its handler cannot drain an
unread body, e.g. after an early 401), so each request paid a new TCP connection
and a delivery benchmark measured the fake instead of the bot: bench/fake_capacity.py
prints the difference. The pool of threads is large enough for the sender's
concurrent fan-out to wait on injected latency all at once, as it would on LINE
(and to expose races, e.g. on retry keys).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from cheroot import wsgi

from bot.devtools.fake_line.app import create_fake_line_app
from bot.devtools.fake_line.state import FakeLineState

# Requests served at once: above the bot's 32 push threads plus tests' own clients.
SERVER_THREADS = 64
# Idle keep-alive connections kept open (cheroot's default of 10 closes most of a
# 32-connection pool after each burst, turning keep-alive back into reconnects).
KEEP_ALIVE_CONNECTIONS = 1000
# How often the connection loop wakes when idle, and so how long ``stop`` waits:
# cheroot's 0.5 s would add half a second to every test that starts a fake.
SELECT_TIMEOUT_SECONDS = 0.02


class _PeerCounter:
    """WSGI middleware noting each client socket (address, port) that sent a request.

    Tests read it to check that the bot keeps its connections to LINE alive.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.peers: set[tuple[str, str]] = set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.peers.add((environ.get("REMOTE_ADDR", ""), environ.get("REMOTE_PORT", "")))
        return self.app(environ, start_response)


def _make_server(host: str, port: int, app: Any) -> wsgi.Server:
    server = wsgi.Server((host, port), app, numthreads=SERVER_THREADS, request_queue_size=128,
                         server_name="fake-line")
    server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
    server.expiration_interval = SELECT_TIMEOUT_SECONDS
    server.prepare()  # binds, so an ephemeral port is known before serving
    return server


class FakeLine:
    """A fake LINE server on an ephemeral port: ``base_url`` for clients, ``state`` for tests."""

    def __init__(self, state: FakeLineState | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, **state_options: Any) -> None:
        self.state = state or FakeLineState(**state_options)
        self.app = create_fake_line_app(self.state)
        self._peers = _PeerCounter(self.app)
        self._host = host
        self._port = port
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake LINE server is not running")
        return f"http://{self._host}:{self._server.bind_addr[1]}"

    @property
    def client_connections(self) -> int:
        """Distinct client connections that have sent a request since the fake started."""
        return len(self._peers.peers)

    def start(self) -> FakeLine:
        if self._server is not None:
            return self
        self._server = _make_server(self._host, self._port, self._peers)
        self._thread = threading.Thread(target=self._server.serve, name="fake-line", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.stop()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeLine:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @classmethod
    @contextmanager
    def running(cls, state: FakeLineState | None = None, **options: Any) -> Iterator[FakeLine]:
        """``with FakeLine.running(quota=10) as fake: ...``; usable as a pytest fixture body."""
        fake = cls(state, **options)
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()


def serve(host: str, port: int, **options: Any) -> None:
    """Serve in the foreground until interrupted (``kenshu fake-line --port N``)."""
    state = FakeLineState(**options)
    server = _make_server(host, port, create_fake_line_app(state))
    print(f"fake LINE API on http://{host}:{server.bind_addr[1]} "
          f"(validating with {state.contract.source})", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
