"""Serve a built app over HTTP in a background thread: the demo's console and the browser tests.

cheroot's threaded WSGI server, on 127.0.0.1 and a
free port unless one is asked for; stopped when the block ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cheroot import wsgi
from flask import Flask


@contextmanager
def serving(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The app's base URL while the block runs (``port=0``: any free port)."""
    server = wsgi.Server((host, port), app, numthreads=8, server_name="kenshu-console")
    server.expiration_interval = 0.05  # how long ``stop`` waits for the idle loop
    server.prepare()
    thread = threading.Thread(target=server.serve, name="kenshu-console", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.bind_addr[1]}"
    finally:
        server.stop()
        thread.join(timeout=5)
