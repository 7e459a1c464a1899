"""Each kind of fact is answered from the training's edition, with the key fact the question asked for."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.qa import Answerer
from tests.helpers import AUGUST_5_2025, JUNE_20_2023, ask

SHUNIN = "shunin-caremanager"


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
    reply = ask(answerer, text)
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", entry)
    assert fact in reply.text


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
        ("主任研修はスマホで受講できますか", "smartphone",
         ["スマートフォンやタブレット端末を使用した受講はできません"]),
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
    reply = ask(answerer, text)
    # Answered, or (below the calibrated threshold) a "did you mean" led by this entry's answer.
    assert (reply.decision.entry_id, reply.decision.training_id) == (entry, SHUNIN)
    assert reply.decision.kind in ("answer", "did_you_mean")
    for fact in facts:
        assert fact in reply.text


@pytest.mark.parametrize(
    ("text", "now", "fact"),
    [
        ("主任ケアマネ研修 どこが実施してる？", JUNE_20_2023, "東京都介護支援専門員研究協議会"),
        ("ECMO研修の運営団体", AUGUST_5_2025, "日本ECMOnet"),
        ("ECMO 受講後に調査とかある？", AUGUST_5_2025, "受講後"),
        ("人工呼吸器研修 実機で実習できる？", AUGUST_5_2025, "シミュレーション"),
        ("ECT研修 昨年度と講義は変わった？", JUNE_20_2023, "令和４年度"),
        ("主任研修 申込書の個人情報の扱い", JUNE_20_2023, "名簿"),
    ],
)
def test_topics_added_from_the_documents_are_answered_with_their_fact(
    answerer: Answerer, text: str, now: datetime, fact: str
) -> None:
    reply = ask(answerer, text, now)
    # Answered outright, or (below the calibrated threshold) a "did you mean" led by this answer.
    assert reply.decision.kind in ("answer", "did_you_mean")
    assert fact in reply.texts[0]


def test_the_live_stream_question_from_the_issue_is_answered(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修のライブ配信はいつ？")
    assert reply.decision.kind == "answer"
    assert reply.decision.entry_id == "live-stream"
    assert reply.decision.training_id == "nanchisei-tokyo"
    assert "１０月下旬～１１月上旬" in reply.text
    assert reply.choices


def test_every_answer_offers_two_to_four_related_questions_that_re_ask(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の修了証")
    assert 2 <= len(reply.choices) <= 4
    for choice in reply.choices:
        assert choice.text.startswith("難治性精神疾患研修の")
        assert ask(answerer, choice.text).decision.kind == "answer"


def test_when_the_guide_is_silent_the_bot_says_so_and_gives_the_contact(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 録画してもいい？")
    assert "記載がありません" in reply.text
    assert "03-3263-5636" in reply.text


@pytest.mark.parametrize(("text", "contact"), [("ECMO研修 区市町村の推薦は必要？", "ecmo-seminar2025@ecmonet.jp"),
                                               ("クロザピン研修 区市町村の推薦書は要りますか", "jimu-nanchisei-tokyo"),
                                               ("主任研修、申し込んだ後の流れは？", "03-3263-5636")])
def test_another_trainings_own_topic_asked_of_a_named_training_is_silent_not_out_of_scope(
    answerer: Answerer, text: str, contact: str
) -> None:
    reply = ask(answerer, text, JUNE_20_2023)
    assert reply.decision.kind == "answer" and "記載がありません" in reply.text and contact in reply.text


def test_a_training_guessed_from_a_place_does_not_deny_another_trainings_own_topic(answerer: Answerer) -> None:
    reply = ask(answerer, "東京都の専門研修修了してる場合、法定研修修了証のコピーは省略できる？", JUNE_20_2023)
    assert (reply.decision.training_id, reply.decision.entry_id) == ("shunin-caremanager", "document-exemptions")


# --- answers carry the key fact the question asked for -------------------------


def test_the_ecmo_check_test_deadline_is_given_not_denied(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMOの確認テストっていつまでにやるの", AUGUST_5_2025)
    assert reply.decision.kind == "answer"
    assert "当日まで" in reply.text
    assert "記載がありません" not in reply.text


def test_the_device_answer_gives_browser_cpu_memory_and_plugins(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の推奨環境を教えて", JUNE_20_2023)
    assert reply.decision.entry_id == "equipment"
    for fact in ("Chrome", "Cookie", "2GHz", "3GB", "プラグイン：不要"):
        assert fact in reply.text


def test_a_fee_question_also_names_the_costs_the_trainee_pays(answerer: Answerer) -> None:
    reply = ask(answerer, "ECT研修って費用はかかりますか", JUNE_20_2023)
    assert reply.decision.entry_id == "fee"
    assert "受講者負担" in reply.text and "通信料" in reply.text
    assert reply.text.count("記載") == 1  # the "not stated" wording is not repeated


def test_the_after_applying_answer_says_whom_to_mail_when_nothing_arrives(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修 申し込んだ後どうなりますか", JUNE_20_2023)
    assert reply.decision.entry_id == "after-applying"
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in reply.text


def test_the_hours_answer_gives_the_curriculum_total(answerer: Answerer) -> None:
    reply = ask(answerer, "主任ケアマネ研修は全部で何時間の研修ですか", JUNE_20_2023)
    assert reply.decision.entry_id == "hours"
    assert "合計71.5時間" in reply.text


def test_a_course_without_a_live_stream_is_told_which_courses_have_one(answerer: Answerer) -> None:
    reply = ask(answerer, "ECT上級のライブ配信の日程は", JUNE_20_2023)
    assert reply.decision.entry_id == "live-stream"
    assert "ライブ配信はありません" in reply.text and "中級" in reply.text
    assert "記載がありません" not in reply.text


def test_connection_help_reminds_to_test_zoom_beforehand(answerer: Answerer) -> None:
    reply = ask(answerer, "ECT研修 ZOOMに入れない", JUNE_20_2023)
    assert reply.decision.entry_id == "technical-help"
    assert "接続確認" in reply.text


def test_a_team_training_answers_how_many_with_the_team_size(answerer: Answerer) -> None:
    reply = ask(answerer, "What is the team size for the ECMO training?", AUGUST_5_2025, locale="en")
    assert reply.decision.kind == "answer"
    assert "4 people" in reply.text


def test_the_experience_certificate_answer_ends_with_the_office_to_mail(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 前の職場が潰れて実務経験証明書がもらえない", JUNE_20_2023)
    assert reply.decision.entry_id == "experience-certificate"
    assert "S0000615@section.metro.tokyo.jp" in reply.text
    # The guide's list letter (オ) stays in its list: 「主任ケアマネ研修の実務経験証明書」, not 「…のオ 実務経験証明書」.
    assert reply.texts[0].startswith("主任ケアマネ研修の実務経験証明書")


def test_the_application_rules_state_each_rule_once(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修は東京都に直接申し込んでもいい？", JUNE_20_2023)
    assert reply.text.count("区市町村を通さず直接都又は研修実施機関へ申し込んだ場合は無効です") == 1
    assert "ホームページからダウンロード" in reply.text  # the other notes are still there


def test_the_recording_rules_say_the_venue_staff_may_take_photos(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修の当日、写真を撮られることはありますか？", AUGUST_5_2025)
    assert reply.decision.entry_id == "recording" and "会場スタッフが撮影" in reply.text
