"""After 「データ削除」 no column of any table names the LINE user or holds what they typed.

A realistic conversation first (questions answered and not, a wrong and a right
link code, notice settings, a reminder delivered, an unfollow and a follow back, a
chat handed to the secretariat),
then the deletion; then every column of every table in the database (reflected
from the database itself, so tables outside the models are read too) is searched
for the LINE user id, the profile name and each message typed. The same search
runs again after the events a deleted user can still cause: an unfollow, and a
tap on the old confirmation button.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from bot.clock import JST
from bot.db.tables import AskedQuestion
from bot.devtools import simulator
from bot.services import Services
from tests.helpers import (
    SHUNIN_NAME,
    Persona,
    confirm_buttons,
    import_one,
    post_events,
    replay,
    subscribe_in_settings,
    unfollow,
)

PROFILE_NAME = "削除太郎テスト"
PHONE_QUESTION = "明日の件で090-1234-5678に折り返しお電話いただけますか"
STAFF_QUESTION = "受講決定通知が届いていません。山田花子です"


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def mentions(engine: Engine, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every cell of every table that contains a needle."""
    tables = MetaData()
    tables.reflect(bind=engine)
    found = []
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in row._mapping.items():
                    cell = _text(value)
                    found.extend((table.name, column, needle) for needle in needles if needle in cell)
    return found


def test_after_deletion_nothing_names_the_user_or_holds_their_words(app, line, fake_line, tmp_path, monkeypatch):
    start = datetime(2023, 6, 28, 9, 0, tzinfo=JST)  # the application season: reminders on 6/29
    monkeypatch.setenv("KENSHU_NOW", start.isoformat())
    trainee = "U" + "de1e7e" * 5 + "ab"
    fake_line.state.set_profile(trainee, PROFILE_NAME, language="ja")
    typed: list[str] = []

    def say(text: str) -> list[dict[str, Any]]:
        typed.append(text)
        return line.say(trainee, text)

    line.follow(trainee)
    say("クロザピン研修の修了証の条件は？")
    say(PHONE_QUESTION)
    say("連携 ABCDE-23456")
    code = import_one(app, tmp_path)
    say(f"連携 {code}")
    subscribe_in_settings(line, trainee, SHUNIN_NAME)
    typed.append("通知設定")
    replay(app, monkeypatch, start, datetime(2023, 6, 29, 12, 0, tzinfo=JST), [])
    unfollow(app, Persona("trainee", trainee))
    line.follow(trainee)
    say("申込〆切いつ")
    say("事務局に質問したい")
    line.postback(trainee, "action=handoff")  # the chat goes to the secretariat's inbox
    say(STAFF_QUESTION)
    buttons = confirm_buttons(say("データ削除"))

    engine = Services.of(app).db.engine
    needles = [trainee, PROFILE_NAME, *typed]
    with Services.of(app).db.session() as session:
        assert PHONE_QUESTION in session.scalars(select(AskedQuestion.text)).all()
    assert any("申込締切" in text for text in fake_line.state.texts_to(trainee))  # the reminder reached them
    held_before = {(table, needle) for table, _, needle in mentions(engine, needles)}
    assert {("line_users", trainee), ("line_users", PROFILE_NAME), ("asked_questions", PHONE_QUESTION),
            ("inbox_events", trainee), ("handoff_messages", STAFF_QUESTION)} <= held_before  # the search does find what is there

    line.postback(trainee, buttons["削除する"]["data"])

    assert mentions(engine, needles) == []

    assert post_events(app.test_client(), [simulator.unfollow_event(trainee)]).status_code == 200
    assert mentions(engine, needles) == []
    assert "登録データを削除しました" in "".join(
        message.get("text", "") for message in line.postback(trainee, buttons["削除する"]["data"])
    )
    assert mentions(engine, needles) == []
