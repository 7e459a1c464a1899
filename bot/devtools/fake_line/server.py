"""Run the fake LINE API: in a background thread for tests, or in the foreground for the CLI.

The server keeps HTTP/1.1 connections alive, as LINE does, with one thread per
connection (``wsgi_server``): the bot's 32 push threads each keep a connection
and wait on injected latency all at once, as they would on LINE (which also
exposes races, e.g. on retry keys). Werkzeug's development server answers every
request with ``Connection: close``, so each request paid a new TCP connection;
cheroot's threaded server, used before, handed each keep-alive request between
two threads, which cost as much CPU as the request itself. bench/fake_capacity.py
prints what the fake can serve.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.devtools.fake_line.app import create_fake_line_app
from bot.devtools.fake_line.state import FakeLineState
from bot.devtools.fake_line.wsgi_server import KeepAliveServer


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


class FakeLine:
    """A fake LINE server on an ephemeral port: ``base_url`` for clients, ``state`` for tests."""

    def __init__(self, state: FakeLineState | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, **state_options: Any) -> None:
        self.state = state or FakeLineState(**state_options)
        self.app = create_fake_line_app(self.state)
        self._peers = _PeerCounter(self.app)
        self._host = host
        self._port = port
        self._server: KeepAliveServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake LINE server is not running")
        return f"http://{self._host}:{self._server.port}"

    @property
    def client_connections(self) -> int:
        """Distinct client connections that have sent a request since the fake started."""
        return len(self._peers.peers)

    def start(self) -> FakeLine:
        if self._server is not None:
            return self
        self._server = KeepAliveServer(self._host, self._port, self._peers)  # binds: the port is known
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
    server = KeepAliveServer(host, port, create_fake_line_app(state))
    print(f"fake LINE API on http://{host}:{server.port} "
          f"(validating with {state.contract.source})", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
