"""The fake LINE API's own capacity, so a reader of the delivery figures sees it is not the limit.

Usage: .venv/bin/python bench/fake_capacity.py [--threads 32] [--seconds 3] [--latency-ms 0,20]
       [--requests push,multicast,flex push] [--compare-with REF]

The fake runs in a child process (its own GIL, as when ``kenshu fake-line`` serves a
separate bot) with rate limiting off: what is measured is the server and its request
pipeline (auth, faults, body contract, record), not LINE's limits. N client threads
each keep one connection open (http.client reconnects by itself when the server
closes it, so the same client measures a server without keep-alive too) and send
pre-encoded bodies as fast as the fake answers, for push (1 recipient),
multicast (500 recipients) and a push of an answer with a Flex table (``flex push``:
validating it is the fake's main cost per answer in bench/webhook.py). Prints requests/s, the connections the clients opened,
and the fake's CPU time per request (from /proc), whose inverse is what one core
of the fake can serve whatever the client costs.

``--compare-with REF`` also serves the fake as it was at git revision REF
(extracted with ``git archive`` into a temporary folder, on the same venv and
the same OpenAPI file) and measures it and this tree's one row by row, one
right after the other, so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOKEN = "bench-access-token"
PUSH = "/v2/bot/message/push"
MULTICAST = "/v2/bot/message/multicast"
ENDPOINTS = {
    "push": (PUSH, {"to": "U" + "0" * 32, "messages": [{"type": "text", "text": "容量測定"}]}),
    "multicast": (MULTICAST, {"to": [f"U{n:032x}" for n in range(500)],
                              "messages": [{"type": "text", "text": "容量測定"}]}),
}


def flex_answer() -> list[dict]:
    """An answer with a table as the bot words it (text, a Flex table of 8 rows, quick replies): the
    body whose validation costs the fake most in bench/webhook.py."""
    from bot.line.answer_messages import answer_json
    from bot.qa import Choice, Decision, DecisionKind, Reply, Table

    rows = tuple((f"2026年{month}月{day}日", f"第{day}回 {place}会場 10:00-16:00")
                 for month, day, place in ((1, 8, "東京"), (1, 15, "大阪"), (1, 22, "福岡"), (2, 5, "札幌"),
                                           (2, 12, "名古屋"), (2, 19, "広島"), (3, 4, "仙台"), (3, 11, "京都")))
    reply = Reply(texts=("研修の日程は次のとおりです。",),
                  choices=(Choice("申込の締切", "申込の締切"), Choice("受講要件", "受講要件")),
                  decision=Decision(DecisionKind.ANSWER, "ja", "bench", 1.0), table=Table("研修の日程", rows))
    return answer_json(reply)


def serve_child() -> None:
    """The child: a fake with no rate limits and no quota; prints its URL and schema, serves until stdin closes."""
    from bot.devtools.fake_line import FakeLine

    with FakeLine.running(quota=None, channel_token=TOKEN, rate_limiting=False) as fake:
        print(fake.base_url, flush=True)
        print(fake.state.contract.source, flush=True)
        sys.stdin.read()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def control(base_url: str, method: str, path: str, body: dict | None = None) -> dict:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read() or b"{}")
    connection.close()
    return answer


class Load:
    """``threads`` clients, each on its own keep-alive connection, for ``seconds``."""

    def __init__(self, base_url: str, path: str, body: dict, threads: int, seconds: float) -> None:
        self.parts = urlsplit(base_url)
        self.path = path
        self.payload = json.dumps(body).encode()
        self.threads = threads
        self.seconds = seconds
        self.counts = [0] * threads
        self.errors = [0] * threads
        self.connections = [0] * threads

    def run(self) -> float:
        deadline = time.perf_counter() + self.seconds
        workers = [threading.Thread(target=self._client, args=(n, deadline)) for n in range(self.threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - started

    def _client(self, n: int, deadline: float) -> None:
        connection = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=30)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        while time.perf_counter() < deadline:
            if connection.sock is None:  # the server closed the last one (or this is the first)
                self.connections[n] += 1
            connection.request("POST", self.path, body=self.payload, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                self.counts[n] += 1
            else:
                self.errors[n] += 1
        connection.close()


@contextmanager
def fake_child(script: Path) -> Iterator[tuple[str, str, int]]:
    """Serve the fake from ``script``'s tree in a child; yields its URL, schema source and pid."""
    from bot.devtools.fake_line.spec import default_spec_path

    env = {**os.environ, "KENSHU_LINE_OPENAPI": str(default_spec_path())}
    child = subprocess.Popen([sys.executable, str(script), "--serve-child"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=script.parent.parent, env=env)
    try:
        assert child.stdout is not None
        base_url = child.stdout.readline().strip()
        yield base_url, child.stdout.readline().strip(), child.pid
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=10)


@contextmanager
def tree_at(revision: str) -> Iterator[Path]:
    """This repository as it was at ``revision``, in a temporary folder."""
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(repo), "archive", revision], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


def measure(label: str, base_url: str, pid: int, name: str, latency: float, args: argparse.Namespace) -> None:
    path, body = ENDPOINTS[name] if name in ENDPOINTS else (PUSH, {"to": "U" + "0" * 32, "messages": flex_answer()})
    control(base_url, "POST", "/__fake__/faults", {"latency_ms": latency, "paths": [path]})
    control(base_url, "DELETE", "/__fake__/requests")
    cpu = cpu_seconds(pid)
    load = Load(base_url, path, body, args.threads, args.seconds)
    elapsed = load.run()
    cpu = cpu_seconds(pid) - cpu
    done, errors = sum(load.counts), sum(load.errors)
    print(f"  {label}{name:>9}, {latency:>4g} ms added: {done / elapsed:6.0f} requests/s "
          f"({done:,} answered 200, {errors} errors, {sum(load.connections)} connections); "
          f"fake CPU {1000 * cpu / max(done, 1):.2f} ms per request = at most "
          f"{max(done, 1) / max(cpu, 1e-9):,.0f} requests/s per core")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--latency-ms", default="0,20", help="comma-separated latencies the fake adds")
    parser.add_argument("--requests", default="push,multicast,flex push",
                        help="comma-separated rows to measure: push, multicast, flex push")
    parser.add_argument("--compare-with", metavar="REF", help="also measure the fake as it was at git revision REF")
    parser.add_argument("--serve-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.requests.split(",")) - {*ENDPOINTS, "flex push"}
    if unknown:
        parser.error(f"unknown --requests row(s): {', '.join(sorted(unknown))}")
    if args.serve_child:
        serve_child()
        return 0
    with ExitStack() as stack:
        fakes = []
        if args.compare_with:
            old_tree = stack.enter_context(tree_at(args.compare_with))
            fakes.append((f"before ({args.compare_with[:10]}) ",
                          stack.enter_context(fake_child(old_tree / "bench" / "fake_capacity.py"))))
        fakes.append(("now " if args.compare_with else "", stack.enter_context(fake_child(Path(__file__)))))
        for label, (_, schema, _) in fakes:
            print(f"{label or 'fake LINE API'} in a child process, validating bodies with {schema}")
        print(f"{args.threads} client threads, one connection each, {args.seconds:g} s per row; rate limits off "
              f"(LINE's: push 2,000/s, multicast 200/s)")
        for latency in (float(value) for value in args.latency_ms.split(",")):
            for name in args.requests.split(","):
                for label, (base_url, _, pid) in fakes:
                    measure(label, base_url, pid, name, latency, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
