"""Builders the test modules share: the app, signed webhooks, the CLI, rows written directly.

Shared set-up lives here or in a fixture in ``conftest.py``; a test module never
imports another one (``test_suite_layout.py`` checks). Rows written directly
stand in for the features other tests cover (following, the notice settings,
the roster import), so that a test sets up only what it is about.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from bot import clock
from bot.app import create_app
from bot.clock import JST
from bot.db.tables import Delivery, Dispatch, Enrolment, InboxEvent, LineUser, Subscription
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.qa import Answerer, Question, Reply
from bot.secretariat import staff
from bot.secretariat.audit import Actor
from bot.services import Services
from scheduler.fire import fire_reminder
from scheduler.sync import job_store, plan_and_sync

CHANNEL_SECRET = "test-channel-secret"
ACCESS_TOKEN = "test-access-token"

# Trainings and editions of the shipped data/ that tests refer to.
ECMO_TRAINING = "ecmo-ventilator"
NANCHISEI_TRAINING = "nanchisei-tokyo"
NANCHISEI_EDITION = "nanchisei-tokyo-r5"


# -- the app and its entry points ---------------------------------------------------

def make_app(database_url: str, fake: FakeLine, **overrides: object) -> Flask:
    """The app as the tests run it: on ``database_url``, talking to ``fake``, events handled inline."""
    config = {
        "KENSHU_DEMO": False,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "KENSHU_SECRET_KEY": "test-secret-key",
        "LINE_API_BASE_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "KENSHU_DISPATCH": "inline",
        "KENSHU_CONSOLE_HTTP": True,  # the test client and the browser tests speak plain http
        **overrides,
    }
    return create_app(config)


def post_events(client: FlaskClient, events: list[dict[str, object]],
                secret: str = CHANNEL_SECRET) -> TestResponse:
    """POST ``events`` to /callback as LINE does, signed with ``secret``."""
    body, headers = simulator.signed_request(events, secret)
    return client.post("/callback", data=body.encode(), headers=headers)


def run_cli(app: Flask, *args: str) -> str:
    """Run a ``kenshu`` command that must succeed; its output."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def announce_to_training(app: Flask, training_id: str, text: str) -> str:
    return run_cli(app, "announce", "--audience", f"training:{training_id}", "--text", text)


# -- the roster, imported through its command --------------------------------------

def roster(app: Flask, *args: str) -> Result:
    """``kenshu roster ...``; the result, since some tests expect it to fail."""
    return app.test_cli_runner().invoke(args=["roster", *args])


