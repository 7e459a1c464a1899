"""Reminder figures: planning and syncing 1,000 editions, and one reminder to 10,000 trainees.

Run: ``.venv/bin/python bench/reminders.py`` (SQLite in a temporary folder, the
fake LINE API in a child process, ``kenshu fake-line``, so that it does not
share the sender's GIL; bench/fake_capacity.py shows what it can serve). Prints:

* sync: planning 1,000 editions with the rules of data/reminders.yaml and
  writing the job store from empty, then re-syncing the unchanged plan
  (goal: under 1 s), and the process's peak RSS;
* send: one on-demand reminder with personal joining details to 10,000
  linked trainees through the fake LINE API: time from fire to last send,
  and decryptions per second (on their own, without the sending around them).

On a shared 2-core machine the figures move with the other load: compare runs
made side by side. ``--compare-with REF`` does that in one run: it first runs this
benchmark as it was at git revision REF (extracted with ``git archive`` into a
temporary folder, on the same venv), prints its figures, then this tree's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.app import create_app
from bot.clock import JST, parse_jst, system_now  # noqa: E402
from bot.config import REPO_ROOT  # noqa: E402
from bot.credentials import Cipher, JoinDetails, PersonalCredential  # noqa: E402
from bot.db import (
    make_engine,  # noqa: E402
    migrate,  # noqa: E402
)
from bot.db.tables import Enrolment, LineUser  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.services import Services
from scheduler.fire import fire  # noqa: E402
from scheduler.planning import plan_reminders  # noqa: E402
from scheduler.sync import job_store, sync  # noqa: E402

EDITIONS = 1_000
TRAINEES = 10_000
SECRET_KEY = "bench-secret-key"
EDITION = "nanchisei-tokyo-r5"
JOB = f"reminder:{EDITION}/on_demand_start/nanchisei-tokyo-r5-clozapine:week-before:20230725T1000"
FIRES_AT = "2023-07-25T10:00"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_sync(folder: Path) -> None:
    knowledge = load_knowledge(REPO_ROOT / "data")
    template = knowledge.edition(EDITION)
    many = replace(knowledge, editions={f"bench-{n:04d}": template.model_copy(update={"id": f"bench-{n:04d}"})
                                        for n in range(EDITIONS)})
    rules = knowledge.reminder_rules
    url = f"sqlite:///{folder / 'sync.db'}"
    migrate.upgrade(url)
    store = job_store(make_engine(url))
    now = parse_jst("2023-05-01T09:00")
    started = time.perf_counter()
    planned = plan_reminders(many, rules, {})
    planned_in = time.perf_counter() - started
    report = sync(store, planned, now)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = sync(store, plan_reminders(many, rules, {}), now)
    second = time.perf_counter() - started
    print(f"sync: {EDITIONS} editions, {len(planned)} planned sends ({len(planned) / EDITIONS:.0f} per edition)")
    print(f"sync: plan {planned_in:.2f} s; plan + first sync into an empty store {first:.2f} s ({report.summary()})")
    print(f"sync: plan + re-sync of the unchanged plan {second:.2f} s ({again.summary()})")
    print(f"sync: peak RSS {peak_rss_mib():.0f} MiB")


@contextmanager
def fake_line_process() -> Iterator[str]:
    """``kenshu fake-line`` on an ephemeral port in a child process; yields its base URL."""
    kenshu = Path(sys.executable).parent / "kenshu"
    child = subprocess.Popen([str(kenshu), "fake-line", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().split()[4]  # "fake LINE API on http://127.0.0.1:PORT (...)"
    finally:
        child.terminate()
        child.wait(timeout=10)


def fake_control(base_url: str, path: str, body: dict | None = None) -> dict:
    """The fake's back door (``/__fake__/...``): POST ``body`` when given, else GET."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def bench_send(folder: Path) -> None:
    url = f"sqlite:///{folder / 'send.db'}"
    migrate.upgrade(url)
    cipher = Cipher(SECRET_KEY)
    with fake_line_process() as base_url:
        app = create_app({"KENSHU_DEMO": False, "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t",
                          "KENSHU_SECRET_KEY": SECRET_KEY, "LINE_API_BASE_URL": base_url, "DATABASE_URL": url,
                          "KENSHU_DISPATCH": "inline"})
        logging.getLogger().setLevel(logging.WARNING)
        # the fake's default free-plan quota would refuse most of them
        fake_control(base_url, "/__fake__/quota", {"type": "none"})
        services = Services.of(app)
        now = system_now()
        with Session(services.db.engine) as session, session.begin():
            session.execute(insert(LineUser), [{"line_user_id": f"U{n:032x}", "status": "active",
                                                "notices_paused": False, "created_at": now}
                                               for n in range(TRAINEES)])
            user_ids = list(session.scalars(select(LineUser.id).order_by(LineUser.id)))
            session.execute(insert(Enrolment), [{
                "edition_id": EDITION, "course_id": "nanchisei-tokyo-r5-clozapine-basic", "application_no": f"B{n}",
                "name": f"受講者{n}", "email": f"b{n}@example.jp", "user_id": user_id, "linked_at": now,
                "imported_at": now} for n, user_id in enumerate(user_ids)])
            enrolment_ids = list(session.scalars(select(Enrolment.id).order_by(Enrolment.id)))
            tokens = [cipher.encrypt(JoinDetails("https://portal.example.jp/login", f"id-{n:05d}", f"pw-{n:08x}"))
                      for n in range(TRAINEES)]
            session.execute(insert(PersonalCredential), [{
                "enrolment_id": enrolment_id, "target": "*", "tool": None, "secret": token, "updated_at": now}
                for enrolment_id, token in zip(enrolment_ids, tokens)])
        started = time.perf_counter()
        for token in tokens:
            cipher.decrypt(token)
        decrypt_rate = TRAINEES / (time.perf_counter() - started)
        # The renderer skips a reminder whose event has passed: fire it at its own time.
        os.environ["KENSHU_NOW"] = FIRES_AT
        started = time.perf_counter()
        fired = fire(services, JOB, parse_jst(FIRES_AT).astimezone(JST))
        elapsed = time.perf_counter() - started
        pushes = len(fake_control(base_url, "/__fake__/requests?path=/v2/bot/message/push")["requests"])
    assert fired.tally is not None
    print(f"send: {TRAINEES} trainees with personal details: fire to last send {elapsed:.1f} s "
          f"({fired.tally.sent} sent, {fired.tally.failed} failed, {fired.tally.skipped} skipped, {pushes} push requests, {TRAINEES / elapsed:.0f} trainees/s)")
    print(f"send: {decrypt_rate:,.0f} decryptions/s (Fernet, one per trainee)")
    print(f"send: peak RSS {peak_rss_mib():.0f} MiB")


def run_at_revision(revision: str) -> None:
    """This benchmark as it was at ``revision``, in a child process; its figures printed as "before"."""
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(repo), "archive", revision], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        env = {key: value for key, value in os.environ.items() if key != "KENSHU_NOW"}
        old = subprocess.run([sys.executable, str(Path(folder) / "bench" / "reminders.py")], cwd=folder, env=env,
                             capture_output=True, text=True)
    for line in old.stdout.splitlines():
        print(f"before ({revision[:10]}) {line}")
    if old.returncode:
        print(old.stderr[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-with", metavar="REF", help="first run this benchmark as it was at git revision REF")
    args = parser.parse_args()
    os.environ.pop("KENSHU_NOW", None)
    if args.compare_with:
        run_at_revision(args.compare_with)
    with tempfile.TemporaryDirectory() as folder:
        bench_sync(Path(folder))
        bench_send(Path(folder))


if __name__ == "__main__":
    main()
