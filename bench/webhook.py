"""Webhook benchmark: ack latency and exactly-once handling under gunicorn.

Starts the fake LINE API and the app under gunicorn (2 workers) with a `kenshu
worker` (or, with ``--dispatch threads``, handling on the web workers' threads), then sends signed
follow and text events from this process at a fixed rate for a fixed time, and
prints events/s, ack latency p50/p99, and events stored, handled and replied to
against events sent. Usage:

    .venv/bin/python bench/webhook.py [--rate 200] [--seconds 10] [--database-url URL] [--dispatch worker|threads]
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

from bot.db.tables import InboxEvent  # noqa: E402
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


def fresh_database(url: str | None, workdir: Path) -> str:
    """A new SQLite file, or a new schema in the given PostgreSQL database."""
    if not url:
        return f"sqlite:///{workdir / 'bench.db'}"
    url = url.replace("postgresql://", "postgresql+psycopg://")
    schema = "bench_" + uuid.uuid4().hex[:10]
    with create_engine(url).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="events per second to send")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--dispatch",
        choices=["threads", "worker", "store-only"],
        default="worker",
        help="handle events on threads of the web workers, or in a separate `kenshu worker` (the Procfile's way)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kenshu-bench-"))
    database_url = fresh_database(args.database_url, workdir)
    kenshu = str(REPO / ".venv" / "bin" / "kenshu")
    fake_port, web_port = free_port(), free_port()
    fake_url, web_url = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "KENSHU_SECRET_KEY": "bench-secret-key",
        "LINE_API_BASE_URL": fake_url,
        "DATABASE_URL": database_url,
        "KENSHU_LOG_LEVEL": "WARNING",
        "PORT": str(web_port),
        "WEB_CONCURRENCY": "2",
        "KENSHU_DISPATCH": "worker" if args.dispatch == "store-only" else args.dispatch,
    }
    env.pop("KENSHU_DEMO", None)
    processes = []
    try:
        processes.append(
            # LINE's servers are not on the bot's machine; the stand-in yields the CPU to the bot.
            subprocess.Popen(
                ["nice", "-n", "10", kenshu, "fake-line", "--port", str(fake_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        subprocess.run([kenshu, "db", "upgrade"], env=env, check=True, capture_output=True)
        gunicorn = str(REPO / ".venv" / "bin" / "gunicorn")
        processes.append(
            subprocess.Popen([gunicorn, "-c", str(REPO / "gunicorn.conf.py"), "bot.app:create_app()"],
                             env=env, cwd=REPO)
        )
        if args.dispatch == "worker":
            processes.append(subprocess.Popen([kenshu, "worker"], env=env, stdout=subprocess.DEVNULL))
        wait_until_up(f"{fake_url}/__fake__/requests")
        wait_until_up(f"{web_url}/healthz")
        time.sleep(2)  # both workers booted and warmed

        total = int(args.rate * args.seconds)
        users = [f"U{uuid.uuid4().hex}" for _ in range(max(1, total // 4))]
        session = requests.Session()
        bodies = []
        for number in range(total):
            user = users[number % len(users)]
            token = session.post(f"{fake_url}/__fake__/reply-tokens", json={"userId": user}).json()["replyToken"]
            event = (
                simulator.follow_event(user, token)
                if number % 4 == 0
                else simulator.text_event(user, ["修了証", "申込の締切はいつ？", "ECMOの日程"][number % 3], token)
            )
            bodies.append(simulator.signed_request([event], SECRET))
        session.delete(f"{fake_url}/__fake__/requests")

        latencies: list[float] = []
        statuses: list[int] = []
        lock = threading.Lock()
        local = threading.local()
        start = time.perf_counter() + 0.5

        def send(number: int) -> None:
            delay = start + number / args.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            # http.client with a kept-alive connection per thread: the lightest client the
            # standard library has, so the generator takes little CPU from the server.
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = http.client.HTTPConnection("127.0.0.1", web_port, timeout=10)
            body, headers = bodies[number]
            began = time.perf_counter()
            connection.request("POST", "/callback", body=body.encode(), headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                local.connection = None
            with lock:
                latencies.append(elapsed)
                statuses.append(response.status)

        roles = {"web (gunicorn)": processes[1].pid, "fake LINE": processes[0].pid}
        if args.dispatch == "worker":
            roles["kenshu worker"] = processes[2].pid
        cpu_before = {role: cpu_seconds(pid) for role, pid in roles.items()}
        client_before = time.process_time()
        with ThreadPoolExecutor(max_workers=64) as pool:
            list(pool.map(send, range(total)))
        sent_seconds = time.perf_counter() - start
        cpu_used = {role: cpu_seconds(pid) - cpu_before[role] for role, pid in roles.items()}
        cpu_used["load generator"] = time.process_time() - client_before

        deadline = time.monotonic() + (0 if args.dispatch == "store-only" else 120)
        engine = create_engine(database_url)
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                done = connection.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "done"))
            if done >= total:
                break
            time.sleep(0.5)
        with engine.connect() as connection:
            stored = connection.scalar(select(func.count()).select_from(InboxEvent))
            handled = connection.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "done"))
        records = session.get(f"{fake_url}/__fake__/requests", params={"path": "/v2/bot/message/reply"}).json()
        records = records.get("requests", records) if isinstance(records, dict) else records
        replies = sum(1 for record in records if 200 <= record["status"] < 300)
        tokens = [record["body"]["replyToken"] for record in records if 200 <= record["status"] < 300]

        print(f"database           {database_url.split(':')[0].split('+')[0]}, dispatch: {args.dispatch}")
        print(f"events sent        {total} in {sent_seconds:.1f} s ({total / sent_seconds:.0f} events/s, target {args.rate:.0f})")
        print(f"acks 200           {statuses.count(200)} / {total}")
        print(f"ack latency p50    {statistics.median(latencies) * 1000:.1f} ms")
        print(f"ack latency p99    {percentile(latencies, 0.99) * 1000:.1f} ms")
        print(f"stored             {stored} / {total}")
        print(f"handled (done)     {handled} / {total}")
        print(f"replies accepted   {replies} / {total} (distinct tokens {len(set(tokens))})")
        print("CPU while sending  " + ", ".join(f"{role} {seconds:.1f} s" for role, seconds in cpu_used.items()))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
