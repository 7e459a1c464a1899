"""Webhook benchmark: our bot side by side with a minimal echo bot, at the same offered load.

Starts the fake LINE API, then, one after the other on the same machine, (1) the
echo bot of line-bot-sdk's examples/flask-echo (``bench/echo_bot.py``: WebhookHandler,
a synchronous reply inside the request) and (2) our bot (store, acknowledge, and a
``kenshu worker``, the Procfile's way; or ``--dispatch threads``), each under
gunicorn with the same settings (2 workers, 4 threads). Each gets the same signed
text questions at a fixed rate for a fixed time, a quarter as many users as
questions. Printed for both: questions answered per second (answers LINE accepted,
from the first question sent to the last answer), ack latency p50/p99, answers
delivered against questions sent, whether each user's answers came in the order
asked; then the ratio. Usage:

    .venv/bin/python bench/webhook.py [--rate 200] [--seconds 10] [--database-url URL] [--dispatch worker|threads]
                                      [--workers 1] [--worker-threads 4] [--baseline DIR] [--baseline-workers N]
                                      [--trace]

``--workers N`` runs N worker processes (``kenshu worker --processes N``, printed
with each run); a ``--baseline`` checkout without that option gets N ``kenshu worker``s.

With ``--baseline DIR`` (a checkout of another version, e.g. ``git archive main | tar -x -C DIR``)
that version of our bot runs too, in the same invocation, before this one.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.db.tables import InboxEvent, OutboxAnswer  # noqa: E402
from bot.devtools import simulator  # noqa: E402

SECRET = "bench-channel-secret"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's workers), from /proc."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def fresh_database(url: str | None, workdir: Path, name: str = "bench") -> str:
    """A new SQLite file, or a new schema in the given PostgreSQL database."""
    if not url:
        return f"sqlite:///{workdir / name}.db"
    url = url.replace("postgresql://", "postgresql+psycopg://")
    schema = "bench_" + uuid.uuid4().hex[:10]
    with create_engine(url).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


QUESTIONS = ["修了証", "申込の締切はいつ？", "ECMOの日程", "主任ケアマネの受講要件", "クロザピン研修のライブ配信はいつ？"]
ANSWER_PATHS = ("/v2/bot/message/reply", "/v2/bot/message/push")


class Phase:
    """One bot under the offered load: what it acknowledged and answered, and when."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self.total = 0
        self.answered = 0
        self.seconds_to_last_answer = 0.0
        self.sent_seconds = 0.0
        self.in_order = True
        self.cpu: dict[str, float] = {}
        self.extra: list[str] = []

    @property
    def answered_per_second(self) -> float:
        return self.answered / self.seconds_to_last_answer if self.seconds_to_last_answer else 0.0

    def report(self) -> list[str]:
        return [
            f"{self.name}",
            f"  questions sent     {self.total} in {self.sent_seconds:.1f} s ({self.total / self.sent_seconds:.0f}/s)",
            f"  acks 200           {self.statuses.count(200)} / {self.total}",
            f"  ack latency p50    {statistics.median(self.latencies) * 1000:.1f} ms",
            f"  ack latency p99    {percentile(self.latencies, 0.99) * 1000:.1f} ms",
            f"  answers delivered  {self.answered} / {self.total}, last {self.seconds_to_last_answer:.1f} s after the first question",
            f"  answered q/s       {self.answered_per_second:.0f}",
            f"  per-user order     {'kept' if self.in_order else 'BROKEN'}",
            "  CPU while sending  " + ", ".join(f"{role} {seconds:.1f} s" for role, seconds in self.cpu.items()),
            *self.extra,
        ]


def answered_count(session: requests.Session, fake_url: str) -> int:
    counts = session.get(f"{fake_url}/__fake__/counts", timeout=10).json()
    return sum(n for path in ANSWER_PATHS for status, n in counts.get(path, {}).items() if status.startswith("2"))


