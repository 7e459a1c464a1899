"""However a question is typed (half-width, kana, generic verbs, hedges, English), it meets its entry."""

from __future__ import annotations

import pytest

from bot.qa import Answerer
from bot.qa.features import Featuriser
from tests.helpers import JUNE_20_2023, ask


def test_half_width_and_kana_are_understood(answerer: Answerer) -> None:
    assert ask(answerer, "ｸﾛｻﾞﾋﾟﾝの定員").decision.entry_id == "capacity"
    assert ask(answerer, "しゅうりょうしょう クロザピン").decision.entry_id == "certificate"


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("ECT研修 ウィンドウズ使える？", "equipment"),
        ("主任研修 事例って何個いる", "case-submission"),
    ],
)
def test_a_generic_verb_does_not_keep_a_short_question_from_its_answer(
    answerer: Answerer, text: str, entry: str
) -> None:
    reply = ask(answerer, text, JUNE_20_2023)
    # Answered outright, or (below the calibrated threshold) a "did you mean" led by this entry's answer.
    assert reply.decision.entry_id == entry


@pytest.mark.parametrize("text", ["難治性研修 必要なメモリ", "クロザピン研修 CPUは？", "ECT研修 プラグインは"])
def test_a_question_about_one_device_spec_gets_the_device_requirements(answerer: Answerer, text: str) -> None:
    reply = ask(answerer, text, JUNE_20_2023)
    assert reply.decision.entry_id == "equipment"


def test_hedges_like_ii_or_ukerareru_do_not_block_an_answer(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 推薦がなくても受けられる？", JUNE_20_2023)
    assert reply.decision.entry_id == "requirement-recommendation"


def test_a_wedding_is_a_reason_to_change_days_not_small_talk(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 友人の結婚式と重なった 日程変更は？", JUNE_20_2023)
    assert reply.decision.kind == "answer"
    assert "招待状" in reply.text


def test_english_questions_are_answered_in_english_with_the_same_facts(answerer: Answerer) -> None:
    reply = ask(answerer, "When is the application deadline for the clozapine training?")
    assert reply.decision.locale == "en" and reply.decision.entry_id == "application-period"
    assert "Applications are open" in reply.text and "June 30" in reply.text


def test_an_english_word_meets_its_japanese_synonym(answerer: Answerer) -> None:
    features = answerer.index.featuriser.features
    assert set(features("deadline")) & {f for f in features("締切") if f.startswith("s:")}
    assert set(features("payment")) & {f for f in features("支払い") if f.startswith("s:")}


def test_an_english_question_is_answered_through_the_japanese_examples(answerer: Answerer) -> None:
    # "email" meets the examples' メール: no example says "office email" in English.
    reply = ask(answerer, "ECT training office email", JUNE_20_2023, "en")
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "contact")
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in reply.text


@pytest.mark.parametrize(
    ("text", "entry", "training"),
    [
        ("ECMO研修 ｼﾞｭｺｳﾘｮｳ ｲｸﾗ", "fee", "ecmo-ventilator"),
        ("ECMO研修 ジュコウリョウ イクラ", "fee", "ecmo-ventilator"),
        ("ｼｭｳｺﾞｳｹﾝｼｭｳ ﾉ ｶｲｼﾞｮｳ ﾄﾞｺ", "venue", "shunin-caremanager"),
    ],
)
def test_words_typed_in_katakana_are_read_as_the_words_they_spell(
    answerer: Answerer, text: str, entry: str, training: str
) -> None:
    # Half-width kana become katakana Sudachi does not know (ジュコウリョウ) or misreads (イクラ, the fish).
    decision = ask(answerer, text).decision
    assert (decision.kind, decision.entry_id, decision.training_id) == ("answer", entry, training)


def test_a_katakana_question_with_a_voicing_typo_still_offers_its_entry(answerer: Answerer) -> None:
    # ﾉｳﾌﾞ for 納付; ｼｭﾆﾝｹｱﾏﾈ still names the 主任 training.
    decision = ask(answerer, "ｼｭﾆﾝｹｱﾏﾈ研修 ｼﾞｭｺｳﾘｮｳ ﾉｳﾌﾞ ｲﾂﾏﾃﾞ").decision
    assert decision.training_id == "shunin-caremanager"
    assert "payment" in decision.candidates
    assert "w:納付" in answerer.index.featuriser.features("ノウブ")


@pytest.mark.parametrize("word", ["オンデマンド", "ブラウザ", "ライブ", "ケアマネ"])
def test_katakana_loanwords_keep_their_own_features(answerer: Answerer, word: str) -> None:
    assert answerer.index.featuriser.features(word) == Featuriser().features(word)


def test_a_katakana_loanword_question_is_still_answered(answerer: Answerer) -> None:
    decision = ask(answerer, "ECT研修 オンデマンド いつまで").decision
    assert (decision.kind, decision.entry_id) == ("answer", "on-demand")
