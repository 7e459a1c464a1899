"""How the answerer behaves: training resolution, time, fallback, redirects, English."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import JST, parse_jst
from bot.knowledge import load_knowledge
from bot.qa import Answer, Answerer, Question

DATA = Path(__file__).resolve().parents[1] / "data"
JUNE_27 = datetime(2023, 6, 27, 10, 0, tzinfo=JST)


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load_knowledge(DATA))


def ask(answerer: Answerer, text: str, now: datetime = JUNE_27, locale: str = "ja", **context: object) -> Answer:
    return answerer.answer(Question(text=text, locale=locale, now=now, **context))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "entry", "fact"),
    [
        ("クロザピン研修の申込締切", "application-period", "6月30日"),
        ("ECTの申込方法", "how-to-apply", "forms.gle"),
        ("クロザピンの定員", "capacity", "300"),
        ("ECT研修の対象者", "target", "医療関係者"),
        ("クロザピン研修のオンデマンド配信期間", "on-demand", "2月29日"),
        ("ECTの中級のライブ配信はいつ", "live-stream", "下旬"),
        ("クロザピン研修の修了証", "certificate", "理解度テスト"),
        ("ECT研修はスマホで受講できますか", "smartphone", "スマートフォン"),
        ("クロザピン研修の問い合わせ先", "contact", "jimu-nanchisei-tokyo@ncnp.go.jp"),
        ("ECT研修の受講料", "fee", "受講料"),
        ("ECMO研修の日程", "schedule", "2025"),
        ("ECMO研修の会場", "venue", "病院"),
        ("人工呼吸器研修は何時から", "hours", "8:30"),
        ("ECMO研修はチームで申し込む必要がありますか", "team", "4"),
        ("ECMO研修の受講料", "fee", "無料"),
        ("ECMO研修の問い合わせ先", "contact", "ecmo-seminar2025@ecmonet.jp"),
    ],
)
def test_each_fact_category_is_answered_from_the_edition(answerer: Answerer, text: str, entry: str, fact: str) -> None:
    answer = ask(answerer, text)
    assert (answer.kind, answer.entry_id) == ("answer", entry)
    assert fact in answer.text


def test_a_named_training_beats_enrolment_subscription_and_memory(answerer: Answerer) -> None:
    answer = ask(answerer, "ECMOの申込締切", linked_edition_ids=("nanchisei-tokyo-r5",),
                 subscribed_training_ids=("nanchisei-tokyo",), last_training_id="nanchisei-tokyo")
    assert answer.training_id == "ecmo-ventilator"


def test_enrolment_beats_subscription_and_memory(answerer: Answerer) -> None:
    answer = ask(answerer, "申込締切", linked_edition_ids=("ecmo-ventilator-r7",),
                 subscribed_training_ids=("nanchisei-tokyo",), last_training_id="nanchisei-tokyo")
    assert answer.training_id == "ecmo-ventilator"


def test_subscription_beats_memory_and_memory_is_used_last(answerer: Answerer) -> None:
    assert ask(answerer, "修了証", subscribed_training_ids=("nanchisei-tokyo",),
               last_training_id="ecmo-ventilator").training_id == "nanchisei-tokyo"
    assert ask(answerer, "修了証", last_training_id="nanchisei-tokyo").training_id == "nanchisei-tokyo"


def test_an_unknown_training_is_asked_with_a_button_per_training(answerer: Answerer) -> None:
    answer = ask(answerer, "修了証")
    assert answer.kind == "ask_training"
    items = answer.messages[-1].quick_reply.items
    assert len(items) == len(answerer._knowledge.trainings)
    assert all(item.action.text.endswith("修了証") for item in items)
    assert all(len(item.action.label) <= 20 for item in items)
    tapped = ask(answerer, items[0].action.text)
    assert tapped.kind == "answer" and tapped.entry_id == "certificate"


def test_two_subscriptions_are_ambiguous_unless_memory_agrees(answerer: Answerer) -> None:
    both = ("nanchisei-tokyo", "ecmo-ventilator")
    assert ask(answerer, "申込締切", subscribed_training_ids=both).kind == "ask_training"
    agreed = ask(answerer, "申込締切", subscribed_training_ids=both, last_training_id="ecmo-ventilator")
    assert agreed.training_id == "ecmo-ventilator"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2023-05-01T09:00", "受付開始は"),
        ("2023-06-27T09:00", "締切まであと3日"),
        ("2023-06-30T23:00", "本日が締切"),
        ("2023-07-01T00:00", "受付は終了しました"),
    ],
)
def test_the_application_status_follows_the_clock(answerer: Answerer, now: str, expected: str) -> None:
    answer = ask(answerer, "クロザピン研修の申込締切", now=parse_jst(now))
    assert expected in answer.text
    assert "6月30日" in answer.text  # the date itself is always stated


def test_kenshu_now_sets_the_time_seen_by_answers(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.clock import now

    monkeypatch.setenv("KENSHU_NOW", "2023-06-27T12:00")
    assert "締切まであと3日" in ask(answerer, "クロザピン研修の申込締切", now=now()).text


def test_a_past_live_window_is_still_stated(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピン研修のライブ配信", now=parse_jst("2024-01-10T10:00"))
    assert "下旬" in answer.text and "過ぎました" in answer.text


def test_every_answer_offers_two_to_four_related_questions_that_re_ask(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピン研修の修了証")
    items = answer.messages[-1].quick_reply.items
    assert 2 <= len(items) <= 4
    for item in items:
        assert item.action.text.startswith("難治性精神疾患研修の")
        assert ask(answerer, item.action.text).kind == "answer"


def test_a_vague_question_gets_did_you_mean_and_the_contact(answerer: Answerer) -> None:
    answer = ask(answerer, "ECTの動画の件")
    assert answer.kind == "did_you_mean"
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in answer.text
    assert 1 <= len(answer.messages[-1].quick_reply.items) <= 3


@pytest.mark.parametrize("text", ["クロザピンの副作用は？", "ECTは何回受ければいいですか", "母がECTを受けます。記憶障害は大丈夫？",
                                  "What are the side effects of clozapine?", "人工呼吸器のPEEPの設定値"])
def test_clinical_questions_are_redirected_never_answered(answerer: Answerer, text: str) -> None:
    answer = ask(answerer, text)
    assert answer.kind == "clinical" and answer.entry_id is None


def test_the_redirect_names_the_consultation_desk_from_the_documents(answerer: Answerer) -> None:
    answer = ask(answerer, "クロザピンの副作用")
    assert "難治性精神疾患相談窓口" in answer.text and "主治医" in answer.text


@pytest.mark.parametrize("text", ["明日の天気は？", "おすすめのランチ", "Tell me a joke", "年金はいつもらえる"])
def test_out_of_scope_questions_get_an_honest_reply_and_no_fact(answerer: Answerer, text: str) -> None:
    answer = ask(answerer, text)
    assert answer.kind in {"out_of_scope", "did_you_mean"}
    assert answer.entry_id is None


def test_english_questions_are_answered_in_english_with_the_same_facts(answerer: Answerer) -> None:
    answer = ask(answerer, "When is the application deadline for the clozapine training?")
    assert answer.locale == "en" and answer.entry_id == "application-period"
    assert "Applications are open" in answer.text and "30 Jun" in answer.text


def test_half_width_and_kana_are_understood(answerer: Answerer) -> None:
    assert ask(answerer, "ｸﾛｻﾞﾋﾟﾝの定員").entry_id == "capacity"
    assert ask(answerer, "しゅうりょうしょう クロザピン").entry_id == "certificate"


def test_messages_respect_the_line_limits(answerer: Answerer) -> None:
    answer = ask(answerer, "ECMO研修の日程")
    assert 1 <= len(answer.messages) <= 5
    assert any(m.type == "flex" for m in answer.messages)  # the long schedule is a table
    assert len(answer.messages[-1].quick_reply.items) <= 13


def test_every_message_id_has_a_japanese_translation(answerer: Answerer) -> None:
    from bot.i18n import gettext_for

    _ = gettext_for("ja")
    for entry in answerer._faq.entries:
        assert _(entry.ask) != entry.ask, entry.id
        only_placeholders = not re.sub(r"\{\w+\}|\s", "", entry.answer)
        assert only_placeholders or _(entry.answer) != entry.answer, entry.id
