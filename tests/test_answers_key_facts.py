"""An answer carries the fact the trainee asked for, even when it lives beside the entry's usual facts:
the deadline in a how-to-apply answer, the address to write to when a mail has not come, the note on
the one document or list the question names. Asserted on what the trainee reads."""

from __future__ import annotations

import re
from datetime import datetime

from bot.qa import Answerer
from tests.helpers import JST, JUNE_27_2023, ask

SEPTEMBER_5_2023 = datetime(2023, 9, 5, 12, 0, tzinfo=JST)  # 000/004: applications closed, on demand running
DECEMBER_20_2025 = datetime(2025, 12, 20, 9, 0, tzinfo=JST)  # ECMO: six sessions held, two to come
NANCHISEI_MAIL = "jimu-nanchisei-tokyo@ncnp.go.jp"


def _answered(answerer: Answerer, text: str, entry: str, now: datetime = JUNE_27_2023, locale: str = "ja") -> str:
    reply = ask(answerer, text, now, locale=locale)
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", entry)
    return reply.text


def test_how_to_apply_says_the_deadline_and_how_long_is_left(answerer: Answerer) -> None:
    text = _answered(answerer, "クロザピン研修の申込方法", "how-to-apply")
    assert "forms.gle" in text
    assert "締切：令和5年6月30日（金）。締切まであと3日です。" in text


