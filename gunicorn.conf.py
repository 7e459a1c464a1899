"""gunicorn settings for the webhook (``Procfile: web``)."""

import os

from bot.line.worker import EventWorker
from bot.services import Services

bind = "0.0.0.0:" + os.environ.get("PORT", "8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Start each gunicorn worker's event worker at once: it also handles events a crash left behind.

    With KENSHU_DISPATCH=worker the web process only acknowledges, so it builds no
    answering index and starts no threads.
    """
    app = worker.wsgi
    event_worker = EventWorker.of(app)
    if event_worker.mode == "threads":
        Services.of(app).warm()
        event_worker.start()


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    app = getattr(worker, "wsgi", None)
    if app is not None:
        EventWorker.of(app).stop()
