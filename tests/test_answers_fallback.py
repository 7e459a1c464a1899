"""When the bot is not sure: it offers choices with the contact, or says honestly what it covers."""

from __future__ import annotations

import pytest

from bot.qa import Answerer
from tests.helpers import JUNE_20_2023, ask


def test_a_vague_question_gets_did_you_mean_and_the_contact(answerer: Answerer) -> None:
    reply = ask(answerer, "ECTの動画の件")
    assert reply.decision.kind == "did_you_mean"
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in reply.text
    assert 1 <= len(reply.choices) <= 3


def test_a_bare_ambiguous_word_asks_which_topic_with_buttons(answerer: Answerer) -> None:
    reply = ask(answerer, "ECTの配信")
    assert reply.decision.kind == "did_you_mean"
    assert set(reply.decision.candidates) == {"live-stream", "on-demand"}
    assert len(reply.choices) == 2


def test_the_same_word_is_answered_when_only_one_meaning_applies(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の配信")  # no live stream in this training
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "on-demand")


@pytest.mark.parametrize("text", ["明日の天気は？", "おすすめのランチ", "Tell me a joke", "年金はいつもらえる"])
def test_out_of_scope_questions_get_an_honest_reply_and_no_fact(answerer: Answerer, text: str) -> None:
    reply = ask(answerer, text)
    assert reply.decision.kind in {"out_of_scope", "did_you_mean"}
    assert reply.decision.entry_id is None


@pytest.mark.parametrize("text", ["主任ケアマネの給料はいくら", "主任ケアマネ ケアプランの書き方を教えて"])
def test_care_work_questions_are_not_answered_with_a_training_fact(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).decision.kind in {"out_of_scope", "did_you_mean"}


def test_a_survey_question_about_a_training_without_one_is_not_answered_with_ecmo_facts(
    answerer: Answerer,
) -> None:
    reply = ask(answerer, "主任研修 アンケートある？", JUNE_20_2023)
    assert reply.decision.kind != "answer"
