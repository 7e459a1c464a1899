"""`kenshu ask`, `chat` and `demo` run on a demo database of their own, never on DATABASE_URL.

DATABASE_URL may be production: a demo that migrated it, or added its demo user as
a follower (the audience of 「all」 went from 3,000 to 3,001), would change what the
secretariat sends. A database is used only when named with ``--database-url``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli.main import DEMO_USER, cli
from bot.clock import now
from bot.db import Database
from bot.db.tables import LineUser


@pytest.fixture(autouse=True)
def demo_environment(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KENSHU_NOW", "2023-06-27T09:00:00+09:00")
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY", "LINE_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def line_user_ids(database_url: str) -> list[str]:
    db = Database(database_url)
    try:
        with db.session() as session:
            return list(session.scalars(select(LineUser.line_user_id).order_by(LineUser.id)))
    finally:
        db.engine.dispose()


@pytest.mark.parametrize("command", [
    ["ask", "修了証の条件は？"],
    ["ask", "-"],
    ["chat"],
    ["demo"],
])
def test_demo_commands_add_no_follower_to_the_environment_database(database_url, monkeypatch, command):
    db = Database(database_url)
    with db.session() as session:
        session.add(LineUser(line_user_id="U" + "f" * 32, created_at=now()))
    db.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", database_url)

    result = CliRunner().invoke(cli, command, input="日程\n")

    assert result.exit_code == 0, result.output
    assert "研修" in result.output  # the bot did answer
    assert line_user_ids(database_url) == ["U" + "f" * 32]


def test_ask_neither_creates_nor_migrates_the_environment_database(monkeypatch, tmp_path: Path):
    production = tmp_path / "production.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{production}")

    result = CliRunner().invoke(cli, ["ask", "修了証の条件は？"])

    assert result.exit_code == 0, result.output
    assert not production.exists()


def test_a_database_named_explicitly_is_migrated_and_used(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"

    first = CliRunner().invoke(cli, ["ask", "--database-url", chosen, "ECMOの日程"])
    second = CliRunner().invoke(cli, ["ask", "--database-url", chosen, "修了証"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert line_user_ids(chosen) == [DEMO_USER]
    assert "ECMO" in second.output  # the same database: the conversation remembers the training
    assert not (tmp_path / "production.db").exists()
