"""Fan-out figures for the delivery engine, against the fake LINE API.

Usage: .venv/bin/python bench/fanout.py [--users 100000] [--pushes 10000] [--latency-ms 20]
                                        [--database-url URL] [--only 1,2,3] [--compare-with REF | --baseline DIR]

1. An announcement to N subscribers through ``kenshu announce`` in a child
   process, with the fake adding latency to each multicast: multicast requests
   (must be ceil(N/500)), time from the first to the last multicast at LINE
   (goal < 3 s for 100,000; LINE's own floor at 200 requests/s is 1 s), the
   busiest second seen by LINE (limit 200/s), the child's peak RSS (goal < 300 MB).
2. 10,000 personalised pushes with the fake adding latency to each request:
   pushes/s with the engine's thread pool (goal >= 1,000/s), against the same
   engine sending one at a time, and the busiest second seen by LINE (limit 2,000/s).
   The CPU a push costs is printed as the engine's (the whole sending process), the
   part of it spent inside ``LineGateway.push`` (line-bot-sdk's ``MessagingApi``, its
   urllib3 pool, ``http.client`` and the system calls: what no change to the engine
   removes while every call goes through the SDK), the same push alone in one thread
   (no other thread contending for the GIL), and the fake's.
3. The N-subscriber announcement killed with SIGKILL halfway, then resumed
   with ``kenshu announce resume``: duplicate and missing recipients counted
   from the fake's record (goal 0 and 0).

The fake runs in this process; what is measured runs in child processes, so
the two do not share a GIL. bench/fake_capacity.py shows what the fake alone
can serve. Figures come only from here; tests never time anything. On a
shared 2-core machine they move with the other load: compare runs side by side.
``--compare-with REF`` does that in one invocation: it first runs this benchmark
as it was at git revision REF (extracted with ``git archive`` into a temporary
folder and put first on ``PYTHONPATH``, so the fake, the engine and the
``kenshu`` child are all that revision's; same venv, same OpenAPI file), with the
same arguments, printing its lines as "before", then this tree's. ``--baseline DIR`` does the
same with the code in DIR (a tree made by ``git archive``) measured by this script, so that a
change to the measurement itself applies to both sides. Peak RSS is each child's own
(``VmHWM``): ``ru_maxrss`` is carried across fork and exec, so children of this process
(which holds the fake's record) used to report this process's size when it was the larger.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from linebot.v3.messaging import TextMessage
from sqlalchemy import insert, select, text

from bot import clock
from bot.app import create_app
from bot.db import Database, migrate
from bot.db.tables import Dispatch, LineUser, Subscription
from bot.delivery import Renderers, Sender, create_dispatch, run_dispatch
from bot.devtools.fake_line import FakeLine, FaultConfig
from bot.line.gateway import LineGateway
from bot.services import Services

TRAINING = "ecmo-ventilator"
SECRET = "bench-channel-secret"
TOKEN = "bench-access-token"
MULTICAST = "/v2/bot/message/multicast"
PUSH = "/v2/bot/message/push"


def seed_users(database_url: str, count: int, subscribed: int | None = None) -> None:
    """``count`` users; the first ``subscribed`` (default all) subscribe to TRAINING."""
    migrate.upgrade(database_url)
    db = Database(database_url)
    now = clock.now()
    subscribed = count if subscribed is None else subscribed
    for start in range(0, count, 10_000):
        chunk = range(start, min(count, start + 10_000))
        with db.session() as session:
            session.execute(insert(LineUser), [{"line_user_id": f"U{n:032x}", "created_at": now} for n in chunk])
    with db.session() as session:
        ids = session.scalars(select(LineUser.id).order_by(LineUser.id).limit(subscribed)).all()
    for start in range(0, len(ids), 10_000):
        with db.session() as session:
            session.execute(
                insert(Subscription),
                [{"user_id": u, "training_id": TRAINING, "created_at": now} for u in ids[start : start + 10_000]],
            )
    if db.engine.dialect.name == "postgresql":
        # Statistics as autovacuum would soon have them: right after a bulk load the planner
        # believes the training has ~30 subscribers and scans them all for every page.
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE line_users, subscriptions"))
            connection.commit()
    db.engine.dispose()


def child_env(database_url: str, fake: FakeLine) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINE_API_BASE_URL": fake.base_url,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "KENSHU_SECRET_KEY": "bench",
        "KENSHU_DEMO": "0",
    }


def kenshu(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "kenshu"), *args]


def peak_rss_mb(pid: int | str = "self") -> int:
    """A process's own peak RSS (``VmHWM``), in MB.

    Not ``ru_maxrss``: Linux carries it across fork and exec, so a child of this
    process (which holds the fake and its record of every request) would report this
    process's size whenever that is the larger.
    """
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) // 1024


def wait_rss(process: subprocess.Popen[bytes]) -> tuple[int, int, float]:
    """Wait for the child: (exit status as Popen reports it, peak RSS in MB, CPU seconds).

    The peak is read from /proc while the child runs (every 20 ms; it only grows):
    the rusage of the exited child would report this process's size if larger.
    """
    peak = 0
    while True:
        try:
            peak = max(peak, peak_rss_mb(process.pid))
        except (OSError, IndexError):  # exited (a zombie has no VmHWM) or not readable
            pass
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, peak, usage.ru_utime + usage.ru_stime


def recipients_count(fake: FakeLine) -> Counter[str]:
    return Counter(user for r in fake.state.requests(MULTICAST) if r.accepted for user in r.recipients)


def announcement(database_url: str, fake: FakeLine, users: int, latency_ms: float) -> None:
    fake.state.faults.configure(FaultConfig(latency_ms=latency_ms, paths=(MULTICAST,)))
    fake.state.clear_requests()
    started, fake_cpu = time.perf_counter(), time.process_time()
    child = subprocess.Popen(
        kenshu("announce", "--audience", f"training:{TRAINING}", "--text", "ベンチマークのお知らせ"),
        env=child_env(database_url, fake), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    code, rss_mb, child_cpu = wait_rss(child)
    wall, fake_cpu = time.perf_counter() - started, time.process_time() - fake_cpu
    output = child.stdout.read().decode() if child.stdout else ""
    requests = [r for r in fake.state.requests(MULTICAST)]
    fake.state.clear_faults()
    received = recipients_count(fake)
    print(f"[1] announcement to {users:,} subscribers, {latency_ms:g} ms latency per multicast (exit {code})")
    print(f"    multicast requests: {len(requests)} (ceil(N/500) = {math.ceil(users / 500)}; "
          f"accepted {sum(r.accepted for r in requests)}; 429 answers: {sum(r.status == 429 for r in requests)})")
    print(f"    recipients reached: {len(received):,}; received twice: {sum(n > 1 for n in received.values())}")
    accepted = [r.at for r in requests if r.accepted]
    print(f"    send time: {max(accepted) - min(accepted):.2f} s from first to last multicast at LINE "
          f"(goal < 3 s; LINE's limit makes {math.ceil(users / 500) / 200:.1f} s the floor); "
          f"busiest second: {busiest_second(requests)} requests (limit 200/s)")
    claimed = claimed_at(database_url)
    print(f"    from the claim of the send (its planning starts): first multicast at LINE after "
          f"{min(accepted) - claimed:.2f} s, last after {max(accepted) - claimed:.2f} s")
    print(f"    wall time: {wall:.1f} s for the whole command (incl. start-up); CPU: the command "
          f"{child_cpu:.1f} s (incl. start-up), fake LINE {fake_cpu:.1f} s")
    print(f"    child peak RSS: {rss_mb} MB (goal < 300 MB); {load_average()}")
    if code != 0:
        print(output)


def claimed_at(database_url: str) -> float:
    """When the newest dispatch was claimed (``started_at``), on the fake's clock (``time.monotonic``)."""
    db = Database(database_url)
    with db.session() as session:
        started = session.scalars(select(Dispatch.started_at).order_by(Dispatch.id.desc())).first()
    db.engine.dispose()
    return started.timestamp() - (time.time() - time.monotonic())


