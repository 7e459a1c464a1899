"""CLI commands that need the configured app (registered in the factory)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.cli import announce as announce_cli
from bot.cli import credentials as credentials_cli
from bot.cli import reminders as reminders_cli
from bot.cli import roster as roster_cli
from bot.db import migrate
from bot.services import Services

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@click.command("worker")
@click.option("--threads", default=4, show_default=True, help="Events handled at once.")
@click.option("--nice", default=10, show_default=True, help="CPU priority to lower to, so acknowledging LINE comes first.")
def worker(threads: int, nice: int) -> None:
    """Handle stored webhook events (for KENSHU_DISPATCH=worker web processes)."""
    from bot.line.worker import Dispatcher

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    Services.of(app).warm()
    dispatcher = Dispatcher(app, "worker", threads)
    click.echo(f"kenshu worker: handling stored events with {threads} threads")
    try:
        dispatcher.run_worker(nice=nice)
    except KeyboardInterrupt:
        dispatcher.stop()


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(worker)
    app.cli.add_command(roster_cli.roster_group)
    app.cli.add_command(roster_cli.richmenu_group)
    app.cli.add_command(announce_cli.announce)
    app.cli.add_command(reminders_cli.reminders_group)
    app.cli.add_command(reminders_cli.clock_command)
    app.cli.add_command(credentials_cli.credentials_group)