def run_phase(phase: Phase, fake_url: str, web_port: int, roles: dict[str, int], rate: float, seconds: float,
              drain_seconds: float) -> None:
    """Send the questions at ``rate``, wait for the answers, fill ``phase``."""
    total = phase.total = int(rate * seconds)
    users = [f"U{uuid.uuid4().hex}" for _ in range(max(1, total // 4))]
    session = requests.Session()
    bodies, order = [], {}
    for number in range(total):
        user = users[number % len(users)]
        token = session.post(f"{fake_url}/__fake__/reply-tokens", json={"userId": user}).json()["replyToken"]
        order[token] = (user, number)
        bodies.append(simulator.signed_request([simulator.text_event(user, QUESTIONS[number % len(QUESTIONS)], token)],
                                               SECRET))
    session.delete(f"{fake_url}/__fake__/requests")
    lock = threading.Lock()
    local = threading.local()
    sent_at: dict[int, float] = {}
    acked_at: dict[int, float] = {}
    start = time.perf_counter() + 0.5

    def send(number: int) -> None:
        delay = start + number / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        # http.client with a kept-alive connection per thread: the lightest client the
        # standard library has, so the generator takes little CPU from the server.
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
        body, headers = bodies[number]
        began = time.perf_counter()
        connection.request("POST", "/callback", body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        acked = time.perf_counter()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            local.connection = None
        with lock:
            phase.latencies.append(acked - began)
            phase.statuses.append(response.status)
            sent_at[number], acked_at[number] = began, acked

    cpu_before = {role: cpu_seconds(pid) for role, pid in roles.items()}
    client_before = time.process_time()
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(send, range(total)))
    phase.sent_seconds = time.perf_counter() - start
    phase.cpu = {role: cpu_seconds(pid) - cpu_before[role] for role, pid in roles.items()}
    phase.cpu["load generator"] = time.process_time() - client_before

    deadline = time.perf_counter() + drain_seconds
    answered = answered_count(session, fake_url)
    while answered < total and time.perf_counter() < deadline:
        time.sleep(0.05)
        answered = answered_count(session, fake_url)
    phase.seconds_to_last_answer = time.perf_counter() - start
    phase.answered = answered
    counts = session.get(f"{fake_url}/__fake__/counts", timeout=10).json()
    phase.extra.append("  LINE received      " + "; ".join(
        f"{path.rsplit('/', 1)[-1]} " + ", ".join(f"{n} x {status}" for status, n in sorted(counts[path].items()))
        for path in ANSWER_PATHS if path in counts))
    records = []
    for path in ANSWER_PATHS:
        found = session.get(f"{fake_url}/__fake__/requests", params={"path": path}).json()["requests"]
        records.extend(record for record in found if 200 <= record["status"] < 300)
    phase.in_order = kept_order(records, order, sent_at, acked_at)


def kept_order(records: list[dict], order: dict[str, tuple[str, int]], sent_at: dict[int, float],
               acked_at: dict[int, float]) -> bool:
    """Whether each user's answers reached LINE in the order the bot received the questions.

    Only pairs whose order the bot could know count: question a before question b when
    a was acknowledged before b was sent. (Under load the generator's threads can
    deliver a user's later question first; LINE's order is then the arrival order.)
    """
    position: dict[int, int] = {}
    by_user: dict[str, list[int]] = {}
    for index, record in enumerate(records):  # the fake's record is in the order it accepted them
        token = (record.get("body") or {}).get("replyToken")
        if token in order:
            user, number = order[token]
            position.setdefault(number, index)
            by_user.setdefault(user, []).append(number)
    for numbers in by_user.values():
        for a in numbers:
            for b in numbers:
                if acked_at.get(a, float("inf")) < sent_at.get(b, float("-inf")) and position[a] > position[b]:
                    return False
    return True


def stage_lines(stamps: list) -> list[str]:
    """Where an answer's time went, from the rows' own timestamps: waiting and deciding, then sending.

    received -> decided is the wait for a worker and the decision (with the events
    decided before it in the same batch); decided -> closed is the send and the wait
    for the turn that records it. The claim's time is not kept: ``claimed_at`` is the
    lease's last renewal (a heartbeat, a batch's write), usually later than the decision
    itself; ``--trace`` splits the worker's own time by phase.
    """
    stages = {"waiting and deciding (received -> decided)": [], "sending (decided -> closed)": []}
    for received, decided, closed in stamps:
        if None in (received, decided, closed):
            continue
        for values, (begin, end) in zip(stages.values(), ((received, decided), (decided, closed)), strict=True):
            values.append((end - begin).total_seconds())
    return [f"  {name:<44}p50 {percentile(values, 0.5) * 1000:.0f} ms, p99 {percentile(values, 0.99) * 1000:.0f} ms"
            for name, values in stages.items() if values]


def start_fake(env: dict[str, str], port: int) -> subprocess.Popen:
    # LINE's servers are not on the bot's machine; the stand-in yields the CPU to the bots.
    return subprocess.Popen(["nice", "-n", "10", str(REPO / ".venv" / "bin" / "kenshu"), "fake-line", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)


def wait_for_workers(output: Path, count: int, seconds: float = 600) -> None:
    """Until ``count`` worker processes have said they are handling events (warmed up, about to claim).

    Without this the load began once the web answered, and on a loaded machine a worker
    process was still importing and warming up 25 s into the run, its backlog counted
    against it; the echo bot has nothing to warm.
    """
    deadline = time.monotonic() + seconds
    while output.read_text().count("handling stored events") < count:
        if time.monotonic() > deadline:
            raise SystemExit("the worker processes did not start")
        time.sleep(0.2)


def worker_commands(kenshu: str, source: Path, workers: int, threads: int, trace: Path | None = None) -> list[list[str]]:
    """``kenshu worker --processes N`` where the checkout has it; else N ``kenshu worker`` processes.

    With ``trace`` (one process), the worker runs under ``bench/worker_trace.py``, which writes there where its
    time went."""
    command = [kenshu, "worker", "--threads", str(threads)]
    if trace is not None and workers == 1:
        return [[str(REPO / ".venv" / "bin" / "python"), str(REPO / "bench" / "worker_trace.py"), str(trace),
                 *command[1:]]]
    if "--processes" in (source / "bot" / "cli" / "worker.py").read_text():
        return [command + ["--processes", str(workers)]]
    return [command] * workers


def run_ours(label: str, source: Path, database_url: str, env: dict[str, str], fake: subprocess.Popen,
             fake_url: str, args: argparse.Namespace, workers: int) -> Phase:
    """Our bot from the code in ``source`` (this checkout, or ``--baseline``'s), on its own fresh database."""
    kenshu = str(REPO / ".venv" / "bin" / "kenshu")
    gunicorn = str(REPO / ".venv" / "bin" / "gunicorn")
    env = {**env, "DATABASE_URL": database_url}
    if source != REPO:  # the checkout's modules come before the editable install's
        env["PYTHONPATH"] = str(source)
    shape = f", {workers} worker processes x {args.worker_threads} threads" if args.dispatch == "worker" else ""
    ours, port = Phase(f"{label} (dispatch: {args.dispatch}{shape}, database: "
                       f"{database_url.split(':')[0].split('+')[0]})"), free_port()
    subprocess.run([kenshu, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=source)
    processes = [subprocess.Popen([gunicorn, "-c", str(source / "gunicorn.conf.py"), "bot.app:create_app()"],
                                  env={**env, "PORT": str(port)}, cwd=source)]
    roles = {"web (gunicorn)": processes[0].pid, "fake LINE": fake.pid}
    worker_log = Path(tempfile.mkstemp(prefix="kenshu-bench-worker-", suffix=".out")[1])
    trace = Path(tempfile.mkstemp(prefix="kenshu-bench-trace-", suffix=".txt")[1]) if args.trace else None
    if args.dispatch == "worker":
        for command in worker_commands(kenshu, source, workers, args.worker_threads, trace):
            processes.append(subprocess.Popen(command, env=env, cwd=source, stdout=worker_log.open("ab")))
            roles[f"kenshu worker{'' if len(processes) == 2 else len(processes) - 1}"] = processes[-1].pid
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        if args.dispatch == "worker":
            wait_for_workers(worker_log, workers)
        time.sleep(3)  # both web workers booted and warmed
        before = {role: cpu_seconds(pid) for role, pid in roles.items()}
        run_phase(ours, fake_url, port, roles, args.rate, args.seconds, args.drain_seconds)
        if ours.answered:
            ours.extra.append("  CPU per answer     " + ", ".join(
                f"{role} {(cpu_seconds(pid) - before[role]) / ours.answered * 1000:.1f} ms"
                for role, pid in roles.items()) + " (from the first question to the last answer)")
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            statuses = dict(connection.execute(
                select(InboxEvent.status, func.count()).group_by(InboxEvent.status)).all())
            stamps = connection.execute(
                select(InboxEvent.received_at, OutboxAnswer.created_at, OutboxAnswer.finished_at)
                .join(OutboxAnswer, OutboxAnswer.inbox_event_id == InboxEvent.id)).all()
        engine.dispose()
        ours.extra.append("  events             " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())))
        ours.extra.extend(stage_lines(stamps))
    finally:
        stop(processes)
    if trace is not None:
        ours.extra.extend(trace.read_text().splitlines())
    return ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="questions per second to send (to each bot)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=None, help="our bot's database; default: a fresh SQLite file")
    parser.add_argument("--dispatch", choices=["threads", "worker"], default="worker",
                        help="our bot answers on threads of the web workers, or in a `kenshu worker` (the Procfile's way)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (`kenshu worker --processes N`; N `kenshu worker`s for a checkout "
                             "without it)")
    parser.add_argument("--baseline-workers", type=int, default=None,
                        help="worker processes for --baseline's bot (default: --workers)")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads of each worker process")
    parser.add_argument("--drain-seconds", type=float, default=120.0, help="how long to wait for the last answers")
    parser.add_argument("--trace", action="store_true",
                        help="run each of our (single) worker processes under bench/worker_trace.py and print where "
                             "its time per answer went, by phase")
    parser.add_argument("--only", choices=["echo", "bot"], default=None, help="run one side (profiling)")
    parser.add_argument("--baseline", default=None, metavar="DIR",
                        help="also run our bot from another checkout (e.g. `git archive main`), before this one")
    args = parser.parse_args()
    if args.trace and args.workers != 1:
        parser.error("--trace traces one worker process: use it with --workers 1")

    workdir = Path(tempfile.mkdtemp(prefix="kenshu-bench-"))
    database_url = fresh_database(args.database_url, workdir)
    gunicorn = str(REPO / ".venv" / "bin" / "gunicorn")
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    env = {
        **os.environ,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "KENSHU_SECRET_KEY": "bench-secret-key",
        "LINE_API_BASE_URL": fake_url,
        "DATABASE_URL": database_url,
        "KENSHU_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "KENSHU_DISPATCH": args.dispatch,
    }
    env.pop("KENSHU_DEMO", None)
    env.pop("KENSHU_NOW", None)
    fake = start_fake(env, fake_port)
    phases: list[Phase] = []
    try:
        wait_until_up(f"{fake_url}/__fake__/requests", seconds=180)  # compiling the contract takes 20 s or more at load 10
        if args.only != "bot":
            echo, port = Phase("echo bot (bench/echo_bot.py: WebhookHandler, reply inside the request)"), free_port()
            # The settings of gunicorn.conf.py, given here: its hooks start our event worker
            # (and gunicorn reads ./gunicorn.conf.py by itself, hence the bench/ folder as cwd).
            web = subprocess.Popen([gunicorn, "--workers", "2", "--threads", "4", "--timeout", "30",
                                    "--bind", f"0.0.0.0:{port}", "echo_bot:create_app()"],
                                   env=env, cwd=REPO / "bench", stderr=subprocess.DEVNULL)
            try:
                wait_until_up(f"http://127.0.0.1:{port}/healthz")
                time.sleep(2)
                run_phase(echo, fake_url, port, {"web (gunicorn)": web.pid, "fake LINE": fake.pid},
                          args.rate, args.seconds, args.drain_seconds)
            finally:
                stop([web])
            phases.append(echo)
        if args.only != "echo":
            if args.baseline:
                baseline_database = fresh_database(args.database_url, workdir, "baseline")
                phases.append(run_ours(f"kenshu-bot BASELINE ({args.baseline})", Path(args.baseline).resolve(),
                                       baseline_database, env, fake, fake_url, args, args.baseline_workers or args.workers))
            phases.append(run_ours("kenshu-bot", REPO, database_url, env, fake, fake_url, args, args.workers))
    finally:
        stop([fake])

    print(f"offered load       {args.rate:.0f} questions/s for {args.seconds:.0f} s, to each bot in turn; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    for phase in phases:
        print("\n".join(phase.report()))
    if len(phases) >= 2 and args.only is None and phases[0].answered_per_second:
        echo = phases[0]
        for ours in phases[1:]:
            print(f"ratio ({ours.name.split(' (')[0]} / echo)  answered q/s "
                  f"{ours.answered_per_second / echo.answered_per_second:.2f}, "
                  f"ack p99 {percentile(ours.latencies, 0.99) / percentile(echo.latencies, 0.99):.2f}")


if __name__ == "__main__":
    main()
