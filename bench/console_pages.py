"""Console page figures: every page of the console with 100,000 followers and 10,000 applications.

Run: ``.venv/bin/python bench/console_pages.py`` (SQLite in a temporary folder, and
PostgreSQL beside it when ``TEST_DATABASE_URL`` is set: a schema of its own, dropped
afterwards). The clock is frozen in the season (``KENSHU_NOW``, as the demo) so
リマインダー and the dashboard's next 7 days have something to show. Seeds 100,000
followers (5% blocked, each subscribed to a training), 10,000 applications (half
linked, each with personal joining details), a finished send to 50,000 with its
ledger over the last 14 days, 200,000 questions asked over 30 days (a third waiting
for 質問ログ, grouped by a few skewed topics), 2,000 audit entries and 300
conversations with the secretariat. Each page is requested through Flask's test
client as a signed-in 管理者, 5 times after one warm-up request; the table gives the
median and the slowest in milliseconds, one column per database. Goal (issue 11):
every page under 300 ms. A console page (GET route) the list below does not cover
is named at the end, so a new page is not forgotten.

``--profile NAME`` prints the 25 costliest functions of one page (cProfile) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = "2023-06-27T09:00"  # as the demo: the Nanchisei training's season
EDITION = "nanchisei-tokyo-r5"
COURSE = "nanchisei-tokyo-r5-clozapine-basic"
# (name, method, path): the path may name {conversation}, filled in after seeding.
PAGES = (
    ("ダッシュボード", "GET", "/console/"),
    ("ダッシュボード 要対応 (htmx)", "GET", "/console/inbox/waiting"),
    ("お知らせ配信 (composer and history)", "GET", "/console/announcements/"),
    ("お知らせ配信 history (htmx)", "GET", "/console/announcements/history"),
    ("reach of all followers (htmx)", "POST", "/console/announcements/draft"),
    ("問い合わせ", "GET", "/console/inbox/"),
    ("問い合わせ 要対応", "GET", "/console/inbox/?status=waiting"),
    ("問い合わせ one conversation", "GET", "/console/inbox/{conversation}"),
    ("問い合わせ 定型文", "GET", "/console/inbox/saved"),
    ("監査ログ", "GET", "/console/audit/"),
    ("ユーザー管理", "GET", "/console/users/"),
    ("名簿", "GET", f"/console/roster/?edition={EDITION}"),
    ("名簿 page 100", "GET", f"/console/roster/?edition={EDITION}&page=100"),
    ("名簿 search", "GET", f"/console/roster/?edition={EDITION}&q=B-00999"),
    ("受講案内", "GET", f"/console/credentials/?edition={EDITION}"),
    ("受講案内 page 100", "GET", f"/console/credentials/?edition={EDITION}&page=100"),
    ("リマインダー", "GET", "/console/reminders/"),
    ("受講者", "GET", "/console/trainees/"),
    ("受講者 page 2000", "GET", "/console/trainees/?page=2000"),
    ("受講者 search by name (one match)", "GET", "/console/trainees/?q=受講者99999"),
    ("受講者 search by name (no match)", "GET", "/console/trainees/?q=山田"),
    ("受講者 search by name (many)", "GET", "/console/trainees/?q=受講者1"),
    ("受講者 search by application number", "GET", "/console/trainees/?q=B-000042"),
    ("受講者 search by LINE user ID", "GET", f"/console/trainees/?q=U{99_999:032x}"),
    ("受講者 データ削除 confirmation", "GET", "/console/trainees/2/delete"),
    ("研修データ", "GET", f"/console/knowledge/?edition={EDITION}"),
    ("質問ログ", "GET", "/console/questions/"),
    ("質問ログ page 5", "GET", "/console/questions/?page=5"),
    ("2段階認証", "GET", "/console/two-step/"),
)
# GET routes that are no page to time: actions, downloads, the data check (reads every file), login.
NOT_PAGES = {"/console/login", "/console/login/code", "/console/roster/codes.csv", "/console/knowledge/check",
             "/console/inbox/<int:conversation_id>/lines", "/console/static/<path:filename>"}
SENT, QUESTIONS, AUDIT, CONVERSATIONS = 50_000, 200_000, 2_000, 300


def fill(app, followers: int, applications: int) -> None:  # type: ignore[no-untyped-def]
    """The rows of a busy season, written in bulk (COPY on PostgreSQL)."""
    from psycopg.types.json import Json
    from sqlalchemy import select

    from bot import clock
    from bot.credentials.secrets import JoinDetails
    from bot.db.tables import (
        AskedQuestion,
        AuditEntry,
        Delivery,
        Dispatch,
        Enrolment,
        HandoffConversation,
        HandoffMessage,
        LineUser,
        PersonalCredential,
        Subscription,
    )
    from bot.roster.batches import batched, insert_rows
    from bot.services import Services

    services = Services.of(app)
    now = clock.now()
    trainings = sorted(services.knowledge.trainings)
    with services.db.session() as session:
        for batch in batched(range(followers), 10_000):
            insert_rows(session, LineUser.__table__, [
                {"line_user_id": f"U{n:032x}", "display_name": f"受講者{n}", "profile_language": "ja",
                 "status": "blocked" if n % 20 == 0 else "active", "notices_paused": False, "created_at": now,
                 "followed_at": now} for n in batch])
        user_ids = session.scalars(select(LineUser.id).order_by(LineUser.id)).all()
        for batch in batched(user_ids, 10_000):
            insert_rows(session, Subscription.__table__, [
                {"user_id": user_id, "training_id": trainings[user_id % len(trainings)], "created_at": now}
                for user_id in batch])
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
        dispatch = Dispatch(key="bench", kind="announcement", audience="all", status="done",
                            content={"messages": [{"type": "text", "text": "ベンチマーク"}]},
                            scheduled_at=now, created_at=now, finished_at=now, note="bench")
        session.add(dispatch)
        session.flush()
        insert_rows(session, Delivery.__table__, [
            {"dispatch_id": dispatch.id, "user_id": user_id, "status": "sent", "batch": n // 500, "attempts": 1,
             "resendable": False, "updated_at": now - timedelta(minutes=n % (14 * 24 * 60))}
            for n, user_id in enumerate(user_ids[:SENT])])
        entries = [entry.id for entry in services.knowledge.faq.entries]
        postgres = services.db.engine.dialect.name == "postgresql"
        for batch in batched(range(QUESTIONS), 10_000):
            rows = [_question(n, entries, user_ids, now) for n in batch]
            if postgres:  # COPY adapts a list as an array: the JSON column needs psycopg's JSON wrapper
                rows = [{**row, "candidates": Json(row["candidates"])} for row in rows]
            insert_rows(session, AskedQuestion.__table__, rows)
        insert_rows(session, AuditEntry.__table__, [
            {"at": now - timedelta(minutes=n), "actor": "bench@example.jp", "action": "login",
             "target": "bench@example.jp"} for n in range(AUDIT)])
        conversations = [HandoffConversation(user_id=user_ids[n * 7], status=("waiting", "active", "done")[n % 3],
                                             handed_over_at=now - timedelta(hours=n),
                                             updated_at=now - timedelta(hours=n))
                         for n in range(min(CONVERSATIONS, len(user_ids) // 7))]
        session.add_all(conversations)
        session.flush()
        insert_rows(session, HandoffMessage.__table__, [
            {"user_id": conversation.user_id, "conversation_id": conversation.id,
             "author": "trainee" if line % 2 == 0 else "staff", "to_staff": True, "text": f"お問い合わせ {line}",
             "quick_replies": [], "at": now - timedelta(hours=n, minutes=-line)}
            for n, conversation in enumerate(conversations) for line in range(6)])
    if services.db.engine.dialect.name == "postgresql":  # what autovacuum does to a live database
        with services.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


def _paths(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each page's path with the seeded rows' ids filled in."""
    from sqlalchemy import func, select

    from bot.db.tables import HandoffConversation
    from bot.services import Services

    with Services.of(app).db.session() as session:
        conversation = session.scalar(select(func.min(HandoffConversation.id)))
    return {name: path.format(conversation=conversation) for name, _method, path in PAGES}


