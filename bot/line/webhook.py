"""``POST /callback``: verify, store, acknowledge. Nothing else happens here.

The signature is checked by the SDK's WebhookParser (its signature validator) on
the raw body. Events are stored in the inbox in the request's transaction, so the
200 goes out only once LINE's events are safe; handling happens afterwards (see
``bot.line.worker``). ``create_app`` hands the view its parser, database and worker.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import Blueprint, jsonify, request
from linebot.v3 import WebhookParser
from werkzeug.exceptions import RequestEntityTooLarge

from bot import clock
from bot.db import Database
from bot.line import inbox

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

# Event types the handlers act on; anything else is stored and ignored.
HANDLED_EVENT_TYPES = {"message", "follow", "unfollow", "postback", "join", "memberJoined"}


def _bad_request(reason: str):  # type: ignore[no-untyped-def]
    return jsonify({"message": reason}), 400


def webhook_blueprint(parser: WebhookParser, db: Database, hand_on: Callable[[list[int]], None]) -> Blueprint:
    """``POST /callback`` checking signatures with ``parser``, storing in ``db``, then calling ``hand_on``.

    ``hand_on`` receives the ids of the newly stored events (the event worker's ``submit``).
    """
    blueprint = Blueprint("webhook", __name__)

    @blueprint.post("/callback")
    def callback():  # type: ignore[no-untyped-def]
        # Werkzeug reads a body without Content-Length (chunked) only up to the limit and
        # hands back what it read; allowing one byte more shows a longer body for what it is.
        request.max_content_length = MAX_BODY_BYTES + 1
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        signature = request.headers.get("X-Line-Signature")
        if not signature:
            return _bad_request("missing X-Line-Signature")
        raw = request.get_data()
        if len(raw) > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        body = raw.decode("utf-8", errors="replace")
        # The SDK's parser checks the signature; its typed events are built later, by the
        # event worker, so the acknowledgement does not pay for them.
        if not parser.signature_validator.validate(body, signature):
            return _bad_request("invalid signature")
        try:
            events = json.loads(body)["events"]
            if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
                raise TypeError("events is not a list of objects")
        except (ValueError, KeyError, TypeError, RecursionError) as error:  # RecursionError: absurdly deep JSON
            log.info("rejected a signed but malformed webhook body: %s", error.__class__.__name__)
            return _bad_request("malformed webhook body")

        # On SQLite the write lock is taken, polled, at the first INSERT (bot.db.write_lock), so
        # the rows' values are prepared before it is held.
        with db.engine.begin() as connection:
            new_ids = inbox.store(connection, events, HANDLED_EVENT_TYPES, clock.system_now())
        hand_on(new_ids)
        return jsonify({}), 200

    return blueprint