def test_how_to_apply_keeps_the_deadline_rule(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の申込方法", "how-to-apply")
    assert "締切：令和5年6月30日（金）（必着）" in text


def test_how_to_apply_after_the_deadline_says_applications_have_closed(answerer: Answerer) -> None:
    text = _answered(answerer, "クロザピン研修の申込方法", "how-to-apply", SEPTEMBER_5_2023)
    assert "受付は終了しました（締切：令和5年6月30日（金））" in text
    assert "あと" not in text


def test_how_to_apply_without_a_deadline_in_the_documents_invents_none(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修の申込方法", "how-to-apply", DECEMBER_20_2025)
    assert "ecmonet.jp" in text and "締切" not in text


def test_how_to_apply_names_the_kind_of_form_the_link_opens(answerer: Answerer) -> None:
    assert "https://forms.gle/Tw9czMwKNVb8nTyN8（Googleフォーム）" in _answered(
        answerer, "クロザピン研修の申込方法", "how-to-apply")
    assert "(Google Form)" in _answered(answerer, "How do I apply for the ECT training?", "how-to-apply",
                                        locale="en")


def test_login_details_give_the_address_to_write_to_when_the_mail_has_not_come(answerer: Answerer) -> None:
    text = _answered(answerer, "クロザピン研修 受講URLが届かない", "login-details", SEPTEMBER_5_2023)
    assert "届かない場合は、事務局までお問い合わせください。\n・難治性精神疾患研修事務局 " + NANCHISEI_MAIL in text
    english = _answered(answerer, "I have not received the login e-mail for the ECT training", "login-details",
                        SEPTEMBER_5_2023, locale="en")
    assert NANCHISEI_MAIL in english


def test_correcting_an_application_says_to_write_to_the_secretariat(answerer: Answerer) -> None:
    text = _answered(answerer, "ECT研修 申込内容を訂正したい", "correct-application")
    assert "事務局宛にメールでお知らせください" in text and NANCHISEI_MAIL in text


def test_an_undecided_live_stream_day_says_when_it_will_be_known_and_whom_to_ask(answerer: Answerer) -> None:
    text = _answered(answerer, "ECT中級のライブ配信日", "live-stream", SEPTEMBER_5_2023)
    assert "１０月下旬～１１月上旬" in text
    assert "決定次第、受講対象者にご案内予定です" in text and NANCHISEI_MAIL in text
    assert not re.search(r"1[01]月\d+日", text)  # no day made up


def test_a_document_named_in_the_question_brings_what_the_documents_say_about_it(answerer: Answerer) -> None:
    text = _answered(answerer, "クロザピン研修 同意書を送らなかったらどうなる", "documents")
    assert "同意書の送信が確認できない場合はご受講いただけません" in text


def test_the_document_list_alone_stays_a_list(answerer: Answerer) -> None:
    text = _answered(answerer, "クロザピン研修の提出書類", "documents")
    assert text.endswith("・同意書（受講申込書の2ページ目）")


def test_the_certificate_answer_adds_the_note_the_question_asks_about(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の修了証と名簿について", "certificate")
    assert "修了者の名簿を作成し都内の区市町村に提供します" in text
    plain = _answered(answerer, "主任研修の修了証", "certificate")
    assert "名簿" not in plain and "更新" not in plain


def test_the_purpose_is_given_when_the_question_asks_for_it(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修の目的を教えてください", "overview", DECEMBER_20_2025)
    assert "重症者治療に対応できる人材を育成し" in text
    assert "人材" not in _answered(answerer, "ECMO研修とは", "overview", DECEMBER_20_2025)


def test_a_training_held_in_single_days_says_each_session_is_one_day(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修の日程", "schedule", DECEMBER_20_2025)
    assert "全8日程（2025年8月24日（日）～2026年2月15日（日））です。各回とも1日研修です。" in text
    many_days = _answered(answerer, "主任研修 Aコースの日程", "schedule")
    assert "1日研修" not in many_days


def test_costs_say_in_the_documents_words_who_pays(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修の自己負担", "costs", DECEMBER_20_2025)
    assert "・交通費\n交通費に関しては各自でご負担をお願いいたします。" in text


def test_the_leaf_rule_says_when_its_how_to_video_comes(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修 Leafの説明動画", "training-system")
    assert "操作説明動画（視聴必須）は8月下旬（受講決定通知発送後）以降、公開予定です" in text


def test_a_late_case_submission_is_worded_as_the_guide_words_it(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修 事例の提出が間に合わない", "case-submission")
    assert "受講決定を取消します" in text


# --- siblings trainees cannot tell apart carry each other's key fact ------------------------------

def test_a_fee_answer_says_by_when_to_pay(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の受講料", "fee", SEPTEMBER_5_2023)
    assert "受講料は52,600円です。\n納付期限：令和5年9月28日（木）（厳守） あと23日です。" in text


def test_a_payment_answer_says_how_much(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の支払い方法", "payment", SEPTEMBER_5_2023)
    assert "受講料は52,600円です。" in text and "納入通知書" in text


def test_a_venue_answer_says_where_one_may_attend_from(answerer: Answerer) -> None:
    text = _answered(answerer, "クロザピン研修の会場", "venue")
    assert "受講場所は職場、自宅等を問いません。" in text


def test_a_where_to_attend_answer_names_the_venue(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の受講場所", "where-to-attend")
    assert "バルサール神保町アネックス" in text


def test_course_formats_are_not_repeated_for_courses_taken_as_their_parent(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の会場", "venue")
    assert "・オンライン研修コース: Zoom＋オンデマンド\n・集合研修コース: 会場集合＋オンデマンド" in text
    assert "Aコース" not in text


def test_without_a_recommendation_the_answer_says_one_cannot_attend(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修 推薦がなくても受けられる？", "requirement-recommendation")
    assert "区市町村からの推薦がない場合は、本研修は受講できません。" in text


def test_where_to_submit_says_how_to_hand_it_in(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の申込書 提出先", "submit-office")
    assert "所管課に持参又は郵送で提出してください" in text and "世田谷区の申込先" in text


def test_the_experience_certificate_gives_the_mail_subject_for_a_substitute(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の実務経験証明書がもらえないときは都にどう連絡する？", "experience-certificate")
    assert "件名「ケアマネ問合せ 実務経験証明書」" in text


def test_the_experience_certificate_says_how_to_write_a_former_surname(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修 実務経験証明書 旧姓で働いていた場合", "experience-certificate")
    assert "「現在の姓（旧姓：当時の姓）名」" in text


def test_the_training_location_is_the_place_of_registration(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の受講地って勤務地と登録地どっち？", "registration-transfer")
    assert "「勤務地」ではなく「登録地」" in text


def test_the_organiser_may_cancel_the_on_site_course_for_bad_weather(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修Dコース、台風がきたら中止ですか", "cancellation")
    assert "悪天候の影響等によってオンライン方式への切り替え、延期、中止" in text


def test_the_ecmo_organiser_may_change_dates_and_venues(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修の開催場所が変わることはありますか", "cancellation", DECEMBER_20_2025)
    assert "開催日・開催場所は変更になる場合があります" in text


def test_ecmo_named_as_the_training_gives_both_courses_hours(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修は何時から何時まで？", "hours", DECEMBER_20_2025)
    assert "8:30～12:15" in text and "13:00～18:00" in text


def test_the_ventilator_course_at_the_ecmo_seminar_is_the_ventilator_course(answerer: Answerer) -> None:
    text = _answered(answerer, "What time does the ventilator course begin at the ECMO seminar?", "hours",
                     DECEMBER_20_2025, locale="en")
    assert "8:30" in text and "13:00" not in text


def test_deadlines_this_month_include_the_payment_deadline(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 今月の期限って何がある？", SEPTEMBER_5_2023)
    assert reply.decision.kind == "answer", reply.text
    assert "令和5年9月28日（木）" in reply.text


def test_a_ministry_contact_gives_its_postal_address(answerer: Answerer) -> None:
    text = _answered(answerer, "ECMO研修の厚生労働省の照会先と住所", "contact", DECEMBER_20_2025)
    assert "東京都千代田区霞が関1-2-2" in text


def test_nanchisei_in_latin_letters_names_the_training(answerer: Answerer) -> None:
    resolution = answerer.index.resolver.resolve("nanchisei deadline", (), (), None)
    assert resolution.training_id == "nanchisei-tokyo"
