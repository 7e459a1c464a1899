"""``kenshu worker``: the process that answers stored webhook events (Procfile ``worker``)."""

from __future__ import annotations

import click
from flask import current_app

from bot.line.worker import EventWorker
from bot.line.worker_processes import supervise, worker_command
from bot.services import Services


@click.command("worker")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes to run (one Python process answers on one core at a time).")
@click.option("--threads", default=4, show_default=True, help="Events handled at once, in each process.")
@click.option("--nice", default=10, show_default=True,
              help="CPU priority to lower to, so acknowledging LINE comes first.")
def worker(processes: int, threads: int, nice: int) -> None:
    """Handle stored webhook events (for KENSHU_DISPATCH=worker web processes)."""
    if processes > 1:
        click.echo(f"kenshu worker: starting {processes} processes of {threads} threads each")
        raise SystemExit(supervise(worker_command(threads, nice), processes))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    Services.of(app).warm()
    event_worker = EventWorker.of(app)
    click.echo(f"kenshu worker: handling stored events with {threads} threads")
    try:
        event_worker.run_worker(threads, nice=nice)
    except KeyboardInterrupt:
        event_worker.stop()