def unmeasured(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Console GET routes no entry of PAGES requests."""
    measured = {app.url_map.bind("localhost").match(path.split("?")[0].format(conversation=1),
                                                    method=method)[0] for _name, method, path in PAGES}
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/console") and "GET" in (rule.methods or ())
                  and rule.endpoint not in measured and rule.rule not in NOT_PAGES)


@contextmanager
def console(database_url: str, followers: int, applications: int) -> Iterator[tuple]:
    """A seeded app and a test client signed in as a 管理者; yields (app, client, csrf token, paths)."""
    from bot.devtools.fake_line import FakeLine
    from bot.secretariat import staff
    from bot.secretariat.audit import Actor
    from bot.services import Services
    from tests.helpers import console_login, csrf_token, make_app

    with FakeLine.running() as fake:
        app = make_app(database_url, fake)
        fill(app, followers, applications)
        staff.create_user(Services.of(app), Actor("bench"), "bench@example.jp", "a long enough password", "admin")
        client = app.test_client()
        assert console_login(client, "bench@example.jp", "a long enough password").status_code == 302
        try:
            yield app, client, csrf_token(client, "/console/announcements/"), _paths(app)
        finally:
            Services.of(app).db.engine.dispose()


def _request(client, token: str, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    if method == "POST":
        response = client.post(path, data={"audience": "all", "text": "お知らせ"}, headers={"X-CSRFToken": token})
    else:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)



def _question(n: int, entries: list[str], user_ids: list[int], now):  # type: ignore[no-untyped-def]
    """Question ``n``: asked within 30 days; two in three answered, the rest "did you mean" or out of scope,
    their best entries skewed as real questions are (a few topics asked most), one in three tapped."""
    kind = ("answer", "answer", "did_you_mean", "answer", "answer", "out_of_scope")[n % 6]
    best = entries[min(int(len(entries) * (n * 7919 % 1000 / 1000) ** 3), len(entries) - 1)]
    candidates = [best, entries[(n * 31) % len(entries)]]
    return {"line_user_id": user_ids[n % len(user_ids)], "text": f"質問 {n} の文面", "locale": "ja", "kind": kind,
            "entry_id": best if kind == "answer" else None, "training_id": None, "probability": 0.4,
            "candidates": candidates, "tapped": best if kind == "did_you_mean" and n % 3 == 0 else None,
            "assigned_entry_id": None, "topic": best, "handled_at": None, "handled_by": None,
            "asked_at": now - timedelta(minutes=(n * 211) % (30 * 24 * 60))}


def measure(database_url: str, followers: int, applications: int) -> tuple[dict[str, tuple[float, float]], list[str]]:
    with console(database_url, followers, applications) as (app, client, token, paths):
        figures = {}
        for name, method, _path in PAGES:
            _request(client, token, method, paths[name])
            times = []
            for _ in range(5):
                start = time.perf_counter()
                _request(client, token, method, paths[name])
                times.append((time.perf_counter() - start) * 1000)
            figures[name] = (statistics.median(times), max(times))
        return figures, unmeasured(app)


def profile(database_url: str, followers: int, applications: int, page: str) -> None:
    method = dict((name, method) for name, method, _path in PAGES)[page]
    with console(database_url, followers, applications) as (_app, client, token, paths):
        _request(client, token, method, paths[page])
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [_request(client, token, method, paths[page]) for _ in range(3)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


@contextmanager
def databases() -> Iterator[list[tuple[str, str]]]:
    """(name, URL) of SQLite in a temporary folder and, with TEST_DATABASE_URL, a fresh PostgreSQL schema."""
    from sqlalchemy import create_engine, text

    from bot.db import migrate

    with tempfile.TemporaryDirectory() as folder:
        found = [("SQLite", f"sqlite:///{folder}/bench.db")]
        base = os.environ.get("TEST_DATABASE_URL")
        admin = schema = None
        if base:
            schema = "bench_" + uuid.uuid4().hex[:10]
            driver = "postgresql+psycopg://" + base.removeprefix("postgresql://") \
                if base.startswith("postgresql://") else base
            admin = create_engine(driver)
            with admin.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            found.append(("PostgreSQL", f"{driver}{'&' if '?' in driver else '?'}options=-csearch_path%3D{schema}"))
        try:
            for _name, url in found:
                migrate.upgrade(url)
            yield found
        finally:
            if admin is not None:
                with admin.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--profile", metavar="NAME", choices=[name for name, _m, _p in PAGES],
                        help="profile this page (on every database) instead of timing them all")
    args = parser.parse_args()
    os.environ["KENSHU_NOW"] = NOW
    results, missing = {}, set()
    with databases() as found:
        for name, url in found:
            if args.profile:
                print(f"== {name}")
                profile(url, args.followers, args.applications, args.profile)
                continue
            results[name], not_covered = measure(url, args.followers, args.applications)
            missing.update(not_covered)
    if args.profile:
        return
    print(f"{args.followers:,} followers, {args.applications:,} applications, KENSHU_NOW={NOW}; "
          f"median / slowest of 5, ms (load average {os.getloadavg()[0]:.1f} at the end)")
    print("| page | " + " | ".join(results) + " |")
    print("| --- |" + " --- |" * len(results))
    for name, _method, _path in PAGES:
        print(f"| {name} | " + " | ".join(f"{results[db][name][0]:.0f} / {results[db][name][1]:.0f}"
                                        for db in results) + " |")
    for rule in sorted(missing):
        print(f"not measured: {rule}")


if __name__ == "__main__":
    main()
