"""When the bot is not sure: it offers choices with the contact, or says honestly what it covers."""

from __future__ import annotations

import pytest

from bot.qa import Answerer
from bot.qa.decide import MAX_CHOICES
from tests.helpers import JUNE_20_2023, ask


def test_a_question_the_model_is_unsure_of_gets_did_you_mean_and_the_contact(answerer: Answerer) -> None:
    # live or on-demand? (「ECTの配信」 and 「ECTの配信って」 are on-demand since the fifth set's 配信開始 / 配信終了 are examples)
    reply = ask(answerer, "ECT配信")
    assert reply.decision.kind == "did_you_mean"
    assert {"live-stream", "on-demand"} <= set(reply.decision.candidates)
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in reply.text
    offered = {choice.text for choice in reply.choices}
    # the likely reading is answered first; the choices re-ask the question for a reading of it
    assert offered and all("配信" in text for text in offered) and len(offered) <= MAX_CHOICES


def test_a_choice_the_training_cannot_answer_is_never_offered(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の配信")  # no live stream in this training
    assert "live-stream" not in reply.decision.candidates
    assert "on-demand" in reply.decision.candidates


@pytest.mark.parametrize("text", ["明日の天気は？", "おすすめのランチ", "Tell me a joke", "年金はいつもらえる"])
def test_out_of_scope_questions_get_an_honest_reply_and_no_fact(answerer: Answerer, text: str) -> None:
    reply = ask(answerer, text)
    assert reply.decision.kind in {"out_of_scope", "did_you_mean"}
    assert reply.decision.entry_id is None


def test_the_weather_on_the_training_day_stays_out_of_scope(answerer: Answerer) -> None:
    assert ask(answerer, "主任研修の当日の天気はどう？").decision.kind == "out_of_scope"


def test_a_typhoon_calling_the_training_off_is_a_question_about_the_training(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修Dコース、台風がきたら中止ですか")
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "cancellation")


@pytest.mark.parametrize("text", ["野球の試合が中止になったら", "天気が悪いから開催を延期したい飲み会"])
def test_something_else_called_off_stays_out_of_scope(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).decision.kind == "out_of_scope"


@pytest.mark.parametrize("text", ["主任研修の集合コース、大雪とかで中止になることある？", "台風で集合研修が中止になったら？",
                                  "主任研修の集合研修コース、台風の時はどうなりますか"])
def test_bad_weather_calling_off_a_named_training_is_about_the_training(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).decision.kind == "answer"


@pytest.mark.parametrize("text", ["主任ケアマネの給料はいくら", "主任ケアマネ ケアプランの書き方を教えて"])
def test_care_work_questions_are_not_answered_with_a_training_fact(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).decision.kind in {"out_of_scope", "did_you_mean"}


def test_a_survey_question_about_a_training_without_one_is_not_answered_with_ecmo_facts(
    answerer: Answerer,
) -> None:
    reply = ask(answerer, "主任研修 アンケートある？", JUNE_20_2023)
    assert reply.decision.training_id != "ecmo-ventilator" and "ECMO" not in reply.text
    assert reply.decision.kind != "answer" or "記載がありません" in reply.text  # 主任's guide is silent on surveys



def test_the_share_of_known_words_counts_words_not_characters(answerer: Answerer) -> None:
    # Latin letters are all known as characters; the words "plover" and "izakaya" never were.
    model, featuriser = answerer.index.model, answerer.index.featuriser
    assert model.known_share(featuriser.features("plover izakaya")) == 0.0
    assert model.known_share(featuriser.features("申込締切はいつ")) == 1.0


def test_a_storm_named_beside_a_training_is_a_question_about_a_change_of_it(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の集合研修コース、台風の時は？")
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "cancellation")
    assert ask(answerer, "台風の進路は？").decision.kind == "out_of_scope"
