"""``create_app``: the one place that builds the bot's parts and wires them together.

Importing this module has no side effects; everything is built per app.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from linebot.v3 import WebhookParser
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.cli.registration import register_commands
from bot.config import ConfigError, load_settings, require_secrets
from bot.console import install_console
from bot.credentials import Cipher
from bot.credentials.key_fingerprint import KeyMismatch, check_secret_key
from bot.db import Database
from bot.delivery import Renderers, RetryPolicy
from bot.i18n import DEFAULT_LOCALE, gettext_for
from bot.line.gateway import LineGateway
from bot.line.webhook import MAX_BODY_BYTES, webhook_blueprint
from bot.line.worker import EventWorker
from bot.secretariat.credentials import WrongSecretKey
from bot.secretariat.inbox import RENDERER as HANDOFF_REPLY_RENDERER
from bot.secretariat.inbox import render_reply
from bot.secretariat.inbox_mail import MailSettings
from bot.services import Services, checked_knowledge
from bot.trainees.personal_requests import RENDERER as JOINING_DETAILS_RENDERER
from bot.trainees.personal_requests import render_joining_details
from handlers import ROUTES
from scheduler.planning import RENDERER as REMINDER_RENDERER
from scheduler.reminder_message import render_reminder

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The web app and everything it owns, configured from the environment.

    Refuses to start on a missing secret (outside demo mode) or invalid data/.
    """
    app = Flask(__name__, instance_relative_config=True)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_settings(instance))
    if test_config:
        app.config.update(test_config)
    require_secrets(app.config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    logging.basicConfig(level=app.config["KENSHU_LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    data_dir = Path(app.config["KENSHU_DATA_DIR"])
    services = Services(
        db=Database(app.config["DATABASE_URL"]),
        line=LineGateway(app.config["LINE_API_BASE_URL"], app.config["LINE_CHANNEL_ACCESS_TOKEN"]),
        knowledge=checked_knowledge(data_dir),
        data_dir=data_dir,
        cipher=Cipher(app.config["KENSHU_SECRET_KEY"]),
        secret_key=app.config["KENSHU_SECRET_KEY"],
        renderers=Renderers({REMINDER_RENDERER: render_reminder, JOINING_DETAILS_RENDERER: render_joining_details,
                             HANDOFF_REPLY_RENDERER: render_reply}),
        send_policy=RetryPolicy(give_up_after=60 * app.config["KENSHU_SEND_RETRY_MINUTES"]),
        resends_per_day=app.config["KENSHU_RESENDS_PER_DAY"],
        mail=MailSettings.from_config(app.config),
        model_cache=Path(app.config["KENSHU_MODEL_CACHE"]),
    ).install(app)
    _check_secret_key(services)
    event_worker = EventWorker(services, ROUTES, app.config["KENSHU_DISPATCH"], app.config["KENSHU_DISPATCH_WORKERS"])
    event_worker.install(app)
    parser = WebhookParser(app.config["LINE_CHANNEL_SECRET"])
    app.register_blueprint(webhook_blueprint(parser, services.db, event_worker.submit))
    install_console(app, services)
    register_commands(app)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        """Readiness: 200 only when the database answers, so a load balancer stops sending LINE here."""
        try:
            services.db.ping()
        except SQLAlchemyError as error:
            # The reason names the failure's kind only; the details (hosts, users) go to the log.
            log.warning("health check: the database does not answer: %s", error)
            return jsonify({"status": "unavailable", "database": type(error).__name__}), 503
        return jsonify({"status": "ok", "database": "ok"})

    return app


def _check_secret_key(services: Services) -> None:
    """Stop, before anything is written, when KENSHU_SECRET_KEY is not this database's key.

    A database that does not answer yet is not a reason to refuse to start (the
    readiness check reports it); the check is then left to the next start.
    """
    try:
        check_secret_key(services.db, services.secret_key, services.cipher)
    except KeyMismatch:
        raise ConfigError(WrongSecretKey().message(gettext_for(DEFAULT_LOCALE))) from None
    except OperationalError as error:
        log.warning("the secret key could not be checked: the database does not answer (%s)", type(error).__name__)
