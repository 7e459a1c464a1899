"""A process started with another KENSHU_SECRET_KEY stops with one clear line before writing anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

import bot.app
from bot.cli.main import cli
from bot.config import ConfigError
from bot.db.tables import PersonalCredential, Setting, SharedCredential
from bot.devtools.fake_line import FakeLine
from bot.services import Services
from tests.helpers import ACCESS_TOKEN, CHANNEL_SECRET, enrol, make_app, run_cli

EDITION = "nanchisei-tokyo-r5"
MISMATCH = "KENSHU_SECRET_KEY がこのデータベースで使ってきた鍵と違うため、何も書き込まずに停止しました"


def shared_secrets(app: Flask) -> list[str]:
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(SharedCredential.secret)))


def test_set_shared_with_a_mistyped_key_stops_with_one_japanese_line_and_writes_nothing(
        app: Flask, fake_line: FakeLine, database_url: str) -> None:
    run_cli(app, "credentials", "set-shared", "--edition", EDITION, "--password", "right-1")
    before = shared_secrets(app)
    env = {**os.environ, "DATABASE_URL": database_url, "LINE_API_BASE_URL": fake_line.base_url,
           "LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
           "KENSHU_SECRET_KEY": "test-secret-kee", "KENSHU_DEMO": "0"}
    kenshu = Path(sys.executable).parent / "kenshu"

    result = subprocess.run([str(kenshu), "credentials", "set-shared", "--edition", EDITION, "--password", "wrong-1"],
                            env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and MISMATCH in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert shared_secrets(app) == before


def test_every_process_compares_its_key_at_start(app: Flask, fake_line: FakeLine, database_url: str) -> None:
    with pytest.raises(ConfigError, match=MISMATCH):
        make_app(database_url, fake_line, KENSHU_SECRET_KEY="another-key")
    again = make_app(database_url, fake_line)  # the right key starts
    Services.of(again).db.engine.dispose()


def test_the_fingerprint_is_not_the_key(app: Flask) -> None:
    with Services.of(app).db.session() as session:
        stored = session.scalars(select(Setting.value)).all()
    assert len(stored) == 1 and "test-secret-key" not in stored[0] and len(stored[0]) == 64


def test_a_database_from_before_the_fingerprint_is_checked_against_the_details_it_holds(
        app: Flask, fake_line: FakeLine, database_url: str) -> None:
    run_cli(app, "credentials", "set-shared", "--edition", EDITION, "--password", "right-1")
    with Services.of(app).db.session() as session:
        session.execute(delete(Setting))  # as after upgrading: details, no fingerprint yet

    with pytest.raises(ConfigError, match=MISMATCH):
        make_app(database_url, fake_line, KENSHU_SECRET_KEY="another-key")
    with Services.of(app).db.session() as session:
        assert session.scalar(select(func.count()).select_from(Setting)) == 0  # nothing stored for the wrong key
    right = make_app(database_url, fake_line)
    with Services.of(right).db.session() as session:
        assert session.scalar(select(func.count()).select_from(Setting)) == 1
    Services.of(right).db.engine.dispose()


def test_a_deliberate_change_of_key_forgets_the_details_and_the_fingerprint(
        app: Flask, fake_line: FakeLine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_cli(app, "credentials", "set-shared", "--edition", EDITION, "--password", "old-1")
    monkeypatch.setenv("DATABASE_URL", database_url)

    refused = CliRunner().invoke(cli, ["forget-secret-key"])
    assert refused.exit_code == 2 and shared_secrets(app)
    done = CliRunner().invoke(cli, ["forget-secret-key", "--yes"])
    assert done.exit_code == 0, done.output
    assert "共通 1件・個別 0件の参加情報と鍵の指紋を削除しました" in done.output

    new = make_app(database_url, fake_line, KENSHU_SECRET_KEY="the-new-key")
    assert shared_secrets(new) == []
    Services.of(new).db.engine.dispose()


@pytest.mark.parametrize("command", ["import", "set-shared"])
def test_a_process_that_could_not_check_its_key_at_start_checks_it_before_writing_details(
        app: Flask, fake_line: FakeLine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        command: str) -> None:
    """The check at start is skipped while the database does not answer; the write checks again itself."""
    enrol(app, EDITION, "nanchisei-tokyo-r5-clozapine-basic", "A-1")
    details = tmp_path / "details.csv"
    details.write_text("申込番号,ID,パスワード\nA-1,id-1,Right-Pass-1\n", encoding="utf-8")
    run_cli(app, "credentials", "import", str(details), "--edition", EDITION)
    run_cli(app, "credentials", "set-shared", "--edition", EDITION, "--password", "right-1")
    before = stored_secrets(app)

    def database_not_answering(*args: object) -> None:
        raise OperationalError("SELECT settings", {}, Exception("connection refused"))

    monkeypatch.setattr(bot.app, "check_secret_key", database_not_answering)
    wrong = make_app(database_url, fake_line, KENSHU_SECRET_KEY="test-secret-kee")  # starts: nothing to compare with
    monkeypatch.undo()
    details.write_text("申込番号,ID,パスワード\nA-1,id-1,Wrong-Pass-1\n", encoding="utf-8")
    arguments = {"import": [str(details)], "set-shared": ["--password", "wrong-1"]}[command]

    result = wrong.test_cli_runner().invoke(args=["credentials", command, *arguments, "--edition", EDITION])

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()] and MISMATCH in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert stored_secrets(app) == before
    Services.of(wrong).db.engine.dispose()


def stored_secrets(app: Flask) -> list[str]:
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(SharedCredential.secret))) + list(
            session.scalars(select(PersonalCredential.secret)))
