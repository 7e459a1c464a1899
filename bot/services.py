"""What one app owns: database, LINE gateway, knowledge (training names and reminder
rules included), the credentials cipher, the delivery engine's renderers and the
answering index.

Built once by ``create_app`` and handed to handlers inside their event context, to
the delivery engine, and to the clock's jobs; code outside those asks
``Services.of(app)`` or ``Services.current()``, never a string key.
``checked_knowledge`` is the one start-up check of ``data/``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from bot.credentials.secrets import Cipher
from bot.db import Database
from bot.knowledge import Knowledge, load_knowledge
from bot.line.gateway import LineGateway

if TYPE_CHECKING:
    from bot.delivery import Renderers, RetryPolicy
    from bot.qa import Answerer, Question, Reply
    from bot.secretariat.inbox_mail import MailSettings


_EXTENSION_KEY = "kenshu"


def checked_knowledge(data_dir: Path) -> Knowledge:
    """Everything in ``data_dir`` read and checked as the app needs it; ``KnowledgeError`` otherwise.

    ``create_app`` and ``kenshu data check`` both call this, so the check says exactly
    whether the app starts: every file against its schema, the references between
    files, and the FAQ's templates against the facts the answering engine has. The
    answering index itself is built once per process (``Services.answerer``, warmed
    by gunicorn and the worker) from what this has checked.
    """
    from bot.qa.faq_check import faq_problems

    return load_knowledge(data_dir, check_faq=faq_problems)


class SerialAnswerer:
    """The answering engine, one question at a time per process.

    SudachiPy's tokenizer refuses concurrent use, and the event worker answers on
    several threads; an answer takes about a millisecond, so a lock costs nothing
    that the GIL was not already costing.
    """

    def __init__(self, answerer: Answerer) -> None:
        self._answerer = answerer
        self._lock = threading.Lock()

    def answer(self, question: Question) -> Reply:
        with self._lock:
            return self._answerer.answer(question)

    def is_surely_clinical(self, text: str) -> bool:
        """See ``Answerer.is_surely_clinical`` (word lists only: no tokenizer, no lock)."""
        return self._answerer.is_surely_clinical(text)


@dataclass
class Services:
    db: Database
    line: LineGateway
    knowledge: Knowledge
    data_dir: Path
    cipher: Cipher  # encrypts and decrypts joining details with KENSHU_SECRET_KEY
    secret_key: str  # KENSHU_SECRET_KEY itself: keys the link throttle's hash of LINE user ids
    renderers: Renderers  # the delivery engine's personalised content, by name
    send_policy: RetryPolicy  # how long a send keeps retrying through a LINE incident
    resends_per_day: int = 3  # joining details a trainee may have sent again per day (KENSHU_RESENDS_PER_DAY)
    mail: MailSettings | None = None  # the SMTP server for the inbox's new-inquiry e-mail (None: no e-mail)
    model_cache: Path | None = None  # where the trained topic model is kept, keyed by the examples' hash
    _answerer: SerialAnswerer | None = field(default=None, repr=False)
    _answerer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def answerer(self) -> SerialAnswerer:
        """The question-answering index, built once on first use (or by ``warm``)."""
        if self._answerer is None:
            with self._answerer_lock:
                if self._answerer is None:
                    from bot.qa import Answerer

                    self._answerer = SerialAnswerer(Answerer(self.knowledge, self.model_cache))
        return self._answerer

    def reload_answering(self) -> None:
        """Read data/ again and rebuild the answering engine (the topic model retrains if the
        examples changed): after the secretariat added an example. Other processes load
        the retrained model from the cache when they next start."""
        from bot.qa import Answerer

        knowledge = checked_knowledge(self.data_dir)
        answerer = SerialAnswerer(Answerer(knowledge, self.model_cache))
        with self._answerer_lock:
            self.knowledge = knowledge
            self._answerer = answerer

    def install(self, app: Flask) -> Services:
        """Make these the services of ``app`` (done once, by ``create_app``)."""
        app.extensions[_EXTENSION_KEY] = self
        return self

    @classmethod
    def of(cls, app: Flask) -> Services:
        """The services ``create_app`` built for ``app``."""
        return app.extensions[_EXTENSION_KEY]

    @classmethod
    def current(cls) -> Services:
        """The services of the app whose context is active (CLI commands, views)."""
        return cls.of(current_app)

    def warm(self) -> None:
        """Build the answering index before the first question arrives."""
        _ = self.answerer
