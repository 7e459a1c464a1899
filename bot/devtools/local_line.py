"""The LINE platform in one process, for ``kenshu chat``, ``kenshu ask`` and tests.

A fake LINE API runs on a local port; events are signed and posted to the app's
``/callback`` exactly as LINE would post them; what the user "receives" is read
back from the fake's record of the bot's requests. Nothing reaches real LINE, and
nothing reaches the environment's database unless asked for by name: ``DATABASE_URL``
may be production, and a demo must neither migrate it nor add its demo user to the
audience of every announcement.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from bot.app import create_app
from bot.db import migrate
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.services import Services


class LocalLine:
    """Sends webhook events as a user and returns the messages the bot sent back."""

    def __init__(self, app: Flask, fake: FakeLine) -> None:
        self.app = app
        self.fake = fake
        self._client = app.test_client()

    def _deliver(self, user_id: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        seen = len(self.fake.state.log)
        body, headers = simulator.signed_request([event], self.app.config["LINE_CHANNEL_SECRET"])
        response = self._client.post("/callback", data=body.encode(), headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.get_data(as_text=True)}")
        received: list[dict[str, Any]] = []
        for record in self.fake.state.log.all()[seen:]:
            if record.accepted and user_id in record.recipients:
                received.extend(record.messages)
        return received

    def say(self, user_id: str, text: str) -> list[dict[str, Any]]:
        token = self.fake.state.issue_reply_token(user_id)
        return self._deliver(user_id, simulator.text_event(user_id, text, token))

    def follow(self, user_id: str) -> list[dict[str, Any]]:
        token = self.fake.state.issue_reply_token(user_id)
        return self._deliver(user_id, simulator.follow_event(user_id, token))

    def postback(self, user_id: str, data: str) -> list[dict[str, Any]]:
        token = self.fake.state.issue_reply_token(user_id)
        return self._deliver(user_id, simulator.postback_event(user_id, data, token))


@contextmanager
def local_line(database_url: str | None = None) -> Iterator[LocalLine]:
    """A demo-configured app wired to a fresh in-process fake LINE API.

    It runs on ``database_url`` (migrated to the latest schema) when one is given,
    else on a throwaway SQLite database deleted at the end; never on ``DATABASE_URL``.
    """
    with FakeLine.running() as fake, tempfile.TemporaryDirectory(prefix="kenshu-demo-") as scratch:
        config = {
            "KENSHU_DEMO": True,
            "KENSHU_CONSOLE_HTTP": True,  # the console is served on http://127.0.0.1
            "KENSHU_DISPATCH": "inline",
            "KENSHU_LOG_LEVEL": "WARNING",  # quiet logs: the terminal belongs to the conversation
            "DATABASE_URL": database_url or f"sqlite:///{Path(scratch) / 'demo.db'}",
            "LINE_API_BASE_URL": fake.base_url,
        }
        for key in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
            config[key] = "local-" + key.lower()
        app = create_app(config)
        migrate.upgrade(app.config["DATABASE_URL"])
        services = Services.of(app)
        services.warm()
        try:
            yield LocalLine(app, fake)
        finally:
            services.db.engine.dispose()
