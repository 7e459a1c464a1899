"""Fixtures: a database per backend, a running fake LINE API, the app, a LINE user.

Every test that touches the database runs on SQLite and, when TEST_DATABASE_URL is
set (``.ci/run`` sets it), on PostgreSQL too, each in a schema of its own so that
parallel runs on one server never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, event, text

from bot.db import migrate
from bot.devtools.fake_line import FakeLine, RequestContract
from bot.devtools.local_line import LocalLine
from bot.devtools.web_server import serving
from bot.knowledge import load_knowledge
from bot.qa import Answerer
from bot.services import Services
from tests.helpers import make_app

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _postgres_url(schema: str) -> str:
    base = os.environ["TEST_DATABASE_URL"]
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base.removeprefix("postgresql://")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at the latest schema, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kenshu.db'}"
        migrate.upgrade(url)
        yield url
        return
    schema = "kt_" + uuid.uuid4().hex[:12]
    admin = create_engine(_postgres_url("public").replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = _postgres_url(schema)
    migrate.upgrade(url)
    yield url
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def line_contract() -> RequestContract:
    """LINE's request contract, built once per test run.

    From the shared OpenAPI spec when it is there (as in CI), else from
    line-bot-sdk's models; tests assert the same details with either.
    """
    return RequestContract.load()


@pytest.fixture
def fake_line(line_contract: RequestContract) -> Iterator[FakeLine]:
    with FakeLine.running(contract=line_contract) as fake:
        yield fake


@pytest.fixture
def app(database_url: str, fake_line: FakeLine) -> Iterator[Flask]:
    app = make_app(database_url, fake_line)
    yield app
    Services.of(app).db.engine.dispose()


@pytest.fixture
def client(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def line(app: Flask, fake_line: FakeLine) -> LocalLine:
    """Talk to the bot as a LINE user; returns what that user receives."""
    return LocalLine(app, fake_line)


@pytest.fixture
def user_id() -> str:
    return "U" + uuid.uuid4().hex


# --- question answering ------------------------------------------------------------

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def answerer() -> Answerer:
    """The answering engine over the real ``data/``, built once per test run (it keeps no state);
    its topic model is cached where the app keeps it, so only a changed data/ trains."""
    return Answerer(load_knowledge(DATA_DIR), DATA_DIR.parent / "instance" / "qa-model")


@pytest.fixture
def own_data(tmp_path: Path) -> Path:
    """A copy of data/ the test may add examples to (the review loop writes reviewed.yaml)."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


@pytest.fixture
def review_app(database_url: str, fake_line: FakeLine, own_data: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on a copy of data/, its topic model cached in the test's folder: assigning retrains safely."""
    app = make_app(database_url, fake_line, KENSHU_DATA_DIR=own_data, KENSHU_MODEL_CACHE=tmp_path / "models")
    yield app
    Services.of(app).db.engine.dispose()


# --- the web console in a real browser --------------------------------------------

# The system's Chromium (Debian package `chromium`); Playwright never downloads a browser here.
CHROMIUM = os.environ.get("KENSHU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).is_file()
NO_CHROMIUM = f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Said once, at the end of the run, so a skipped browser suite is never a surprise."""
    if not HAVE_CHROMIUM and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(NO_CHROMIUM, yellow=True, bold=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright launches the system Chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A laptop-sized window, in Japan, in Japanese."""
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def console_url(app: Flask) -> Iterator[str]:
    """The app (with the fake LINE API behind it) served over HTTP on a free port: the console's base URL."""
    with serving(app) as base_url:
        yield f"{base_url}/console"


@pytest.fixture
def impatient(database_url: str) -> Iterator[Engine]:
    """Another process's connection to the database that never waits for a lock (SQLite: a busy timeout of 0;
    PostgreSQL: a lock timeout), so a held lock shows as an error, not as a delay."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 0})
    else:
        engine = create_engine(database_url)
        event.listen(engine, "connect", lambda connection, _: connection.execute("SET lock_timeout = 200"))
    yield engine
    engine.dispose()
