"""Run ``kenshu worker`` with its wall time taken apart by phase: where a worker's time per answer goes.

``bench/webhook.py --trace`` starts the worker through this script (``python bench/worker_trace.py OUT worker
--threads 4``) instead of ``kenshu worker``; at SIGTERM it writes to OUT, per answer, the wall and CPU time each
phase of the worker took (the turn's close, the search, the claim, the senders' rows and facts, first contacts'
rows, the decisions, the held-back writes, each kind of SQL statement, commits, pool pre-pings, waiting for
sends, the sends to LINE) over the window from the first claim to the last answer sent. Time is counted once,
in the innermost phase (a statement inside a decision is the statement's). On PostgreSQL it also samples, every
0.1 s, what the worker's own connections are doing (``pg_stat_activity``: state and wait event) and how many
pending events wait for an earlier event of their user (the per-user order).

It patches the worker's methods by name, so it works on a ``--baseline`` checkout of the same shape; a method a
checkout lacks is left out of its report.
"""

from __future__ import annotations

import collections
import os
import signal
import sys
import threading
import time
from typing import Any

OUT = sys.argv.pop(1)
_local = threading.local()
_lock = threading.Lock()
_records: list[tuple[str, str, float, float, float]] = []  # (thread kind, phase, self wall, self cpu, end)
_marks = {"first_claim": None, "last_send": None, "answers": 0, "batches": 0, "claimed": 0}
_samples: collections.Counter[str] = collections.Counter()
_order: list[tuple[int, int]] = []  # (pending, pending behind an earlier event of their user)
_backends: set[int] = set()


def _kind() -> str:
    name = threading.current_thread().name
    if name.startswith("kenshu-worker"):
        return "sending threads"
    if name.startswith("kenshu-heartbeat"):
        return "heartbeat"
    if name == "trace-sampler":
        return "sampler"
    return "main loop"


def _enter(name: str) -> None:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append([name, time.perf_counter(), time.thread_time(), 0.0, 0.0])


def _leave() -> None:
    stack = _local.stack
    name, wall0, cpu0, child_wall, child_cpu = stack.pop()
    wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
    if stack:
        stack[-1][3] += wall
        stack[-1][4] += cpu
    with _lock:
        _records.append((_kind(), name, wall - child_wall, cpu - child_cpu, time.perf_counter()))


def _wrap(owner: Any, attribute: str, name: str, after: Any = None) -> None:
    original = owner.__dict__.get(attribute) if isinstance(owner, type) else getattr(owner, attribute, None)
    if original is None:
        return
    static = isinstance(original, staticmethod)
    classmethod_ = isinstance(original, classmethod)
    function = original.__func__ if (static or classmethod_) else original

    def timed(*args: Any, **kwargs: Any) -> Any:
        _enter(name)
        try:
            result = function(*args, **kwargs)
        finally:
            _leave()
        if after is not None:
            after(result)
        return result

    timed.__wrapped__ = function  # type: ignore[attr-defined]
    setattr(owner, attribute, staticmethod(timed) if static else classmethod(timed) if classmethod_ else timed)


def _claimed(result: Any) -> None:
    with _lock:
        if _marks["first_claim"] is None and result and result[0]:
            _marks["first_claim"] = time.perf_counter()
        _marks["claimed"] += len(result[0]) if result else 0


def _batch(_result: Any) -> None:
    with _lock:
        _marks["batches"] += 1


def _sent(_result: Any) -> None:
    with _lock:
        _marks["answers"] += 1
        _marks["last_send"] = time.perf_counter()


def _statement_kind(statement: str) -> str:
    words = statement.split()
    first = words[0].upper() if words else "?"
    if first == "WITH":
        return "sql: claim (WITH ... UPDATE)"
    table = ""
    upper = [word.upper() for word in words[:60]]
    for keyword in ("INTO", "UPDATE", "FROM"):
        if keyword in upper:
            index = upper.index(keyword) + 1
            if index < len(words):
                table = " " + words[index].strip("(")
                if table == " SELECT":
                    table = " FROM (SELECT ...): the search"
                break
    return f"sql: {first}{table if first != 'SAVEPOINT' and first != 'RELEASE' else ''}"


