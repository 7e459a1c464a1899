"""Date words are folded the one way questions are (bot.textfold), whoever spelled them in data/."""

from __future__ import annotations

from datetime import date

import pytest

from bot.knowledge.time_words import DateWord, WindowKind
from bot.qa.date_words import DateWords
from bot.textfold import fold_width_and_case


def test_a_date_word_written_full_width_in_the_data_is_found_in_a_folded_question() -> None:
    words = DateWords([DateWord(window=WindowKind.NEXT_JANUARY, words=["来年１月"]),
                       DateWord(window=WindowKind.WEEK, ahead=1, words=["ＮＥＸＴ　ＷＥＥＫ"])])
    today = date(2025, 12, 20)
    january = words.window(fold_width_and_case("ECMO研修 来年1月にある？"), today)
    assert january is not None and (january.start, january.end) == (date(2026, 1, 1), date(2026, 1, 31))
    week = words.window(fold_width_and_case("Is there an ECMO session next week?"), today)
    assert week is not None and (week.start, week.end) == (date(2025, 12, 22), date(2025, 12, 28))


def _words() -> DateWords:
    return DateWords([DateWord(window=WindowKind.YEAR, ahead=1, words=["来年"])])


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1月のECMO研修はどこ？", date(2026, 1, 1), date(2026, 1, 31)),  # the coming January
        ("11月の回はどこでしたか", date(2025, 11, 1), date(2025, 11, 30)),  # the one just gone
        ("１／１８の研修", date(2026, 1, 18), date(2026, 1, 18)),
        ("2月15日の会場", date(2026, 2, 15), date(2026, 2, 15)),
        ("2025年8月24日はどこ", date(2025, 8, 24), date(2025, 8, 24)),
        ("2026年2月の研修", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026/1/18の会場は？", date(2026, 1, 18), date(2026, 1, 18)),
        ("2025-08-24はどこでしたか", date(2025, 8, 24), date(2025, 8, 24)),
        ("ECMO 2026.2.15", date(2026, 2, 15), date(2026, 2, 15)),
        ("Is there a session in February?", date(2026, 2, 1), date(2026, 2, 28)),
        ("May 3rd session", date(2026, 5, 3), date(2026, 5, 3)),
        ("来年の日程", date(2026, 1, 1), date(2026, 12, 31)),
        ("2月の回に申し込みましたが、会場はどこですか", date(2026, 2, 1), date(2026, 2, 28)),  # past, but not the question
        ("ECMO研修 6月にありましたか", date(2025, 6, 1), date(2025, 6, 30)),  # asked in the past tense: the one gone
    ],
)
def test_a_month_or_day_named_by_number_is_the_nearest_one_to_the_clock(text: str, start: date, end: date) -> None:
    window = _words().window(fold_width_and_case(text), date(2025, 12, 1))
    assert window is not None and (window.start, window.end) == (start, end)


@pytest.mark.parametrize("text", ["実務経験は60か月", "3ヶ月前", "月曜日の研修", "来年度の予定", "May I apply?"])
def test_a_length_a_weekday_a_fiscal_year_or_the_verb_may_names_no_days(text: str) -> None:
    assert _words().find(fold_width_and_case(text)) is None


@pytest.mark.parametrize(
    "text",
    ["主任研修の1/2以上出席すれば修了できますか", "難治性精神疾患研修の5/10人の枠", "ECMO研修 1/2日だけ参加できますか",
     "従事期間が5年6月の場合は？", "令和5年6月1日現在で", "10月下旬から11月上旬の主任研修の日程を教えて"],
)
def test_a_fraction_a_length_an_era_year_or_a_range_of_months_names_no_window(text: str) -> None:
    assert _words().find(fold_width_and_case(text)) is None


def test_next_years_month_is_that_month_and_a_month_asked_in_the_past_tense_is_the_one_gone() -> None:
    words, today = _words(), date(2025, 12, 1)
    march = words.window(fold_width_and_case("ECMO研修 来年3月はありますか"), today)
    june = words.window(fold_width_and_case("ECMO研修 6月にありましたか"), today)
    assert march is not None and (march.start, march.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert june is not None and (june.start, june.end) == (date(2025, 6, 1), date(2025, 6, 30))


def test_a_forgotten_day_asked_with_kke_is_no_past_tense() -> None:
    window = _words().window(fold_width_and_case("12月20日って研修ありましたっけ？"), date(2023, 6, 10))
    assert window is not None and window.start == date(2023, 12, 20)


def test_a_month_named_without_a_year_has_the_same_days_a_year_the_other_side() -> None:
    words, today = _words(), date(2023, 6, 10)
    january = words.find(fold_width_and_case("1月9日は何の科目ですか"))
    assert january is not None and january.window(today).start == date(2023, 1, 9)
    other = january.other_year(today)
    assert other is not None and (other.start, other.end) == (date(2024, 1, 9), date(2024, 1, 9))
    written = words.find(fold_width_and_case("2024年1月9日は何の科目ですか"))
    assert written is not None and written.other_year(today) is None
