"""Console page render times with 100,000 followers and 10,000 applications.

Run: ``.venv/bin/python bench/console_pages.py [DATABASE_URL]`` (default: SQLite in
a temporary folder; a PostgreSQL URL works too, on an empty database). Seeds
100,000 LINE users (5% blocked, each subscribed to one training), 10,000
applications (half linked), one finished announcement to 50,000 with its ledger,
and 2,000 audit entries; then logs in as an administrator through the Flask
test client, the fake LINE API in process, and prints each page's median and
worst of 5 renders (server time, no network or browser). Goal: under 300 ms.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bot import clock  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.db import migrate  # noqa: E402
from bot.db.tables import (  # noqa: E402
    AuditEntry,
    Delivery,
    Dispatch,
    Enrolment,
    LineUser,
    Subscription,
)
from bot.devtools.fake_line import FakeLine  # noqa: E402
from bot.secretariat import staff  # noqa: E402
from bot.secretariat.audit import Actor  # noqa: E402
from bot.services import Services  # noqa: E402

FOLLOWERS, APPLICATIONS, SENT = 100_000, 10_000, 50_000
PAGES = ["/console/", "/console/announcements/", "/console/audit/", "/console/users/"]
PASSWORD = "bench password 1234"


def seed(services: Services) -> None:
    now = clock.now()
    knowledge = services.knowledge
    trainings = sorted(knowledge.trainings)
    editions = sorted(knowledge.editions)
    with services.db.session() as session:
        session.execute(insert(LineUser), [
            {"line_user_id": f"U{n:032x}", "created_at": now, "status": "blocked" if n % 20 == 0 else "active"}
            for n in range(FOLLOWERS)])
        ids = session.scalars(select(LineUser.id).order_by(LineUser.id)).all()
        session.execute(insert(Subscription), [
            {"user_id": uid, "training_id": trainings[n % len(trainings)], "created_at": now}
            for n, uid in enumerate(ids)])
        session.execute(insert(Enrolment), [
            {"edition_id": editions[n % len(editions)],
             "course_id": knowledge.edition(editions[n % len(editions)]).all_courses()[0].id,
             "application_no": f"A-{n:05d}", "name": "研修 太郎", "email": f"t{n}@example.jp",
             "user_id": ids[n] if n % 2 == 0 else None, "imported_at": now} for n in range(APPLICATIONS)])
        dispatch = Dispatch(key="bench", kind="announcement", audience="all",
                            content={"messages": [{"type": "text", "text": "ベンチマーク"}]}, status="done",
                            scheduled_at=now, created_at=now, finished_at=now, note="bench")
        session.add(dispatch)
        session.flush()
        session.execute(insert(Delivery), [
            {"dispatch_id": dispatch.id, "user_id": uid, "status": "sent", "batch": n // 500, "updated_at": now}
            for n, uid in enumerate(ids[:SENT])])
        session.execute(insert(AuditEntry), [
            {"at": now, "actor": "bench@example.jp", "action": "login", "target": "bench@example.jp"}
            for _ in range(2000)])
    staff.create_user(services, Actor("bench"), "admin@example.jp", PASSWORD, "admin")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, FakeLine.running() as fake:
        url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(scratch) / 'bench.db'}"
        migrate.upgrade(url)
        app = create_app({"KENSHU_DEMO": True, "DATABASE_URL": url, "LINE_API_BASE_URL": fake.base_url,
                          "KENSHU_CONSOLE_HTTP": True, "KENSHU_LOG_LEVEL": "WARNING"})
        services = Services.of(app)
        started = time.perf_counter()
        seed(services)
        print(f"seeded {FOLLOWERS:,} followers, {APPLICATIONS:,} applications, a send to {SENT:,} "
              f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/login").text).group(1)
        assert client.post("/console/login", data={"email": "admin@example.jp", "password": PASSWORD,
                                                   "csrf_token": token}).status_code == 302
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/").text).group(1)
        for path in PAGES:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            print(f"{path:28} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")
        started = time.perf_counter()
        assert client.post("/console/announcements/draft", data={"audience": "all", "text": "x"},
                           headers={"X-CSRFToken": token}).status_code == 200
        print(f"{'reach of all (htmx)':28} {(time.perf_counter() - started) * 1000:7.1f} ms")
        services.db.engine.dispose()


if __name__ == "__main__":
    main()
