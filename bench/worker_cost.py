"""What the event worker spends per answered question: SQL statements and CPU, in process.

Stores text questions in the inbox directly (no web process), then runs the
``kenshu worker`` loop (``EventWorker.run_worker``, 4 threads, batches of 16, no
``nice``) in this process until every one is answered by the fake LINE API, which
runs in a process of its own so that its CPU is not counted. Printed per answered
question: SQL statements the worker sent (a SQLAlchemy ``before_cursor_execute``
listener; an executemany counts once), commits, and this process's CPU
(user + system); on SQLite also how long the worker held the write lock each time (from
its BEGIN IMMEDIATE to the end of its COMMIT), which is what an acknowledgement can wait for; with ``--profile N``, the N functions with the most cumulative
CPU time (cProfile timed by each thread's own CPU clock, on the worker's threads too:
on a shared machine wall time would mostly show waits for the CPU and the network). Usage:

    .venv/bin/python bench/worker_cost.py [--questions 600] [--users 150] [--database-url URL] [--baseline DIR]

With ``--baseline DIR`` (a checkout of another version, e.g. ``git archive main | tar -x -C DIR``)
that version runs first, in a process of its own, on its own fresh database, and the
two are printed side by side.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = ["修了証", "申込の締切はいつ？", "ECMOの日程", "主任ケアマネの受講要件", "クロザピン研修のライブ配信はいつ？"]


def measure(database_url: str, fake_url: str, questions: int, users: int, profile: int) -> dict:
    """Run the worker over ``questions`` stored questions; the figures (in this process, from ``sys.path``'s bot)."""
    import requests
    from sqlalchemy import create_engine, event, func, select

    from bot import clock
    from bot.app import create_app
    from bot.db import migrate
    from bot.db.tables import InboxEvent, InboxStatus
    from bot.devtools import simulator
    from bot.line import inbox
    from bot.line.worker import EventWorker
    from bot.services import Services

    migrate.upgrade(database_url)
    app = create_app({
        "KENSHU_DEMO": False, "LINE_CHANNEL_SECRET": "bench-secret", "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "KENSHU_SECRET_KEY": "bench-secret-key", "LINE_API_BASE_URL": fake_url, "DATABASE_URL": database_url,
        "KENSHU_DISPATCH": "worker", "KENSHU_LOG_LEVEL": "WARNING",
    })
    services = Services.of(app)
    services.warm()
    worker = EventWorker.of(app)
    http = requests.Session()
    names = [f"U{uuid.uuid4().hex}" for _ in range(users)]

    def store(count: int) -> None:
        events = []
        for number in range(count):
            user = names[number % len(names)]
            token = http.post(f"{fake_url}/__fake__/reply-tokens", json={"userId": user}).json()["replyToken"]
            events.append(simulator.text_event(user, QUESTIONS[number % len(QUESTIONS)], token))
        with services.db.session() as session:
            # Versions before the acknowledgement's plain-connection INSERT took a session.
            into = session.connection() if "connection" in inspect.signature(inbox.store).parameters else session
            inbox.store(into, events, {"message"}, clock.system_now())

    watcher = create_engine(services.db.engine.url)  # its statements are not the worker's

    def unfinished() -> int:
        with watcher.connect() as connection:
            return connection.scalar(select(func.count()).select_from(InboxEvent).where(
                InboxEvent.status.in_([InboxStatus.PENDING, InboxStatus.PROCESSING]))) or 0

    def run_until_done(count: int) -> float:
        worker._stop.clear()
        runner = threading.Thread(target=worker.run_worker, kwargs={"threads": 4, "nice": 0})
        began = time.perf_counter()
        runner.start()
        while unfinished():
            time.sleep(0.1)
        seconds = time.perf_counter() - began
        worker._stop.set()
        runner.join()
        return seconds

    store(len(names))  # warm-up: every user's row exists, the engine's caches are warm
    run_until_done(len(names))
    store(questions)

    statements = commits = 0

    def count_statement(*_: object) -> None:
        nonlocal statements
        statements += 1

    def count_commit(*_: object) -> None:
        nonlocal commits
        commits += 1

    engine = services.db.engine
    holds = _LockHolds(engine) if engine.dialect.name == "sqlite" else None
    event.listen(engine, "before_cursor_execute", count_statement)
    event.listen(engine, "commit", count_commit)
    profilers: list[cProfile.Profile] = []
    if profile:
        threading.setprofile(_profiling_into(profilers))
    cpu_before = time.process_time()
    seconds = run_until_done(questions)
    cpu = time.process_time() - cpu_before
    threading.setprofile(None)
    event.remove(engine, "before_cursor_execute", count_statement)
    event.remove(engine, "commit", count_commit)
    if holds is not None:
        holds.stop()
    with watcher.connect() as connection:
        done = connection.scalar(select(func.count()).select_from(InboxEvent).where(
            InboxEvent.status == InboxStatus.DONE)) or 0
    answered = done - len(names)
    figures = {"questions": questions, "answered": answered, "seconds": seconds, "cpu": cpu,
               "statements": statements, "commits": commits}
    if holds is not None:
        figures["lock_holds"] = holds.seconds
    if profilers:
        out = io.StringIO()
        pstats.Stats(*profilers, stream=out).sort_stats(os.environ.get("WORKER_COST_SORT", "cumulative")).print_stats(profile)
        figures["profile"] = out.getvalue()
    watcher.dispose()
    services.db.engine.dispose()
    return figures


class _LockHolds:
    """SQLite: how long each of the worker's transactions held the write lock, from its ``BEGIN IMMEDIATE``
    (``bot.db.write_lock``) to the end of its COMMIT or ROLLBACK; the heartbeat's count too. Every acknowledgement
    of the webhook needs that lock, so this is what an acknowledgement can wait for."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        from sqlalchemy import event

        from bot.db import write_lock

        self.seconds: list[float] = []
        self._began: dict[int, float] = {}
        self._engine, self._write_lock = engine, write_lock
        self._begin_immediate = write_lock.begin_immediate

        def begin_immediate(raw, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._begin_immediate(raw, *args, **kwargs)
            self._began[id(raw)] = time.perf_counter()

        def ended(raw) -> None:  # type: ignore[no-untyped-def]
            began = self._began.pop(id(getattr(raw, "dbapi_connection", raw)), None)  # the pool's proxy: its driver's
            if began is not None:
                self.seconds.append(time.perf_counter() - began)

        # The lock is released by the driver's COMMIT (or ROLLBACK) itself: the engine's ``commit``
        # event fires before it, so the end is timed around the dialect's ``do_commit``/``do_rollback``.
        dialect = engine.dialect
        real_commit, real_rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(raw) -> None:  # type: ignore[no-untyped-def]
            try:
                real_commit(raw)
            finally:
                ended(raw)

        def do_rollback(raw) -> None:  # type: ignore[no-untyped-def]
            try:
                real_rollback(raw)
            finally:
                ended(raw)

        write_lock.begin_immediate = begin_immediate
        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    def stop(self) -> None:
        self._write_lock.begin_immediate = self._begin_immediate
        del self._engine.dialect.do_commit, self._engine.dialect.do_rollback  # the class's again


def _profiling_into(profilers: list[cProfile.Profile]):  # type: ignore[no-untyped-def]
    """A ``threading.setprofile`` hook: each thread started from now on gets a profiler of its own
    (cProfile sees only the thread that enabled it), kept in ``profilers`` to merge."""
    def start(*_: object) -> None:
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.enable()  # replaces this hook in the thread

    return start


def run_version(source: Path, database_url: str, fake_url: str, args: argparse.Namespace) -> dict:
    """``measure`` in a process of its own, importing ``bot`` from ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run(
        [sys.executable, __file__, "--measure", database_url, "--fake-url", fake_url,
         "--questions", str(args.questions), "--users", str(args.users), "--profile", str(args.profile)],
        env=env, cwd=source, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--baseline", default=None, metavar="DIR", help="also measure another checkout, first")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--fake-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.fake_url, args.questions, args.users, args.profile)))
        return
    # Only here, in the parent: importing bench/webhook.py puts this checkout's bot on sys.path,
    # which the child measuring a --baseline (above) must not have.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import requests
    from webhook import fresh_database

    workdir = Path(tempfile.mkdtemp(prefix="kenshu-worker-cost-"))
    port = 18000 + os.getpid() % 1000
    fake_url = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([str(REPO / ".venv" / "bin" / "kenshu"), "fake-line", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                requests.get(f"{fake_url}/__fake__/requests", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        versions = [("main" if args.baseline else "", Path(args.baseline).resolve())] if args.baseline else []
        versions.append(("this version", REPO))
        results = [(label, run_version(source, fresh_database(args.database_url, workdir, f"v{index}"), fake_url, args))
                   for index, (label, source) in enumerate(versions)]
    finally:
        fake.terminate()
        fake.wait(timeout=20)
    database = "postgresql" if args.database_url else "sqlite"
    print(f"database {database}, {args.questions} questions from {args.users} users, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for label, figures in results:
        answered = max(figures["answered"], 1)
        print(f"{label:<13} answered {figures['answered']}/{figures['questions']} in {figures['seconds']:.1f} s "
              f"({figures['answered'] / figures['seconds']:.0f}/s); per answer: "
              f"{figures['statements'] / answered:.1f} SQL statements, {figures['commits'] / answered:.2f} commits, "
              f"{figures['cpu'] / answered * 1000:.2f} ms CPU")
        if figures.get("lock_holds"):
            held = sorted(figures["lock_holds"])
            print(f"{'':<13} write lock: {len(held) / answered:.2f} holds per answer, "
                  f"{sum(held) / answered * 1000:.2f} ms held per answer; a hold p50 "
                  f"{held[len(held) // 2] * 1000:.1f} ms, p99 {held[int(len(held) * 0.99)] * 1000:.1f} ms, "
                  f"max {held[-1] * 1000:.1f} ms")
        if "profile" in figures:
            print(figures["profile"])


if __name__ == "__main__":
    main()
