"""Console page figures: 名簿, 受講案内, リマインダー, 受講者, 研修データ, 質問ログ with 100,000 followers,
10,000 applications (half linked, each with personal joining details) and 200,000 logged questions
over 30 days (a third unsure, none reviewed yet: 質問ログ's queue holds every one of them).

Run: ``.venv/bin/python bench/console_pages.py`` (SQLite in a temporary folder, and
PostgreSQL too when ``TEST_DATABASE_URL`` is set: a schema of its own, dropped
afterwards). Each page is requested through Flask's test client as a signed-in
clerk, 5 times after one warm-up request; prints the median and the slowest in
milliseconds. Goal (issue 11): every page under 300 ms. The machine is shared, so
figures move between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EDITION = "nanchisei-tokyo-r5"
COURSE = "nanchisei-tokyo-r5-clozapine-basic"
PAGES = (
    ("ダッシュボード", "/console/"),
    ("お知らせ配信", "/console/announcements/"),
    ("問い合わせ", "/console/inbox/"),
    ("監査ログ", "/console/audit/"),
    ("ユーザー管理", "/console/users/"),
    ("名簿", f"/console/roster/?edition={EDITION}"),
    ("名簿 page 100", f"/console/roster/?edition={EDITION}&page=100"),
    ("名簿 search", f"/console/roster/?edition={EDITION}&q=B-00999"),
    ("受講案内", f"/console/credentials/?edition={EDITION}"),
    ("受講案内 page 100", f"/console/credentials/?edition={EDITION}&page=100"),
    ("リマインダー", "/console/reminders/"),
    ("受講者", "/console/trainees/"),
    ("受講者 page 2000", "/console/trainees/?page=2000"),
    ("受講者 search name", "/console/trainees/?q=受講者99999"),
    ("受講者 search application", "/console/trainees/?q=B-000042"),
    ("研修データ", f"/console/knowledge/?edition={EDITION}"),
    ("質問ログ", "/console/questions/"),
    ("質問ログ page 5", "/console/questions/?page=5"),
)


def fill(app, followers: int, applications: int, questions: int) -> None:  # type: ignore[no-untyped-def]
    """Followers subscribed to the training, applications half linked, one login per application, questions."""
    from sqlalchemy import select

    from bot.clock import system_now
    from bot.credentials.secrets import JoinDetails
    from bot.db.tables import AskedQuestion, Enrolment, LineUser, PersonalCredential, Subscription
    from bot.roster.batches import batched, insert_rows
    from bot.services import Services

    services = Services.of(app)
    now = system_now()
    with services.db.session() as session:
        for batch in batched(range(followers), 10_000):
            insert_rows(session, LineUser.__table__, [
                {"line_user_id": f"U{n:032x}", "display_name": f"受講者{n}", "profile_language": "ja",
                 "status": "active", "notices_paused": False, "created_at": now, "followed_at": now}
                for n in batch])
        user_ids = session.scalars(select(LineUser.id).order_by(LineUser.id)).all()
        for batch in batched(user_ids, 10_000):
            insert_rows(session, Subscription.__table__, [
                {"user_id": user_id, "training_id": "nanchisei-tokyo", "created_at": now} for user_id in batch])
        insert_rows(session, Enrolment.__table__, [
            {"edition_id": EDITION, "course_id": COURSE, "application_no": f"B-{n:06d}", "name": f"受講 {n}号",
             "email": f"u{n}@example.jp", "link_code": uuid.uuid4().hex[:10].upper(), "link_code_expires_at": now,
             "user_id": user_ids[n] if n % 2 == 0 else None, "linked_at": now if n % 2 == 0 else None,
             "imported_at": now} for n in range(applications)])
        enrolment_ids = session.scalars(select(Enrolment.id)).all()
        secret = services.cipher.encrypt(JoinDetails("https://portal.example.jp/j/1", "user-1", "Pw-123456789"))
        insert_rows(session, PersonalCredential.__table__, [
            {"enrolment_id": id_, "target": "*", "tool": "Zoom", "secret": secret, "updated_at": now}
            for id_ in enrolment_ids])
        entries = [entry.id for entry in services.knowledge.faq.entries]
        postgres = services.db.engine.dialect.name == "postgresql"
        for batch in batched(range(questions), 10_000):
            rows = [_question(n, entries, user_ids, now) for n in batch]
            if postgres:  # COPY adapts a list as an array: the JSON column needs psycopg's JSON wrapper
                from psycopg.types.json import Json

                rows = [{**row, "candidates": Json(row["candidates"])} for row in rows]
            insert_rows(session, AskedQuestion.__table__, rows)
    if services.db.engine.dialect.name == "postgresql":
        with services.db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _question(n: int, entries: list[str], user_ids: list[int], now):  # type: ignore[no-untyped-def]
    """Question ``n``: asked within 30 days; two in three answered, the rest "did you mean" or out of scope,
    their best entries skewed as real questions are (a few topics asked most), one in three tapped."""
    from datetime import timedelta

    kind = ("answer", "answer", "did_you_mean", "answer", "answer", "out_of_scope")[n % 6]
    best = entries[min(int(len(entries) * (n * 7919 % 1000 / 1000) ** 3), len(entries) - 1)]
    candidates = [best, entries[(n * 31) % len(entries)]]
    return {"line_user_id": user_ids[n % len(user_ids)], "text": f"質問 {n} の文面", "locale": "ja", "kind": kind,
            "entry_id": best if kind == "answer" else None, "training_id": None, "probability": 0.4,
            "candidates": candidates, "tapped": best if kind == "did_you_mean" and n % 3 == 0 else None,
            "assigned_entry_id": None, "topic": best, "handled_at": None, "handled_by": None,
            "asked_at": now - timedelta(minutes=(n * 211) % (30 * 24 * 60))}


def measure(database_url: str, followers: int, applications: int, questions: int) -> dict[str, tuple[float, float]]:
    from bot.devtools.fake_line import FakeLine
    from bot.secretariat import staff
    from bot.secretariat.audit import Actor
    from bot.services import Services
    from tests.helpers import console_login, make_app

    with FakeLine.running() as fake:
        app = make_app(database_url, fake)
        fill(app, followers, applications, questions)
        staff.create_user(Services.of(app), Actor("bench"), "bench@example.jp", "a long enough password", "admin")
        client = app.test_client()
        assert console_login(client, "bench@example.jp", "a long enough password").status_code == 302
        figures = {}
        for name, path in PAGES:
            assert client.get(path).status_code == 200, path
            times = []
            for _ in range(5):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            figures[name] = (statistics.median(times), max(times))
        Services.of(app).db.engine.dispose()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200_000)
    args = parser.parse_args()
    from bot.db import migrate

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        results = {"SQLite": measure(url, args.followers, args.applications, args.questions)}
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        from sqlalchemy import create_engine, text

        schema = "bench_" + uuid.uuid4().hex[:10]
        driver = "postgresql+psycopg://" + base.removeprefix("postgresql://") if base.startswith("postgresql://") \
            else base
        admin = create_engine(driver)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{driver}{'&' if '?' in driver else '?'}options=-csearch_path%3D{schema}"
        try:
            migrate.upgrade(url)
            results["PostgreSQL"] = measure(url, args.followers, args.applications, args.questions)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    print(f"{args.followers:,} followers, {args.applications:,} applications, {args.questions:,} questions; "
          "median / slowest of 5, ms")
    print("| page | " + " | ".join(results) + " |")
    print("| --- |" + " --- |" * len(results))
    for name, _path in PAGES:
        print(f"| {name} | " + " | ".join(f"{results[db][name][0]:.0f} / {results[db][name][1]:.0f}"
                                        for db in results) + " |")


if __name__ == "__main__":
    main()
