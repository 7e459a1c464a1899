"""Run the fake LINE API: in a background thread for tests, or in the foreground for the CLI.

The server is threaded because the bot's sender fans out concurrently and the
fake must absorb that like LINE would (and expose races, e.g. on retry keys).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bot.devtools.fake_line.app import create_fake_line_app
from bot.devtools.fake_line.state import FakeLineState


class _QuietRequestHandler(WSGIRequestHandler):
    """Tests and benchmarks send thousands of requests; one log line each is noise."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class FakeLine:
    """A fake LINE server on an ephemeral port: ``base_url`` for clients, ``state`` for tests."""

    def __init__(self, state: FakeLineState | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, **state_options: Any) -> None:
        self.state = state or FakeLineState(**state_options)
        self.app = create_fake_line_app(self.state)
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake LINE server is not running")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> FakeLine:
        if self._server is not None:
            return self
        self._server = make_server(self._host, self._port, self.app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-line", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
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
    server = make_server(host, port, create_fake_line_app(state), threaded=True)
    print(f"fake LINE API on http://{host}:{server.server_port} "
          f"(validating with {state.contract.source})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
