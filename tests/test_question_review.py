"""The review loop: unsure questions are logged, reviewed in groups, assigned to an entry, and then answered."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from bot.db.tables import AskedQuestion
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.secretariat.questions import ReviewItem, group_by_similarity
from bot.services import Services
from tests.helpers import JUNE_27_2023, make_app, run_cli

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
QUESTION = "ECT研修 受講票は届きますか"


@pytest.fixture
def own_data(tmp_path: Path) -> Path:
    """A copy of data/ the test may add examples to."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


@pytest.fixture
def review_app(database_url: str, fake_line: FakeLine, own_data: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(database_url, fake_line, KENSHU_DATA_DIR=own_data, KENSHU_MODEL_CACHE=tmp_path / "models")
    yield app
    Services.of(app).db.engine.dispose()


def test_an_assigned_question_is_answered_outright_after_retraining(review_app: Flask, fake_line: FakeLine,
                                                                    own_data: Path, monkeypatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    line = LocalLine(review_app, fake_line)
    line.say("U" + "a" * 32, QUESTION)
    line.say("U" + "b" * 32, "ECT研修 受講票はいつ届く？")
    with Services.of(review_app).db.session() as session:
        asked = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id)).all()
        assert [q.kind for q in asked] == ["did_you_mean", "did_you_mean"]
        first_id = asked[0].id

    listing = run_cli(review_app, "questions", "review")
    assert re.search(rf"#{first_id} {QUESTION}", listing)
    assert "（2件）" in listing  # the two ways of asking are one group

    assigned = run_cli(review_app, "questions", "assign", str(first_id), "login-details")
    assert "login-details" in assigned and "answer" in assigned
    examples = yaml.safe_load((own_data / "faq" / "examples" / "reviewed.yaml").read_text(encoding="utf-8"))
    assert QUESTION in examples["examples"]["login-details"]

    reply = line.say("U" + "c" * 32, QUESTION)
    assert "ID" in reply[0]["text"] and "ご質問と違う場合" not in reply[0]["text"]
    with Services.of(review_app).db.session() as session:
        last = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id.desc())).first()
        assert (last.kind, last.entry_id) == ("answer", "login-details")
    assert "#" + str(first_id) not in run_cli(review_app, "questions", "review")  # assigned: off the queue


def test_the_choice_tapped_after_did_you_mean_is_recorded(review_app: Flask, fake_line: FakeLine,
                                                          monkeypatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    line = LocalLine(review_app, fake_line)
    user = "U" + "d" * 32
    messages = line.say(user, "ECTの配信")
    items = messages[-1]["quickReply"]["items"]
    on_demand = next(item for item in items if "オンデマンド" in item["action"]["label"])
    line.say(user, on_demand["action"]["text"])
    with Services.of(review_app).db.session() as session:
        first = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id)).first()
        assert (first.kind, first.tapped) == ("did_you_mean", "on-demand")
    assert "選ばれた選択肢 on-demand" in run_cli(review_app, "questions", "review")


def test_assigning_to_an_unknown_entry_is_refused(review_app: Flask) -> None:
    result = review_app.test_cli_runner().invoke(args=["questions", "assign", "1", "no-such-entry"])
    assert result.exit_code == 1
    assert "no-such-entry" in result.output


def test_questions_that_look_alike_are_grouped() -> None:
    def item(number: int, text: str) -> ReviewItem:
        return ReviewItem(number, text, "did_you_mean", JUNE_27_2023, 0.3, ("fee",), None)

    groups = group_by_similarity([item(1, "受講票は届きますか"), item(2, "天気"), item(3, "受講票はいつ届く")])
    assert [[i.id for i in g.items] for g in groups] == [[1, 3], [2]]