def load_average() -> str:
    """The machine's load, printed with each figure: on a shared machine it says how far to trust it."""
    return "load average %.1f %.1f %.1f" % os.getloadavg()


def busiest_second(records: list[Any]) -> int:
    times = sorted(r.at for r in records)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


class _TimedGateway(LineGateway):
    """The gateway, adding up the CPU its sending threads spend inside ``push``: line-bot-sdk's
    ``MessagingApi``, urllib3, ``http.client`` and the system calls, apart from the engine's own work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cpu: list[float] = []  # appended from many threads: list.append is atomic

    def push(self, *args: Any, **kwargs: Any) -> None:
        started = time.thread_time()
        try:
            super().push(*args, **kwargs)
        finally:
            self.cpu.append(time.thread_time() - started)


def push_child(database_url: str, base_url: str, key: str, audience: str, workers: int) -> None:
    """In a child process (so the fake and the sender do not share one GIL): run one
    personalised dispatch through the engine and print "peak-RSS-MB CPU-seconds sent seconds
    gateway-CPU-seconds"."""
    app = create_app({
        "KENSHU_DEMO": False, "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "KENSHU_SECRET_KEY": "bench", "LINE_API_BASE_URL": base_url, "DATABASE_URL": database_url,
    })
    services = Services.of(app)
    renderers = Renderers()
    renderers.register(
        "bench", lambda session, services, user, params: [TextMessage(text=f"{user.line_user_id[-6:]}様 受講番号のご案内")]
    )
    with services.db.session() as session:
        dispatch_id = create_dispatch(session, key, "reminder", audience, {"renderer": "bench", "params": {}}, clock.now()).id
    started, cpu = time.perf_counter(), time.process_time()
    line = _TimedGateway(base_url, TOKEN, pool_size=max(16, workers))  # a connection per worker
    tally = run_dispatch(services, dispatch_id, renderers, Sender(line, workers=workers))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(peak_rss_mb(), f"{cpu:.3f}", tally.sent, seconds, f"{sum(line.cpu):.3f}")


