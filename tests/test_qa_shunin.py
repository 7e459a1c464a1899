"""The 主任介護支援専門員研修 (004) as a trainee asks about it: facts per category, the clock, names, ambiguity."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.clock import JST
from bot.knowledge import load_knowledge
from bot.qa import Answer, Answerer, Question

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHUNIN = "shunin-caremanager"
JUNE_27 = datetime(2023, 6, 27, 10, 0, tzinfo=JST)  # three days before the 6月30日 必着 deadline


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(load_knowledge(DATA))


def ask(answerer: Answerer, text: str, now: datetime = JUNE_27, locale: str = "ja") -> Answer:
    return answerer.answer(Question(text=text, locale=locale, now=now))


def buttons(answer: Answer) -> list[str]:
    reply = answer.messages[-1].quick_reply
    return [item.action.text for item in reply.items] if reply is not None else []


@pytest.mark.parametrize(
    ("text", "entry", "facts"),
    [
        ("主任研修の申込締切", "application-period", ["令和5年6月30日", "必着"]),
        ("主任研修の申込方法", "how-to-apply", ["区市町村", "持参又は郵送"]),
        ("主任研修 世田谷区の申込先", "submit-office", ["介護保険課", "03-5432-2884"]),
        ("主任研修は東京都に直接申し込んでもいい？", "application-rules", ["無効"]),
        ("主任研修の提出書類", "documents", ["受講申込書", "実務経験証明書"]),
        ("主任研修の実務経験証明書は誰が書くの", "experience-certificate", ["実印", "6月16日"]),
        ("主任研修 前回定員超過で落ちたけど書類は省略できる？", "document-exemptions", ["定員超過"]),
        ("主任研修の勤務要件", "requirement-work", ["常勤専従", "兼務", "保健師・社会福祉士"]),
        ("主任研修の研修要件", "requirement-training", ["専門研修", "実務未経験者向け"]),
        ("主任研修 実務経験は何年必要？", "requirement-experience", ["5年（60か月）", "3年（36か月）"]),
        ("主任研修 推薦は必要ですか", "requirement-recommendation", ["地域包括支援センター", "管理者"]),
        ("主任研修 神奈川県登録でも受けられますか", "registration-transfer", ["登録移転", "03-5320-4279"]),
        ("主任研修の受講決定通知はいつ", "decision", ["8月25日", "8月29日"]),
        ("主任研修の受講料", "fee", ["52,600"]),
        ("主任研修の支払い方法", "payment", ["納入通知書", "9月28日", "法人名"]),
        ("主任研修 休んだら受講料は返ってくる？", "refund", ["返還できません"]),
        ("主任研修 交通費は出ますか", "costs", ["交通費", "通信費"]),
        ("主任研修 教育訓練給付金", "training-benefit", ["1321459-1920013-8", "ハローワーク"]),
        ("主任研修の会場", "venue", ["バルサール神保町アネックス", "九段下"]),
        ("主任研修はオンラインで受けられますか", "where-to-attend", ["Zoom", "会場集合"]),
        ("主任研修 何時から何時まで", "hours", ["9:30", "17:15"]),
        ("主任研修 Bコースの動画はいつまで見られる", "on-demand", ["11月5日"]),
        ("主任研修はスマホで受講できますか", "smartphone", ["スマートフォンやタブレット端末を使用した受講はできません"]),
        ("主任研修のパソコンの推奨環境", "equipment", ["Google"]),
        ("主任研修の修了証の条件", "certificate", ["全科目", "未修了"]),
        ("主任研修 欠席したらどうなりますか", "absence", ["30分", "遅刻"]),
        ("主任研修 日程変更はできますか", "schedule-change", ["葬儀", "離島", "家族旅行", "1回のみ"]),
        ("主任研修 コースを変更したい", "course-change", ["コース変更はできません"]),
        ("主任研修 事例の提出はありますか", "case-submission", ["計2事例"]),
        ("主任研修のLeafって何", "training-system", ["Leaf"]),
        ("主任研修 主任の更新はどうなる", "renewal", ["5年以内"]),
        ("主任研修の問い合わせ先", "contact", ["03-3263-5636", "ハローワーク"]),
        ("主任研修の定員", "capacity", ["493"]),
    ],
)
def test_each_fact_category_of_the_shunin_training_is_answered_from_the_edition(
    answerer: Answerer, text: str, entry: str, facts: list[str]
) -> None:
    answer = ask(answerer, text)
    assert (answer.kind, answer.entry_id, answer.training_id) == ("answer", entry, SHUNIN)
    for fact in facts:
        assert fact in answer.text


@pytest.mark.parametrize(
    ("now", "wording"),
    [
        (JUNE_27, "受付中です。締切まであと3日です。"),
        (datetime(2023, 6, 30, 16, 0, tzinfo=JST), "本日が締切です"),
        (datetime(2023, 7, 1, 9, 0, tzinfo=JST), "受付は終了しました"),
    ],
)
def test_the_deadline_answer_is_judged_against_now(answerer: Answerer, now: datetime, wording: str) -> None:
    answer = ask(answerer, "主任ケアマネ 締切", now=now)
    assert answer.entry_id == "application-period"
    assert wording in answer.text


def test_the_payment_answer_counts_down_to_the_strict_deadline(answerer: Answerer) -> None:
    before = ask(answerer, "主任研修の納付期限", now=datetime(2023, 9, 25, 9, 0, tzinfo=JST))
    after = ask(answerer, "主任研修の納付期限", now=datetime(2023, 9, 29, 9, 0, tzinfo=JST))
    assert "あと3日です" in before.text
    assert "この期限は過ぎています" in after.text


def test_a_named_course_gets_only_its_own_days_and_the_next_one(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修のAコースの日程", now=datetime(2023, 11, 1, 9, 0, tzinfo=JST))
    assert answer.entry_id == "schedule"
    assert "11月9日" in answer.text  # course A's next day after 1 November
    assert "10月19日" not in answer.text  # course D's first day


def test_without_a_course_the_schedule_is_one_line_per_course(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修の日程")
    for course in ("Aコース", "Bコース", "Cコース", "Dコース"):
        assert course in answer.text


@pytest.mark.parametrize("text", ["しゅにんけあまね 会場", "ｼｭﾆﾝｹｱﾏﾈ 会場", "主任介護支援専門員研修の会場", "chief care manager training venue"])
def test_the_training_is_found_however_its_name_is_typed(answerer: Answerer, text: str) -> None:
    answer = ask(answerer, text)
    assert (answer.entry_id, answer.training_id) == ("venue", SHUNIN)


def test_a_hiragana_word_is_not_mistaken_for_a_short_training_name(answerer: Answerer) -> None:
    answer = ask(answerer, "なんじから始まりますか")  # 何時, not 難治
    assert answer.training_id is None


def test_a_bare_ambiguous_word_asks_which_topic_with_buttons(answerer: Answerer) -> None:
    answer = ask(answerer, "ECTの配信")
    assert answer.kind == "did_you_mean"
    assert set(answer.candidates) == {"live-stream", "on-demand"}
    assert len(buttons(answer)) == 2


def test_the_same_word_is_answered_when_only_one_meaning_applies(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修の配信")  # no live stream in this training
    assert (answer.kind, answer.entry_id) == ("answer", "on-demand")


def test_a_question_without_a_training_asks_which_one_with_a_button_each(answerer: Answerer) -> None:
    answer = ask(answerer, "申込締切はいつですか")
    assert answer.kind == "ask_training"
    assert len(buttons(answer)) == 3
    assert any("主任ケアマネ研修" in b for b in buttons(answer))


def test_a_question_only_one_training_can_mean_is_answered_for_it(answerer: Answerer) -> None:
    answer = ask(answerer, "区市町村の推薦は必要ですか")
    assert (answer.kind, answer.training_id) == ("answer", SHUNIN)


def test_when_the_guide_is_silent_the_bot_says_so_and_gives_the_contact(answerer: Answerer) -> None:
    answer = ask(answerer, "主任研修 録画してもいい？")
    assert "記載がありません" in answer.text
    assert "03-3263-5636" in answer.text


@pytest.mark.parametrize("text", ["主任ケアマネの給料はいくら", "主任ケアマネ ケアプランの書き方を教えて"])
def test_care_work_questions_are_not_answered_with_a_training_fact(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).kind in {"out_of_scope", "did_you_mean"}


def test_a_care_question_about_a_client_is_redirected(answerer: Answerer) -> None:
    assert ask(answerer, "主任研修 利用者の褥瘡の処置はどうすれば").kind == "clinical"


def test_every_faq_entry_has_a_japanese_translation() -> None:
    with (ROOT / "bot/translations/ja/LC_MESSAGES/qa.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for path in sorted((DATA / "faq" / "entries").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            for msgid in (entry["ask"], entry["answer"]):
                message = catalog.get(msgid)
                if message is None or not message.string:
                    missing.append(f"{path.name}: {msgid!r}")
    assert not missing
