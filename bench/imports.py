"""Import figures: 100,000 roster rows and 100,000 personal joining details.

Run: ``.venv/bin/python bench/imports.py`` (SQLite in a temporary folder, and
PostgreSQL too when ``TEST_DATABASE_URL`` is set: a schema of its own, dropped
afterwards). Add ``--baseline PATH`` with a checkout of older code (for example
``git worktree add --detach /tmp/kenshu-main main``) to time it side by side in
the same run: each tree is imported in its own process, the same files, the same
databases. Prints, per step, seconds on each database and the ratio old/new:

* roster dry run, import into an empty edition, the same file again (all
  unchanged), a file where every e-mail changed (all updated);
* credentials dry run, import (all added), the same file again (all unchanged).

Goal (issue 9): every 100k import under 20 s on both databases. The machine is
shared (2 cores, other engineers' tests and benches), so a figure can move by 2x
between runs; the ratios, measured in one run, are steadier than the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
EDITION = "nanchisei-tokyo-r5"
COURSES = ("クロザピン基礎研修", "ECT基礎", "ECT中級", "ECT上級")
STEPS = ("roster dry run", "roster import", "roster again", "roster updated", "credentials dry run",
         "credentials import", "credentials again")


def write_files(folder: Path, rows: int) -> None:
    """The roster, the same roster with every e-mail changed, and one login per application."""
    header = "申込番号,氏名,メールアドレス,コース,所属\n"
    for name, domain in (("roster.csv", "example.jp"), ("roster_changed.csv", "example.com")):
        lines = [f"B-{i:06d},受講 {i}号,u{i}@{domain},{COURSES[i % len(COURSES)]},病院{i % 97}\n" for i in range(rows)]
        (folder / name).write_text(header + "".join(lines), encoding="utf-8")
    lines = [f"B-{i:06d},https://portal.example.jp/j/{i},user-{i:06d},Pw-{uuid.uuid4().hex[:12]}\n"
             for i in range(rows)]
    (folder / "credentials.csv").write_text("申込番号,URL,ID,パスワード\n" + "".join(lines), encoding="utf-8")


def _postgres(base: str, schema: str) -> str:
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base.removeprefix("postgresql://")
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def measure(folder: Path, database_url: str) -> dict[str, float]:
    """Time each step in this process, with whatever ``bot`` package is first on the path."""
    from bot.app import create_app
    from bot.clock import system_now
    from bot.credentials import Cipher
    from bot.credentials.importer import import_credentials
    from bot.db import migrate
    from bot.roster import import_roster
    from bot.services import Services

    migrate.upgrade(database_url)
    app = create_app({"KENSHU_DEMO": False, "LINE_CHANNEL_SECRET": "bench", "LINE_CHANNEL_ACCESS_TOKEN": "bench",
                      "KENSHU_SECRET_KEY": "bench-secret-key", "LINE_API_BASE_URL": "http://127.0.0.1:9",
                      "DATABASE_URL": database_url, "KENSHU_LOG_LEVEL": "WARNING"})
    services = Services.of(app)
    edition = services.knowledge.editions[EDITION]
    cipher = Cipher("bench-secret-key")
    roster, changed = (folder / "roster.csv").read_bytes(), (folder / "roster_changed.csv").read_bytes()
    credentials = (folder / "credentials.csv").read_bytes()
    times: dict[str, float] = {}

    def timed(step: str, run) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        with app.app_context(), services.db.session() as session:
            report = run(session)
        times[step] = time.perf_counter() - started
        print(f"  {step}: {times[step]:.1f} s ({_counts(report)})", file=sys.stderr, flush=True)

    timed("roster dry run", lambda s: import_roster(s, edition, roster, system_now(), dry_run=True))
    timed("roster import", lambda s: import_roster(s, edition, roster, system_now()))
    timed("roster again", lambda s: import_roster(s, edition, roster, system_now()))
    timed("roster updated", lambda s: import_roster(s, edition, changed, system_now()))
    timed("credentials dry run", lambda s: import_credentials(s, cipher, edition, credentials, dry_run=True))
    timed("credentials import", lambda s: import_credentials(s, cipher, edition, credentials))
    timed("credentials again", lambda s: import_credentials(s, cipher, edition, credentials))
    services.db.engine.dispose()
    return times


def _counts(report: object) -> str:
    def count(name: str) -> int:
        value = getattr(report, name)
        return value if isinstance(value, int) else len(value)
    return f"{count('added')} added, {count('updated')} updated, {count('unchanged')} unchanged"


def run_tree(tree: Path, folder: Path, database_url: str) -> dict[str, float]:
    """Measure in a child process whose ``bot`` is the one in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", str(folder), "--database-url", database_url],
        cwd=tree, env=env, stdout=subprocess.PIPE, check=True, text=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def databases() -> list[tuple[str, str | None]]:
    """(label, base URL): SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    found: list[tuple[str, str | None]] = [("SQLite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        found.append(("PostgreSQL", os.environ["TEST_DATABASE_URL"]))
    return found


def fresh_database(folder: Path, base: str | None, name: str) -> tuple[str, object]:
    """A new empty database URL and a function that drops it."""
    if base is None:
        return f"sqlite:///{folder / (name + '.db')}", lambda: None
    from sqlalchemy import create_engine, text

    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(_postgres(base, "public"))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return _postgres(base, schema), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with (e.g. main)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.database_url)))
        return
    trees = ([("before", args.baseline.resolve())] if args.baseline else []) + [("after", HERE)]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_files(folder, args.rows)
        results: dict[tuple[str, str], dict[str, float]] = {}
        for label, base in databases():
            for tree_label, tree in trees:
                print(f"{label}, {tree_label} ({tree}):", file=sys.stderr, flush=True)
                url, drop = fresh_database(folder, base, f"{label}-{tree_label}")
                try:
                    results[(label, tree_label)] = run_tree(tree, folder, url)
                finally:
                    drop()  # type: ignore[operator]
    print(f"\n{args.rows:,} rows; seconds (2 shared cores: single figures are noisy, ratios steadier)")
    columns = [(label, tree_label) for label, _ in databases() for tree_label, _ in trees]
    head = f"{'step':<22}" + "".join(f"{f'{db} {tl}':>20}" for db, tl in columns)
    if args.baseline:
        head += "".join(f"{f'{db} before/after':>24}" for db, _ in databases())
    print(head)
    for step in STEPS:
        line = f"{step:<22}" + "".join(f"{results[column][step]:>20.1f}" for column in columns)
        if args.baseline:
            for db, _ in databases():
                line += f"{results[(db, 'before')][step] / results[(db, 'after')][step]:>23.1f}x"
        print(line)


if __name__ == "__main__":
    main()