def _install() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.engine.default import DefaultDialect

    from bot.db import deferred_writes
    from bot.line import inbox, worker

    @event.listens_for(Engine, "before_cursor_execute")
    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name != "trace-sampler":
            _enter(_statement_kind(statement))

    @event.listens_for(Engine, "after_cursor_execute")
    def after(*_: Any) -> None:
        if threading.current_thread().name != "trace-sampler":
            _leave()

    @event.listens_for(Engine, "handle_error")
    def failed(context: Any) -> None:
        stack = getattr(_local, "stack", None)
        if stack and stack[-1][0].startswith("sql: ") and threading.current_thread().name != "trace-sampler":
            _leave()

    @event.listens_for(Engine, "connect")
    def connected(dbapi_connection: Any, _record: Any) -> None:
        if threading.current_thread().name == "trace-sampler" or "psycopg" not in type(dbapi_connection).__module__:
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        _backends.add(cursor.fetchone()[0])
        cursor.close()

    _wrap(DefaultDialect, "do_commit", "sql: COMMIT")
    _wrap(DefaultDialect, "do_rollback", "sql: ROLLBACK")
    _wrap(DefaultDialect, "do_ping", "sql: pool pre-ping")
    from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
    for cls in vars(pg_psycopg).values():
        if isinstance(cls, type) and "do_ping" in cls.__dict__:
            _wrap(cls, "do_ping", "sql: pool pre-ping")
    from sqlalchemy.dialects.postgresql import base as pg_base
    for module in (pg_base, pg_psycopg):
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, DefaultDialect):
                for attribute, label in (("do_commit", "sql: COMMIT"), ("do_rollback", "sql: ROLLBACK")):
                    if attribute in cls.__dict__:
                        _wrap(cls, attribute, label)
    from bot.trainees import users

    worker_class = worker.EventWorker
    _wrap(worker_class, "_claim_and_decide", "claim-and-decide (rest)", after=_batch)
    _wrap(worker_class, "_claim", "claim (rest)", after=_claimed)
    _wrap(worker_class, "_send", "send to LINE (HTTP)", after=_sent)
    phases = (
        (worker_class, "run_worker", "loop itself (idle polls, bookkeeping)"),
        (worker_class, "_close", "close (mark sent, finish)"),
        (worker_class, "_load_senders", "senders' rows (rest)"),
        (worker_class, "_add_new_senders", "first contacts' rows (rest)"),
        (worker_class, "_load_facts", "senders' facts (rest)"),
        (worker_class, "_decide_one", "deciding (engine, handlers)"),
        (worker_class, "_write_held_back", "held-back batch write (rest)"),
        (worker_class, "note_push", "note push"),
        (worker, "_wait_for", "waiting for sends to finish"),
        (inbox, "abandoned", "search (rest)"),
        (inbox, "renew", "renew leases (rest)"),
        (deferred_writes, "send", "held-back writes sent (rest)"),
        (users, "create", "first contacts' rows (rest)"),
        (users, "get_or_create", "get_or_create one sender (rest)"),
    )
    for owner, attribute, label in phases:
        _wrap(owner, attribute, label)


def _sampler() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if "postgresql" not in url:
        return
    from sqlalchemy import create_engine, text
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), pool_size=1)
    activity = text("SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = ANY(:pids)")
    behind = text("SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM inbox_events e "
                  "WHERE e.source_user_id = i.source_user_id AND e.id < i.id "
                  "AND e.status IN ('pending', 'processing'))) "
                  "FROM inbox_events i WHERE i.status = 'pending'")
    with engine.connect() as connection:
        while True:
            time.sleep(0.1)
            if _marks["first_claim"] is None or not _backends:
                continue
            for _pid, state, wait_type, wait_event in connection.execute(activity, {"pids": list(_backends)}):
                _samples[f"{state}{f' / {wait_type}:{wait_event}' if wait_type else ''}"] += 1
            _order.append(tuple(connection.execute(behind).one()))
            connection.commit()


def _report(*_: Any) -> None:
    first, last, answers = _marks["first_claim"], _marks["last_send"], _marks["answers"]
    lines = []
    if first is None or last is None or not answers:
        lines.append("  trace              no answers")
    else:
        window = last - first
        totals: dict[tuple[str, str], list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
        with _lock:
            for kind, name, wall, cpu, end in _records:
                if first <= end <= last + 0.001:
                    total = totals[kind, name]
                    total[0] += wall
                    total[1] += cpu
                    total[2] += 1
        lines.append(f"  trace              {answers} answers in {window:.1f} s from the first claim to the last send "
                     f"({answers / window:.0f}/s), {_marks['batches']} claim turns, "
                     f"{_marks['claimed'] / max(1, _marks['batches']):.1f} events a turn")
        for kind in ("main loop", "sending threads", "heartbeat"):
            rows = sorted(((name, *values) for (k, name), values in totals.items() if k == kind),
                          key=lambda row: -row[1])
            wall_sum = sum(row[1] for row in rows)
            lines.append(f"  trace {kind:<16}wall {wall_sum / answers * 1000:.2f} ms an answer "
                         f"(of {window / answers * 1000:.2f} ms an answer of window"
                         f"{'' if kind == 'main loop' else ' per thread'}), CPU "
                         f"{sum(row[2] for row in rows) / answers * 1000:.2f} ms")
            if kind == "main loop":
                lines.append(f"    {'(not in a phase: idle polls, the loop)':<44}wall "
                             f"{(window - wall_sum) / answers * 1000:6.2f} ms")
            for name, wall, cpu, calls in rows:
                if wall / answers * 1000 >= 0.01:
                    lines.append(f"    {name:<44}wall {wall / answers * 1000:6.2f} ms  "
                                 f"CPU {cpu / answers * 1000:5.2f} ms"
                                 f"  {calls / answers:5.2f} calls an answer")
        if _samples:
            total = sum(_samples.values())
            lines.append("  trace pg_stat_activity of the worker's connections: " + ", ".join(
                f"{name} {n / total:.0%}" for name, n in _samples.most_common(6)))
        if _order:
            pending = sum(p for p, _ in _order) / len(_order)
            held = sum(b for _, b in _order) / len(_order)
            lines.append(f"  trace inbox        pending {pending:.0f} on average, of which {held:.0f} behind an "
                         f"earlier unfinished event of their user")
    with open(OUT, "w") as out:
        out.write("\n".join(lines) + "\n")
    os._exit(0)


if __name__ == "__main__":
    _install()
    signal.signal(signal.SIGTERM, _report)
    threading.Thread(target=_sampler, name="trace-sampler", daemon=True).start()
    from bot.cli.main import main
    sys.argv[0] = "kenshu"
    main()
