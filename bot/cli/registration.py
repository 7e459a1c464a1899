"""The commands that need the configured app, registered on it by ``create_app``.

The commands that build their own app (``chat``, ``ask``, ``demo``,
``fake-line``, ``data check``) live on the ``kenshu`` group in ``bot.cli.main``.
"""

from __future__ import annotations

from flask import Flask

from bot.cli.announce import announce
from bot.cli.clock import clock_command
from bot.cli.console import console_group
from bot.cli.credentials import credentials_group
from bot.cli.db import db_group
from bot.cli.questions import questions_group
from bot.cli.reminders import reminders_group
from bot.cli.requests import requests_command
from bot.cli.richmenu import richmenu_group
from bot.cli.roster import roster_group
from bot.cli.worker import worker


def register_commands(app: Flask) -> None:
    for command in (db_group, worker, roster_group, richmenu_group, announce, reminders_group, clock_command,
                    credentials_group, console_group, requests_command, questions_group):
        app.cli.add_command(command)
