"""A city or municipality in the question, in kanji or kana, picks its session, venue or office."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import JST
from bot.qa import Answerer
from bot.qa.places import named_venues, with_kanji_places
from tests.helpers import AUGUST_5_2025, JUNE_20_2023, ask

ECMO_JANUARY_10_2026 = datetime(2026, 1, 10, 10, 0, tzinfo=JST)  # six session days past, 福岡 in 8 days, 京都 in 36




def test_a_question_naming_no_city_still_lists_every_venue(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修の会場はどこ", AUGUST_5_2025)
    assert reply.decision.entry_id == "venue"
    assert "札幌医科大学" in reply.text and "福岡大学病院" in reply.text


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
    reply = ask(answerer, text, AUGUST_5_2025)
    assert reply.decision.kind == "answer"
    assert shown in reply.text


def test_a_municipality_typed_in_kana_gets_its_office(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 せたがや区だと申込書の提出先は", JUNE_20_2023)
    assert reply.decision.kind == "answer"
    assert "03-5432-2884" in reply.text


def test_kana_place_rewrite_leaves_ordinary_questions_untouched(answerer: Answerer) -> None:
    text = "クロザピン研修の締切は？"
    assert with_kanji_places(text, answerer.index.kana_places) == text


def test_a_session_asked_about_by_place_is_stated_once_though_two_answers_carry_it(answerer: Answerer) -> None:
    # Asking for the day and the place wants both answers; 「広島会場の日程は？」 alone is venue only since
    # the sixth and seventh blind sets are examples, so it no longer reaches two answers.
    reply = ask(answerer, "ECMO研修 広島の回の日にちと会場", AUGUST_5_2025)
    assert reply.decision.kind == "answer" and reply.decision.also
    session_lines = [line for line in reply.text.splitlines() if "2025年11月9日" in line]
    assert len(session_lines) == 1, reply.text


@pytest.mark.parametrize(
    ("text", "shown", "hidden"),
    [
        ("ECMO研修 大阪", "京都府立医科大学", "札幌医科大学"),  # 大阪 is in 近畿, held in 京都
        ("ECMO研修 関西", "京都府立医科大学", "福岡大学病院"),
        ("ECMO研修 名古屋", "大垣市民病院", "京都府立医科大学"),  # 中部, held in 大垣 (岐阜)
        ("ECMO研修 仙台", "東北大学医学部良陵会館", "札幌医科大学"),
        ("ECMO研修 博多", "福岡大学病院", "広島大学"),
    ],
)
def test_a_city_the_venues_do_not_name_finds_the_session_of_its_region(
    answerer: Answerer, text: str, shown: str, hidden: str
) -> None:
    reply = ask(answerer, text, AUGUST_5_2025)
    assert reply.decision.kind == "answer", reply.text
    assert shown in reply.text and hidden not in reply.text


@pytest.mark.parametrize("text", [
    "前橋です、ECMO研修の日程を教えて", "郡山と申します。ECMO研修の会場は？", "東海林です。ECMO研修はいつありますか",
    "浜松さんと受けるECMO研修の日程は？", "東海大学病院の者ですがECMO研修の会場は？",
])
def test_a_place_word_that_is_a_name_hides_no_session(answerer: Answerer, text: str) -> None:
    edition = answerer.index.knowledge.editions["ecmo-ventilator-r7"]
    assert named_venues(edition, text, answerer.index.knowledge.faq.regions) == (set(), [])
    reply = ask(answerer, text, AUGUST_5_2025)
    every_session = "全8日程" in reply.text or ("大垣市民病院" in reply.text and "東北大学医学部良陵会館" in reply.text)
    assert every_session, reply.text  # the schedule's summary or every venue, not one region's


def test_a_city_in_latin_letters_finds_its_session(answerer: Answerer) -> None:
    reply = ask(answerer, "When is the ECMO training in Sapporo?", AUGUST_5_2025, locale="en")
    assert reply.decision.kind == "answer", reply.text
    assert "December 7, 2025" in reply.text and "Fukuoka" not in reply.text


def test_a_prefecture_that_is_also_a_surname_names_a_place_only_with_its_suffix(answerer: Answerer) -> None:
    knowledge = answerer.index.knowledge
    edition, regions = knowledge.editions["ecmo-ventilator-r7"], knowledge.faq.regions
    assert named_venues(edition, "山口です。ECMO研修の申込方法は", regions)[0] == set()
    assert named_venues(edition, "山口県の病院です", regions)[0] == {"hiroshima-univ"}


def test_a_place_the_venues_name_keeps_its_own_venue(answerer: Answerer) -> None:
    knowledge = answerer.index.knowledge
    edition = knowledge.editions["ecmo-ventilator-r7"]
    assert named_venues(edition, "京都の会場", knowledge.faq.regions)[0] == {"kyoto-pref-univ-medicine"}
    assert named_venues(edition, "東京の会場", knowledge.faq.regions)[0] == {"getinge-experience-center-tokyo"}


@pytest.mark.parametrize(
    ("text", "now", "shown", "hidden"),
    [
        ("エクモ研修 北海道", AUGUST_5_2025, "札幌医科大学", "福岡大学病院"),
        ("ECMO研修 広島の会場は", AUGUST_5_2025, "広島大学", "大垣市民病院"),
        ("人工呼吸器研修 京都はいつ", AUGUST_5_2025, "2026年2月15日", "2025年8月24日"),
        # A place with nothing but when, where and is-it-on words.
        ("神戸から行くならECMO人工呼吸器研修はどこ？いつ？", ECMO_JANUARY_10_2026, "2026年2月15日", "大垣市民病院"),
        ("博多の近くでECMOの研修ってある？", ECMO_JANUARY_10_2026, "福岡大学病院", "京都府立医科大学"),
        ("東京でやるECMO研修は何日ですか", ECMO_JANUARY_10_2026, "2025年9月14日", "福岡大学病院"),
        ("Was there an ECMO course in Sapporo? When was it?", ECMO_JANUARY_10_2026, "December 7, 2025", "Fukuoka"),
        # A month named by number keeps the venues of its days.
        ("1月のECMO研修はどこですか", ECMO_JANUARY_10_2026, "福岡大学病院", "京都府立医科大学"),
        ("ECMO研修 2月はどこでやりますか", ECMO_JANUARY_10_2026, "京都府立医科大学", "福岡大学病院"),
        ("ECMO研修 12月にやったのはどこ？", ECMO_JANUARY_10_2026, "札幌医科大学", "福岡大学病院"),
        ("ECMO 2月15日 どこ", ECMO_JANUARY_10_2026, "京都府立医科大学", "福岡大学病院"),
        ("ECMO研修 2026/1/18の会場は？", ECMO_JANUARY_10_2026, "福岡大学病院", "京都府立医科大学"),
        # A venue's short name, a weekday asked, English asking for "date and venue", when and where with no place.
        ("札幌医大でやるECMO研修は何曜日ですか", ECMO_JANUARY_10_2026, "2025年12月7日", "福岡大学病院"),
        ("Is there an ECMO training in Fukuoka? Date and venue please.", ECMO_JANUARY_10_2026, "January 18, 2026",
         "Kyoto"),
        ("次のECMO研修はいつ、どこでありますか？", ECMO_JANUARY_10_2026, "2026年1月18日", "京都府立医科大学"),
    ],
)
def test_a_question_naming_one_city_or_month_gets_its_days_and_venues_only_outright(
    answerer: Answerer, text: str, now: datetime, shown: str, hidden: str
) -> None:
    reply = ask(answerer, text, now, locale="en" if text.isascii() else "ja")
    assert reply.decision.kind == "answer"
    assert shown in reply.texts[0] and hidden not in reply.texts[0]


def test_a_countdown_to_a_named_place_is_answered_outright(answerer: Answerer) -> None:
    reply = ask(answerer, "京都のECMO研修まで残り何日ですか", ECMO_JANUARY_10_2026)
    assert reply.decision.kind == "answer"
    assert "2026年2月15日" in reply.text and "あと36日" in reply.text


@pytest.mark.parametrize(
    ("text", "entry"),
    [("ECMO研修 福岡 申込", "how-to-apply"), ("ECMO研修 福岡会場の申込締切はいつ？", "application-period")],
)
def test_a_place_beside_a_dated_fact_is_asked_about_that_fact(answerer: Answerer, text: str, entry: str) -> None:
    reply = ask(answerer, text, ECMO_JANUARY_10_2026)
    assert reply.decision.entry_id == entry, reply.text


def test_an_answer_about_a_place_whose_days_are_over_says_so(answerer: Answerer) -> None:
    september = datetime(2025, 9, 1, 10, 0, tzinfo=JST)
    gifu = ask(answerer, "岐阜のECMO研修に申し込みたいんですが", september)
    assert gifu.decision.entry_id == "how-to-apply"
    assert "2025年8月24日" in gifu.text and "大垣市民病院" in gifu.text and "終了しました" in gifu.text
    kyoto = ask(answerer, "京都のECMO研修に申し込みたい", september)
    assert kyoto.decision.entry_id == "how-to-apply" and "終了しました" not in kyoto.text


def test_the_over_line_goes_only_with_answers_about_taking_part(answerer: Answerer) -> None:
    march = datetime(2026, 3, 1, 10, 0, tzinfo=JST)
    certificate = ask(answerer, "京都の研修の修了証は？", march)
    assert "終了しました" not in certificate.text
    parking = ask(answerer, "京都会場の駐車場は？", march)
    assert parking.decision.entry_id == "venue-access" and parking.text.count("2026年2月15日") == 1


def test_a_venue_noun_beside_a_place_asks_nothing_about_where(answerer: Answerer) -> None:
    reply = ask(answerer, "福岡大学病院の研修はいつ？", datetime(2025, 9, 1, 10, 0, tzinfo=JST))
    assert reply.decision.entry_id == "schedule" and reply.decision.also == ()


def test_parking_at_a_training_without_a_venue_says_where_to_attend_from(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の会場に駐車場はありますか", JUNE_20_2023)
    assert "記載がありません" in reply.text and "自宅" in reply.text


def test_who_pays_for_a_hotel_is_the_costs_answer(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修で前泊する場合のホテル代は出ますか", AUGUST_5_2025)
    assert reply.decision.entry_id == "costs"


@pytest.mark.parametrize("text", ["東京以外で年内に受けられるECMO研修はありますか？", "ECMO sessions other than Tokyo this year?"])
def test_a_place_left_out_means_every_other_venue(answerer: Answerer, text: str) -> None:
    edition = answerer.index.knowledge.editions["ecmo-ventilator-r7"]
    venue_ids, _words = named_venues(edition, text, answerer.index.knowledge.faq.regions)
    assert "getinge-experience-center-tokyo" not in venue_ids and "hiroshima-univ" in venue_ids
    reply = ask(answerer, text, datetime(2025, 9, 1, 10, 0, tzinfo=JST), locale="en" if text.isascii() else "ja")
    assert "ゲティング" not in reply.text and "Getinge" not in reply.text