def gateway_child(base_url: str, count: int) -> None:
    """In a child process: ``count`` pushes through the gateway alone, one after another in one
    thread, each as the bench's renderer words it; print the thread's CPU seconds a push.

    The SDK's request building, urllib3, ``http.client`` and the system calls of one request,
    with nothing of the engine around it and no other thread contending for the GIL; beside the
    engine's share inside the gateway, what its 32 threads add. On a loaded machine it moves
    from run to run as much as the engine's figures do.
    """
    line = LineGateway(base_url, TOKEN, pool_size=1)
    for n in range(count // 10):  # the connection, the SDK's lazy imports and caches
        line.push(f"U{n:032x}", [TextMessage(text=f"{n:06x}様 受講番号のご案内")])
    cpu = time.thread_time()
    for n in range(count):
        line.push(f"U{n:032x}", [TextMessage(text=f"{n:06x}様 受講番号のご案内")])
    print(f"{(time.thread_time() - cpu) / count:.6f}")


def gateway_floor(fake: FakeLine, count: int = 2_000) -> float:
    """The gateway's CPU a push, one thread, no injected latency (see ``gateway_child``), in seconds."""
    command = [sys.executable, __file__, "--gateway-child", fake.base_url, str(count)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()[-1])


def pushes(database_url: str, fake: FakeLine, count: int, latency_ms: float, sequential_sample: int, workers: int) -> None:
    seed_users(database_url, count, subscribed=sequential_sample)

    rss: list[int] = []
    cpu: list[float] = []
    gateway_cpu: list[float] = []

    def timed(key: str, audience: str, workers: int) -> tuple[int, float]:
        command = [sys.executable, __file__, "--push-child", database_url, fake.base_url, key, audience, str(workers)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        rss.append(int(output[-5]))
        cpu.append(float(output[-4]))
        gateway_cpu.append(float(output[-1]))
        return int(output[-3]), float(output[-2])

    fake.state.faults.configure(FaultConfig(latency_ms=latency_ms, paths=(PUSH,)))
    fake.state.clear_requests()
    one_sent, one_seconds = timed("bench-sequential", f"training:{TRAINING}", workers=1)
    fake.state.clear_requests()
    fake_cpu, connections = time.process_time(), fake.client_connections
    many_sent, many_seconds = timed("bench-concurrent", "all", workers=workers)
    fake_cpu, connections = time.process_time() - fake_cpu, fake.client_connections - connections
    records = fake.state.requests(PUSH)
    fake.state.clear_faults()
    fake.state.clear_requests()
    floor = gateway_floor(fake)
    one_rate, many_rate = one_sent / one_seconds, many_sent / many_seconds
    print(f"[2] personalised pushes with {latency_ms:g} ms latency per request (engine incl. ledger)")
    print(f"    one at a time: {one_sent} pushes in {one_seconds:.1f} s = {one_rate:.0f} pushes/s")
    print(f"    engine ({workers} workers): {many_sent:,} pushes in {many_seconds:.1f} s = {many_rate:.0f} pushes/s")
    print(f"    speedup: {many_rate / one_rate:.1f}x; goal >= 1,000 pushes/s")
    print(f"    busiest second at LINE: {busiest_second(records)} requests (limit 2,000/s); "
          f"429 answers: {sum(r.status == 429 for r in records)}; connections the engine opened: {connections} "
          f"(kept alive: at most one per worker)")
    print(f"    CPU per push: the engine {1000 * cpu[-1] / many_sent:.2f} ms, of which inside the gateway's push "
          f"(MessagingApi, urllib3, http.client, system calls) {1000 * gateway_cpu[-1] / many_sent:.2f} ms; "
          f"the same push alone in one thread {1000 * floor:.2f} ms; fake LINE {1000 * fake_cpu / many_sent:.2f} ms "
          f"({fake_cpu / many_seconds:.0%} of one core while the engine sent)")
    print(f"    the engine's peak RSS: {rss[-1]} MB; {load_average()}")


def kill_and_resume(database_url: str, fake: FakeLine, users: int) -> None:
    fake.state.clear_requests()
    env = child_env(database_url, fake)
    half = math.ceil(users / 500) // 2
    child = subprocess.Popen(
        kenshu("announce", "--audience", f"training:{TRAINING}", "--text", "再開テスト"),
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while sum(r.accepted for r in fake.state.requests(MULTICAST)) < half and child.poll() is None:
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    child.wait()
    time.sleep(0.5)  # the request in flight at the kill still reaches LINE
    before = len(recipients_count(fake))
    from_db = Database(database_url)
    with from_db.session() as session:
        dispatch_id = session.scalars(select(Dispatch.id).order_by(Dispatch.id.desc())).first()
    from_db.engine.dispose()
    resumed = subprocess.run(kenshu("announce", "resume", str(dispatch_id)), env=env, capture_output=True, text=True)
    received = recipients_count(fake)
    expected = {f"U{n:032x}" for n in range(users)}
    statuses = Counter(r.status for r in fake.state.requests(MULTICAST))
    print(f"[3] announcement to {users:,} killed with SIGKILL (exit {child.returncode}) after {before:,} recipients, then resumed")
    print(f"    resume: {resumed.stdout.strip().splitlines()[-1] if resumed.stdout.strip() else resumed.stderr.strip()}")
    print(f"    multicast answers: {dict(statuses)} (409 = already accepted before the kill, counted sent)")
    print(f"    duplicates: {sum(n > 1 for n in received.values())}; missing: {len(expected - set(received))} (goal 0 and 0)")


def run_at_revision(revision: str, arguments: list[str]) -> None:
    """This benchmark as it was at ``revision``, in a child process; its lines printed as "before"."""
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(repo), "archive", revision], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        run_on_tree(Path(folder), Path(folder) / "bench" / "fanout.py", arguments, f"before ({revision[:10]})")


def run_on_tree(tree: Path, script: Path, arguments: list[str], label: str) -> None:
    """``script`` with ``arguments`` in a child process on the code of ``tree`` (first on ``PYTHONPATH``, so
    the fake, the engine and the ``kenshu`` child are all that tree's); its lines printed after ``label``."""
    from bot.devtools.fake_line.spec import default_spec_path

    env = {**os.environ, "PYTHONPATH": str(tree), "KENSHU_LINE_OPENAPI": str(default_spec_path())}
    old = subprocess.run([sys.executable, str(script), *arguments], cwd=tree, env=env, capture_output=True, text=True)
    for line in old.stdout.splitlines():
        print(f"{label} {line}", flush=True)
    if old.returncode:
        print(old.stderr[-2000:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--sequential-sample", type=int, default=300, help="pushes sent one at a time for the baseline")
    parser.add_argument("--workers", type=int, default=32, help="push threads (the Sender's default is 32)")
    parser.add_argument("--database-url", help="an empty database (default: SQLite files in a temporary folder)")
    parser.add_argument("--only", default="1,2,3")
    parser.add_argument("--compare-with", metavar="REF", help="first run this benchmark as it was at git revision REF")
    parser.add_argument("--baseline", metavar="DIR", type=Path,
                        help="first run this benchmark (this script, so both are measured alike) on the code in DIR, "
                             "e.g. made by `git archive main | tar -x -C DIR`")
    parser.add_argument("--push-child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--gateway-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gateway_child:
        gateway_child(args.gateway_child[0], int(args.gateway_child[1]))
        return 0
    if args.push_child:
        database_url, base_url, key, audience, workers = args.push_child
        push_child(database_url, base_url, key, audience, int(workers))
        return 0
    if (args.compare_with or args.baseline) and args.database_url:
        parser.error("--compare-with and --baseline need a database per run: compare two runs on two empty "
                     "databases instead (PYTHONPATH=DIR for the baseline's)")
    if args.compare_with or args.baseline:
        arguments = sys.argv[1:]
        option = "--compare-with" if args.compare_with else "--baseline"
        at = arguments.index(option)
        rest = arguments[:at] + arguments[at + 2:]
        if args.compare_with:
            run_at_revision(args.compare_with, rest)
        else:
            run_on_tree(args.baseline.resolve(), Path(__file__).resolve(), rest, f"before ({args.baseline})")
        print(f"now (working tree, {Path(__file__).resolve().parent.parent})", flush=True)
    scenarios = set(args.only.split(","))
    if args.database_url and "2" in scenarios and scenarios & {"1", "3"}:
        parser.error("scenario 2 seeds its own users: with --database-url run --only 1,3 and --only 2 "
                     "on two empty databases")
    # The fake keeps every request it answered; with 100,000 recipients on record its
    # collector's full passes would slow the fake (not the sender) down.
    gc.set_threshold(50_000, 20, 100)
    # The fake serves each connection on a thread; with Python's default 5 ms switch
    # interval its threads queue for the GIL at every socket read, adding latency LINE
    # would not add. A shorter interval lets the fake keep up with the sender.
    sys.setswitchinterval(0.0005)
    with tempfile.TemporaryDirectory() as folder, FakeLine.running(quota=None, channel_token=TOKEN) as fake:
        def database(name: str) -> str:
            return args.database_url or f"sqlite:///{Path(folder) / name}.db"

        if "1" in scenarios or "3" in scenarios:
            url = database("announce")
            started = time.perf_counter()
            seed_users(url, args.users)
            print(f"seeded {args.users:,} subscribers in {time.perf_counter() - started:.1f} s")
            if "1" in scenarios:
                announcement(url, fake, args.users, args.latency_ms)
            if "3" in scenarios:
                kill_and_resume(url, fake, args.users)
        if "2" in scenarios:
            pushes(database("pushes"), fake, args.pushes, args.latency_ms, args.sequential_sample, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
