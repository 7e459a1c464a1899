"""Sends started from a web request, run on a thread of the web process so the request returns at once.

The console stores the dispatch due now (``announcements.create``), hands its id
here and redirects to the history, which shows the send's progress. Nothing is
lost if this process dies: the dispatch is in the database, and the clock
process (``run_due``, every few seconds) sends a due dispatch nobody claimed, or
resumes one whose sender went silent. The claim is one conditional UPDATE, so
when the clock and this thread reach the same dispatch exactly one sends it
(the other sees ``TakenOver`` and stops); the ledger's retry keys cover the rest.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from bot.secretariat import announcements
from bot.secretariat.audit import Actor
from bot.secretariat.errors import SecretariatError
from bot.services import Services

log = logging.getLogger(__name__)

_EXTENSION_KEY = "kenshu.background_sends"
WORKERS = 2  # two sends at once; each already sends on the delivery engine's own pool of threads


class BackgroundSends:
    """A small pool of threads of the web process that run dispatches the console created."""

    def __init__(self, services: Services, workers: int = WORKERS) -> None:
        self.services = services
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def install(self, app: Flask) -> BackgroundSends:
        app.extensions[_EXTENSION_KEY] = self
        return self

    @classmethod
    def of(cls, app: Flask) -> BackgroundSends:
        return app.extensions[_EXTENSION_KEY]

    def start(self, dispatch_id: int, resume_by: Actor | None = None) -> None:
        """Send a dispatch just created (or, with ``resume_by``, resume one) on a background thread."""
        with self._lock:  # threads start with the first send, after gunicorn has forked
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="console-send")
            self._executor.submit(self._run, dispatch_id, resume_by)

    def _run(self, dispatch_id: int, resume_by: Actor | None) -> None:
        try:
            report = announcements.send(self.services, dispatch_id, take_over=resume_by is not None, actor=resume_by)
        except announcements.TakenOver:
            log.info("dispatch %s: the clock claimed it first and sends it", dispatch_id)
        except SecretariatError as error:
            log.error("dispatch %s not sent: %s", dispatch_id, error)
        except Exception:  # a bug or the database gone: the clock resumes it once it counts as stalled
            log.exception("dispatch %s failed on its background thread", dispatch_id)
        else:
            tally = report.tally
            log.info("dispatch %s: %s sent, %s failed, %s skipped", dispatch_id, tally.sent, tally.failed,
                     tally.skipped)
