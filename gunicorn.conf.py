"""gunicorn settings for the webhook (``Procfile: web``)."""

import os

from bot.services import Services

bind = "0.0.0.0:" + os.environ.get("PORT", "8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Start each worker's dispatcher at once: it also handles events a crash left behind.

    With KENSHU_DISPATCH=worker the web process only acknowledges, so it builds no
    answering index and starts no threads.
    """
    app = worker.wsgi
    dispatcher = app.extensions["kenshu.dispatcher"]
    if dispatcher.mode == "threads":
        Services.of(app).warm()
        dispatcher.start()


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    dispatcher = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get("kenshu.dispatcher")
    if dispatcher:
        dispatcher.stop()
