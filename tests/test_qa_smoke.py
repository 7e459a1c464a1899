"""The answerer end to end on the real data: the questions from the issue."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import JST
from bot.knowledge import load_knowledge
from bot.qa import Answerer, Question

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load_knowledge(DATA))


def ask(answerer: Answerer, text: str, **kwargs: object) -> object:
    now = kwargs.pop("now", datetime(2023, 6, 27, 10, 0, tzinfo=JST))
    return answerer.answer(Question(text=text, locale="ja", now=now, **kwargs))  # type: ignore[arg-type]


def test_the_live_stream_question_from_the_issue_is_answered(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピン研修のライブ配信はいつ？")
    assert answer.kind == "answer"
    assert answer.entry_id == "live-stream"
    assert answer.training_id == "nanchisei-tokyo"
    assert "１０月下旬～１１月上旬" in answer.text
    assert answer.messages[-1].quick_reply is not None


def test_a_clinical_question_points_to_the_consultation_desk(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピンの副作用が心配です")
    assert answer.kind == "clinical"
    assert "難治性精神疾患相談窓口" in answer.text
