"""Behaviours fixed after the blind held-out evaluation (bench/faq_heldout.yaml).

The questions here are deliberately worded differently from the held-out set,
so these tests check the general behaviour, not the benchmark items.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import JST
from bot.knowledge import load_knowledge
from bot.qa import Answer, Answerer, Question

DATA = Path(__file__).resolve().parents[1] / "data"
JUNE_20 = datetime(2023, 6, 20, 9, 0, tzinfo=JST)
AUGUST_2025 = datetime(2025, 8, 5, 9, 0, tzinfo=JST)


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load_knowledge(DATA))


def ask(answerer: Answerer, text: str, now: datetime = JUNE_20, locale: str = "ja") -> Answer:
    return answerer.answer(Question(text=text, locale=locale, now=now))


@pytest.mark.parametrize(
    ("text", "shown", "hidden"),
    [
        ("エクモ研修 北海道", "札幌医科大学", "福岡大学病院"),
        ("ECMO研修 広島の会場は", "広島大学", "大垣市民病院"),
        ("人工呼吸器研修 京都はいつ", "2026年2月15日", "2025年8月24日"),
    ],
)
def test_a_question_naming_one_city_gets_that_citys_session_only(
    answerer: Answerer, text: str, shown: str, hidden: str
) -> None:
    answer = ask(answerer, text, AUGUST_2025)
    assert answer.kind == "answer"
    assert shown in answer.messages[0].text  # type: ignore[attr-defined]
    assert hidden not in answer.messages[0].text  # type: ignore[attr-defined]


def test_a_question_naming_no_city_still_lists_every_venue(answerer: Answerer) -> None:
    answer = ask(answerer, "ECMO研修の会場はどこ", AUGUST_2025)
    assert answer.entry_id == "venue"
    assert "札幌医科大学" in answer.text and "福岡大学病院" in answer.text


def test_the_ecmo_check_test_deadline_is_given_not_denied(answerer: Answerer) -> None:
    answer = ask(answerer, "ECMOの確認テストっていつまでにやるの", AUGUST_2025)
    assert answer.kind == "answer"
    assert "当日まで" in answer.text
    assert "記載がありません" not in answer.text


def test_a_wedding_is_a_reason_to_change_days_not_small_talk(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修 友人の結婚式と重なった 日程変更は？")
    assert answer.kind == "answer"
    assert "招待状" in answer.text


@pytest.mark.parametrize("text", ["難治性研修 必要なメモリ", "クロザピン研修 CPUは？", "ECT研修 プラグインは"])
def test_a_question_about_one_device_spec_gets_the_device_requirements(answerer: Answerer, text: str) -> None:
    answer = ask(answerer, text)
    assert answer.entry_id == "equipment"


def test_the_word_training_typed_in_kana_is_ignored_like_the_kanji(answerer: Answerer) -> None:
    answer = ask(answerer, "くろざぴん けんしゅう しめきり")
    assert answer.entry_id == "application-period"
    assert "6月30日" in answer.text


@pytest.mark.parametrize("text", ["クロザピンって最大何mgまで？", "ECTの前の薬 何錠までいい？"])
def test_a_dose_question_in_milligrams_or_tablets_is_redirected(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).kind == "clinical"


# --- answers carry the key fact the question asked for -------------------------


def test_the_device_answer_gives_browser_cpu_memory_and_plugins(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピン研修の推奨環境を教えて")
    assert answer.entry_id == "equipment"
    for fact in ("Chrome", "Cookie", "2GHz", "3GB", "プラグイン：不要"):
        assert fact in answer.text


def test_a_fee_question_also_names_the_costs_the_trainee_pays(answerer: Answerer) -> None:
    answer = ask(answerer, "ECT研修って費用はかかりますか")
    assert answer.entry_id == "fee"
    assert "受講者負担" in answer.text and "通信料" in answer.text
    assert answer.text.count("記載") == 1  # the "not stated" wording is not repeated


def test_the_after_applying_answer_says_whom_to_mail_when_nothing_arrives(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピン研修 申し込んだ後どうなりますか")
    assert answer.entry_id == "after-applying"
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in answer.text


def test_the_hours_answer_gives_the_curriculum_total(answerer: Answerer) -> None:
    answer = ask(answerer, "主任ケアマネ研修は全部で何時間の研修ですか")
    assert answer.entry_id == "hours"
    assert "合計71.5時間" in answer.text


def test_a_course_without_a_live_stream_is_told_which_courses_have_one(answerer: Answerer) -> None:
    answer = ask(answerer, "ECT上級のライブ配信の日程は")
    assert answer.entry_id == "live-stream"
    assert "ライブ配信はありません" in answer.text and "中級" in answer.text
    assert "記載がありません" not in answer.text


def test_connection_help_reminds_to_test_zoom_beforehand(answerer: Answerer) -> None:
    answer = ask(answerer, "ECT研修 ZOOMに入れない")
    assert answer.entry_id == "technical-help"
    assert "接続確認" in answer.text


def test_a_team_training_answers_how_many_with_the_team_size(answerer: Answerer) -> None:
    answer = ask(answerer, "What is the team size for the ECMO training?", AUGUST_2025, locale="en")
    assert answer.kind == "answer"
    assert "4 people" in answer.text


def test_the_experience_certificate_answer_ends_with_the_office_to_mail(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修 前の職場が潰れて実務経験証明書がもらえない")
    assert answer.entry_id == "experience-certificate"
    assert "S0000615@section.metro.tokyo.jp" in answer.text


def test_english_dates_spell_the_month_out(answerer: Answerer) -> None:
    answer = ask(answerer, "clozapine training: until when can I apply?", locale="en")
    assert "30 June" in answer.text


def test_a_training_named_in_hiragana_is_recognised(answerer: Answerer) -> None:
    answer = ask(answerer, "しゅにん研修の受講料はいくら")
    assert answer.kind == "answer" and answer.training_id == "shunin-caremanager"


def test_hedges_like_ii_or_ukerareru_do_not_block_an_answer(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修 推薦がなくても受けられる？")
    assert answer.entry_id == "requirement-recommendation"