def write_roster(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def enrolments(app: Flask, edition_id: str = NANCHISEI_EDITION) -> dict[str, Enrolment]:
    """The edition's applications by application number."""
    with Services.of(app).db.session() as session:
        rows = session.scalars(select(Enrolment).where(Enrolment.edition_id == edition_id))
        return {row.application_no: row for row in rows}


def import_one(app: Flask, tmp_path: Path, application_no: str = "N-900", name: str = "山田 花子",
               course: str = "クロザピン基礎研修") -> str:
    """Import a one-row roster and return the new enrolment's link code."""
    row = f"{application_no},{name},a@example.jp,{course}"
    path = write_roster(tmp_path, f"申込番号,氏名,メールアドレス,コース\n{row}\n", name=f"{application_no}.csv")
    result = roster(app, "import", str(path), "--edition", NANCHISEI_EDITION)
    assert result.exit_code == 0, result.output
    code = enrolments(app)[application_no].link_code
    assert code is not None
    return code


# -- users, subscriptions and deliveries in the database ------------------------------

def add_users(app: Flask, count: int, *, prefix: str = "U", training: str | None = None,
              **columns: object) -> list[str]:
    """Create LINE users directly in the database (optionally subscribed); returns their LINE ids."""
    now = clock.now()
    ids = [f"{prefix}{n:032x}"[-33:] for n in range(count)]
    with Services.of(app).db.session() as session:
        session.execute(insert(LineUser), [{"line_user_id": i, "created_at": now, **columns} for i in ids])
        if training:
            user_ids = session.scalars(select(LineUser.id).where(LineUser.line_user_id.in_(ids))).all()
            session.execute(
                insert(Subscription), [{"user_id": u, "training_id": training, "created_at": now} for u in user_ids]
            )
    return ids


def subscriptions_of(app: Flask, line_user_id: str) -> list[str]:
    """The training ids whose notices the user receives."""
    with Services.of(app).db.session() as session:
        return list(session.scalars(
            select(Subscription.training_id).join(LineUser, LineUser.id == Subscription.user_id)
            .where(LineUser.line_user_id == line_user_id)
        ))


def ledger(app: Flask, dispatch_id: int) -> list[Delivery]:
    """A dispatch's delivery rows, one per recipient."""
    with Services.of(app).db.session() as session:
        return list(session.scalars(
            select(Delivery).where(Delivery.dispatch_id == dispatch_id).order_by(Delivery.user_id)))


def received_counts(fake_line: FakeLine) -> Counter[str]:
    """How many accepted requests reached each user, from the fake's record."""
    return Counter(user for record in fake_line.state.requests() if record.accepted for user in record.recipients)


# -- personas: a named trainee who followed through the webhook -------------------------

@dataclass
class Persona:
    name: str
    line_user_id: str


def follow(line: LocalLine, name: str) -> Persona:
    """A persona who follows the bot, as a new friend does, with an id derived from the name."""
    line_user_id = "U" + name.encode().hex().ljust(32, "0")[:32]
    line.follow(line_user_id)
    return Persona(name, line_user_id)


def persona_user(session: Session, persona: Persona) -> LineUser:
    user = session.scalar(select(LineUser).filter_by(line_user_id=persona.line_user_id))
    assert user is not None, f"{persona.name} has not followed the bot"
    return user


def subscribe(app: Flask, persona: Persona, training_id: str) -> None:
    with Services.of(app).db.session() as session:
        session.add(Subscription(user_id=persona_user(session, persona).id, training_id=training_id,
                                 created_at=clock.system_now()))


def enrol(app: Flask, edition_id: str, course_id: str, application_no: str, persona: Persona | None = None) -> None:
    """An application from the roster; linked to the persona's LINE account when given."""
    with Services.of(app).db.session() as session:
        user_id = persona_user(session, persona).id if persona else None
        now = clock.system_now()
        session.add(Enrolment(edition_id=edition_id, course_id=course_id, application_no=application_no,
                              name=f"受講者{application_no}", email=f"{application_no}@example.jp",
                              user_id=user_id, linked_at=now if user_id else None, imported_at=now))


def unfollow(app: Flask, persona: Persona) -> None:
    response = post_events(app.test_client(), [simulator.unfollow_event(persona.line_user_id)])
    assert response.status_code == 200


def replay(app: Flask, monkeypatch: pytest.MonkeyPatch, start: datetime, end: datetime,
           actions: list[tuple[datetime, Callable[[], None]]]) -> list[tuple[datetime, str]]:
    """Run the season as the clock would, jumping from one due job to the next.

    At each step the bot's clock (``KENSHU_NOW``) is set to the moment, the job
    store is synced from data/ and the dates set, the due jobs are fired as
    APScheduler would fire them (and removed, as it removes a run date job),
    and the secretariat's actions scheduled before then are done first.
    Returns the (time, job id) of every firing.
    """
    services = Services.of(app)
    store = job_store(services.db.engine)
    table = store.jobs_t
    pending = sorted(actions, key=lambda item: item[0])
    fired: list[tuple[datetime, str]] = []
    now = start
    while True:
        monkeypatch.setenv("KENSHU_NOW", now.isoformat())
        plan_and_sync(services)
        with store.engine.connect() as connection:
            row = connection.execute(select(table.c.id, table.c.next_run_time).order_by(
                table.c.next_run_time, table.c.id).limit(1)).first()
        next_job = None if row is None else datetime.fromtimestamp(row.next_run_time, start.tzinfo)
        if pending and (next_job is None or pending[0][0] <= next_job):
            now, action = pending.pop(0)
            monkeypatch.setenv("KENSHU_NOW", now.isoformat())
            with app.app_context():
                action()
            continue
        if next_job is None or next_job > end:
            return fired
        now = next_job
        monkeypatch.setenv("KENSHU_NOW", now.isoformat())
        fire_reminder(services, row.id)
        store.remove_job(row.id)
        fired.append((now, row.id))


# -- what a trainee sees and taps ------------------------------------------------------

NANCHISEI_NAME = "東京都難治性精神疾患研修"
SHUNIN_NAME = "東京都主任介護支援専門員研修"


def settings_rows(messages: list[dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Training name -> (state shown, button action) from the last settings card received."""
    card = [m for m in messages if m.get("type") == "flex"][-1]
    rows = {}
    for row in card["contents"]["body"]["contents"]:
        if row.get("type") != "box":
            continue
        texts, button = row["contents"]
        name, state = (part["text"] for part in texts["contents"])
        rows[name] = (state, button["action"])
    return rows


def tap(line, user_id: str, action: dict[str, Any]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    assert action["type"] == "postback"
    return line.postback(user_id, action["data"])


def subscribe_in_settings(line, user_id: str, training_name: str = NANCHISEI_NAME) -> None:  # type: ignore[no-untyped-def]
    rows = settings_rows(line.say(user_id, "通知設定"))
    tap(line, user_id, rows[training_name][1])


def confirm_buttons(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    [template] = [m for m in messages if m.get("type") == "template"]
    assert template["template"]["type"] == "confirm"
    return {action["label"]: action for action in template["template"]["actions"]}


# --- question answering ------------------------------------------------------------

JUNE_20_2023 = datetime(2023, 6, 20, 9, 0, tzinfo=JST)  # the 000 and 004 editions' application period
JUNE_27_2023 = datetime(2023, 6, 27, 10, 0, tzinfo=JST)  # three days before their 6月30日 deadline
AUGUST_5_2025 = datetime(2025, 8, 5, 9, 0, tzinfo=JST)  # before the ECMO edition's first session day


def ask(
    answerer: Answerer,
    text: str,
    now: datetime = JUNE_27_2023,
    locale: str = "ja",
    *,
    linked_edition_ids: tuple[str, ...] = (),
    subscribed_training_ids: tuple[str, ...] = (),
    last_training_id: str | None = None,
    last_entry_id: str | None = None,
    last_asked_at: datetime | None = None,
) -> Reply:
    """The bot's reply to ``text`` asked at ``now`` by a trainee it knows this much about."""
    return answerer.answer(Question(
        text=text,
        locale=locale,
        now=now,
        linked_edition_ids=linked_edition_ids,
        subscribed_training_ids=subscribed_training_ids,
        last_training_id=last_training_id,
        last_entry_id=last_entry_id,
        last_asked_at=last_asked_at,
    ))


# -- the web console ------------------------------------------------------------------

CLERK_PASSWORD = "a long enough password"


def console_user(app: Flask, email: str, role: str = "admin", password: str = CLERK_PASSWORD) -> int:
    """A console account, made as ``kenshu console create-user`` makes it; its id."""
    return staff.create_user(Services.of(app), Actor("test"), email, password, role).id


def csrf_token(client: FlaskClient, path: str = "/console/login") -> str:
    """The CSRF token a console page gives its forms."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def console_login(client: FlaskClient, email: str, password: str = CLERK_PASSWORD) -> TestResponse:
    """Log in through the login form as a browser would."""
    return client.post("/console/login", data={"email": email, "password": password,
                                                "csrf_token": csrf_token(client)})


def browser_login(page: Any, console_url: str, email: str, password: str = CLERK_PASSWORD) -> None:
    """Log in through the login page in the browser, as a clerk types it."""
    page.goto(f"{console_url}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def wait_for_dispatch(app: Flask, dispatch_id: int, seconds: float = 60.0) -> str:
    """Wait until a send handed to a background thread has finished; its final status.

    A deadline only so a broken send fails the test instead of hanging it; nothing is timed.
    """
    deadline = time.monotonic() + seconds
    while True:
        with Services.of(app).db.session() as session:
            status = session.scalar(select(Dispatch.status).where(Dispatch.id == dispatch_id))
        if status in ("done", "cancelled") or time.monotonic() > deadline:
            return str(status)
        time.sleep(0.05)


def newest_dispatch(app: Flask) -> int:
    """The id of the dispatch stored last."""
    with Services.of(app).db.session() as session:
        found = session.scalar(select(Dispatch.id).order_by(Dispatch.id.desc()).limit(1))
    assert found is not None, "no dispatch stored"
    return found


@dataclass
class SignedInClerk:
    """A test client logged into the console, with the CSRF token its forms carry."""

    client: FlaskClient
    email: str
    token: str

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """POST as the console's forms do (CSRF token included)."""
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def signed_in(app: Flask, role: str = "admin", email: str | None = None) -> SignedInClerk:
    """A new console account of ``role``, logged in through the login form."""
    email = email or f"{role}@example.jp"
    console_user(app, email, role=role)
    client = app.test_client()
    assert console_login(client, email).status_code == 302
    return SignedInClerk(client, email, csrf_token(client, "/console/"))


# -- the catalogs -----------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def clerk_facing_messages() -> dict[str, Path]:
    """Every message id the secretariat's use cases, commands and web console can show a clerk, with its file."""
    python = sorted([*REPO.glob("bot/cli/*.py"), *REPO.glob("bot/secretariat/*.py"),
                     REPO / "bot/credentials/importer.py", REPO / "bot/roster/report.py", REPO / "bot/roster/codes.py",
                     *REPO.glob("bot/console/**/*.py")])
    keywords = {"_": None, "gettext": None, "_l": None}
    messages = {message: path.relative_to(REPO) for path in python
                for _line, message, _comments, _context in extract_from_file("python", path, keywords=keywords)}
    messages.update({message: path.relative_to(REPO) for path in sorted(REPO.glob("bot/console/templates/**/*.html"))
                     for _line, message, _comments, _context in extract_from_file("jinja2", path)})
    return messages


def question(fake_line: FakeLine, user: str, text: str) -> dict[str, Any]:
    """A text question from ``user`` with a reply token the fake LINE API will accept."""
    return simulator.text_event(user, text, fake_line.state.issue_reply_token(user))


def stored(web: Flask, events: list[dict[str, Any]]) -> list[int]:
    """Store ``events`` as the web process of ``KENSHU_DISPATCH=worker`` does; their inbox ids."""
    assert post_events(web.test_client(), events).status_code == 200
    with Services.of(web).db.session() as session:
        ids = list(session.scalars(select(InboxEvent.id).order_by(InboxEvent.id)))
    return ids[-len(events):]


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` every 0.1 s; fail the test naming ``what`` once ``timeout`` seconds have passed.

    For tests that watch other processes (workers, clocks), whose progress no hook reports.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# --- the event worker ------------------------------------------------------------

def replies_to(fake_line: FakeLine, user: str) -> list[Any]:
    """The reply requests the fake LINE API accepted for ``user``."""
    return [record for record in fake_line.state.requests("/v2/bot/message/reply")
            if record.accepted and user in record.recipients]


def while_deciding(worker: Any, probe: Callable[[Question], None]) -> None:
    """Run ``probe(question)`` inside the answering engine of ``worker``, in the middle of deciding each question."""
    answerer = worker.services.answerer
    real_answer = answerer.answer

    def answer_after_probing(asked: Question) -> Any:
        probe(asked)
        return real_answer(asked)

    answerer.answer = answer_after_probing


def failing_on(answerer: Answerer, text: str) -> None:
    """Make ``answerer`` raise for the question ``text`` (a handler's bug for one event of a batch)."""
    real_answer = answerer.answer

    def answer(asked: Question) -> Reply:
        if asked.text == text:
            raise RuntimeError("a handler's bug")
        return real_answer(asked)

    answerer.answer = answer  # type: ignore[method-assign]


@contextmanager
def statements_sent(engine: Engine, *starts: str) -> Iterator[list[str]]:
    """The statements ``engine`` sends inside the block that start with one of ``starts`` (upper case):
    what a batch costs in round trips, counted where the database sees it."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(starts):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
