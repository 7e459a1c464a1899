"""``kenshu worker``: the process that answers stored webhook events (Procfile ``worker``)."""

from __future__ import annotations

import click
from flask import current_app

from bot.services import Services


@click.command("worker")
@click.option("--threads", default=4, show_default=True, help="Events handled at once.")
@click.option("--nice", default=10, show_default=True,
              help="CPU priority to lower to, so acknowledging LINE comes first.")
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
