"""Behaviours fixed after the second blind set (bench/faq_heldout2.yaml): generic
verbs no longer count against a match, kana place names meet their kanji, and
organiser / personal data / survey / simulation / last-year questions have an
answer. Worded differently from the blind set on purpose."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import JST
from bot.knowledge import load_knowledge
from bot.qa import Answer, Answerer, Question
from bot.qa.places import with_kanji_places

DATA = Path(__file__).resolve().parents[1] / "data"
JUNE_20 = datetime(2023, 6, 20, 9, 0, tzinfo=JST)
AUGUST_2025 = datetime(2025, 8, 5, 9, 0, tzinfo=JST)


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load_knowledge(DATA))


def ask(answerer: Answerer, text: str, now: datetime = JUNE_20) -> Answer:
    return answerer.answer(Question(text=text, locale="ja", now=now))


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("ECT研修 ウィンドウズ使える？", "equipment"),
        ("主任研修 事例って何個いる", "case-submission"),
    ],
)
def test_a_generic_verb_does_not_push_a_short_question_to_did_you_mean(
    answerer: Answerer, text: str, entry: str
) -> None:
    answer = ask(answerer, text)
    assert (answer.kind, answer.entry_id) == ("answer", entry)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ひろしま の人工呼吸器研修", "広島大学"),
        ("ECMO ほっかいどう 会場", "札幌医科大学"),
        ("ECMO 札幌でやる日", "2025年12月7日"),
    ],
)
def test_a_city_typed_in_kana_or_by_its_city_name_finds_its_session(
    answerer: Answerer, text: str, shown: str
) -> None:
    answer = ask(answerer, text, AUGUST_2025)
    assert answer.kind == "answer"
    assert shown in answer.text


def test_a_municipality_typed_in_kana_gets_its_office(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修 せたがや区だと申込書の提出先は")
    assert answer.kind == "answer"
    assert "03-5432-2884" in answer.text


def test_kana_place_rewrite_leaves_ordinary_questions_untouched(answerer: Answerer) -> None:
    text = "クロザピン研修の締切は？"
    assert with_kanji_places(text, answerer._kana_places) == text


@pytest.mark.parametrize(
    ("text", "now", "fact"),
    [
        ("主任ケアマネ研修 どこが実施してる？", JUNE_20, "東京都介護支援専門員研究協議会"),
        ("ECMO研修の運営団体", AUGUST_2025, "日本ECMOnet"),
        ("ECMO 受講後に調査とかある？", AUGUST_2025, "受講後"),
        ("人工呼吸器研修 実機で実習できる？", AUGUST_2025, "シミュレーション"),
        ("ECT研修 昨年度と講義は変わった？", JUNE_20, "令和４年度"),
        ("主任研修 申込書の個人情報の扱い", JUNE_20, "名簿"),
    ],
)
def test_topics_added_from_the_documents_are_answered_with_their_fact(
    answerer: Answerer, text: str, now: datetime, fact: str
) -> None:
    answer = ask(answerer, text, now)
    assert answer.kind == "answer"
    assert fact in answer.text


def test_a_survey_question_about_a_training_without_one_is_not_answered_with_ecmo_facts(
    answerer: Answerer,
) -> None:
    answer = ask(answerer, "主任研修 アンケートある？")
    assert answer.kind != "answer"


def test_a_question_about_blood_tests_for_a_patient_is_clinical_but_one_about_the_course_is_not():
    from bot.clock import now
    from bot.config import REPO_ROOT
    from bot.knowledge import load_knowledge
    from bot.qa import Answerer, Question

    answerer = Answerer(load_knowledge(REPO_ROOT / "data"))
    assert answerer.answer(Question("クロザピン 採血って何週ごと？", "ja", now())).kind == "clinical"
    assert answerer.answer(Question("クロザピン研修の採血の講義はありますか", "ja", now())).kind != "clinical"
