"""CPU and wall time of one acknowledgement, in process: ``POST /callback`` through Flask's test client.

No gunicorn, no network, no worker: what the view itself costs (signature, JSON,
the inbox INSERT and its commit). Each run gets a fresh SQLite file or a fresh
PostgreSQL schema, ``--warmup`` requests, then ``--requests`` timed ones (thread
CPU). With ``--baseline DIR`` another checkout (e.g. ``git archive main``) runs in
the same invocation, alternating with this one ``--rounds`` times. Usage:

    .venv/bin/python bench/ack_cpu.py [--requests 1000] [--rounds 3] [--database-url URL] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def schema_statement(url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def measure(args: argparse.Namespace) -> None:
    """One run, with whichever ``bot`` package comes first on sys.path."""
    from bot.db.migrate import upgrade

    schema = "bench_ack_" + uuid.uuid4().hex[:10]
    if args.database_url:  # a schema of its own, dropped at the end
        schema_statement(args.database_url, f"CREATE SCHEMA {schema}")
        url = args.database_url.replace("postgresql://", "postgresql+psycopg://")
        database_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    else:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='kenshu-ack-')}/ack.db"
    os.environ.update(LINE_CHANNEL_SECRET="bench-secret", LINE_CHANNEL_ACCESS_TOKEN="bench-token",
                      KENSHU_SECRET_KEY="bench-key", DATABASE_URL=database_url, KENSHU_DISPATCH="worker",
                      KENSHU_LOG_LEVEL="WARNING")
    os.environ.pop("KENSHU_DEMO", None)
    upgrade(database_url)
    from bot.app import create_app
    from bot.devtools import simulator

    client = create_app().test_client()
    bodies = [simulator.signed_request([simulator.text_event(f"U{uuid.uuid4().hex}", "修了証", uuid.uuid4().hex)],
                                       "bench-secret") for _ in range(args.warmup + args.requests)]
    for body, headers in bodies[:args.warmup]:
        assert client.post("/callback", data=body, headers=headers).status_code == 200
    wall, cpu = time.perf_counter(), time.thread_time()
    for body, headers in bodies[args.warmup:]:
        assert client.post("/callback", data=body, headers=headers).status_code == 200
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    print(f"{args.label:<10} per acknowledgement: CPU {cpu / args.requests * 1000:.2f} ms, "
          f"wall {wall / args.requests * 1000:.2f} ms", flush=True)
    if args.database_url:
        from bot.services import Services

        Services.of(client.application).db.engine.dispose()
        schema_statement(args.database_url, f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--baseline", default=None, metavar="DIR")
    parser.add_argument("--label", default=None, help=argparse.SUPPRESS)  # set for the child runs
    args = parser.parse_args()
    if args.label is not None:
        measure(args)
        return
    print(f"database {'PostgreSQL' if args.database_url else 'SQLite'}; load average {os.getloadavg()[0]:.1f}")
    runs = ([("baseline", Path(args.baseline).resolve())] if args.baseline else []) + [("this", REPO)]
    for _ in range(args.rounds):
        for label, source in runs:  # each in its own interpreter, its checkout's bot package first
            command = [sys.executable, __file__, "--label", label, "--requests", str(args.requests),
                       "--warmup", str(args.warmup)]
            if args.database_url:
                command += ["--database-url", args.database_url]
            subprocess.run(command, env={**os.environ, "PYTHONPATH": str(source)}, cwd=tempfile.gettempdir(),
                           check=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
