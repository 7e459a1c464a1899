"""A curriculum subject named in a question (スーパービジョン, 医療との連携, ターミナルケア) picks its days, its
hours and its description; the days a date word names say what is taught on them."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.qa import Answerer
from bot.qa.subjects import named_subjects
from tests.helpers import JST, ask

OCTOBER_25_2023 = datetime(2023, 10, 25, 9, 0, tzinfo=JST)  # 主任研修: every course past its first day
SHUNIN = "shunin-caremanager-r5"


def _answered(answerer: Answerer, text: str, entry: str) -> str:
    reply = ask(answerer, text, OCTOBER_25_2023)
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", entry), reply.text
    return reply.text


def test_a_numbered_subject_gets_that_day_of_the_course_asked_about(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修Aコース スーパービジョン2の日にち", "schedule")
    assert "令和5年11月27日（月）" in text
    assert "11月18日" not in text and "12月5日" not in text  # the first and third days of (8)


@pytest.mark.parametrize("text", ["主任研修のCコースのスーパービジョン 1月の日程", "主任研修のスーパービジョン1月の日程",
                                  "主任研修のスーパービジョン 1日の日程", "主任研修のスーパービジョン 1時から"])
def test_a_month_day_or_hour_after_a_subject_is_no_day_number(answerer: Answerer, text: str) -> None:
    named = named_subjects(answerer.index.knowledge.editions[SHUNIN], text)
    assert named.ids and named.day_number is None


def test_a_month_after_a_subject_keeps_that_subjects_days_in_it(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修のCコースのスーパービジョン 1月の日程", "schedule")
    assert "令和6年1月9日（火）" in text  # C's January day of (8), not only its first (12月7日)


def test_a_date_word_wins_over_a_subjects_day_number(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修Aコース スーパービジョン3 来月の日程", "schedule")
    assert "令和5年11月18日（土）" in text and "令和5年11月27日（月）" in text  # the third (12月5日) is not next month


def test_a_subject_without_a_number_gets_all_its_days(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修Cコースの医療との連携の日程", "schedule")
    assert "(7) ケアマネジメントに必要な医療との連携及び多職種協働の実現" in text
    assert "地域援助技術" not in text


def test_the_days_a_date_word_names_say_what_is_taught(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修Aコースは来週何がある？", "schedule")
    assert "令和5年10月30日（月） (6) 地域援助技術（コミュニティソーシャルワーク）" in text


def test_a_subject_asked_for_its_hours_gets_its_own(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修 リスクマネジメントの科目は何時間ですか", "hours")
    assert "(5) 運営管理におけるリスクマネジメント" in text and "3時間" in text
    assert "合計" not in text  # not the curriculum's total


def test_a_subject_asked_for_its_clock_times_gets_those_of_its_days(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修のスーパービジョンは何時から何時まで？", "hours")
    assert "(8) 対人援助者監督指導（スーパービジョン）" in text and "9:30～17:15" in text


def test_a_subject_sharing_its_day_gets_its_own_part_of_it(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修のオリエンテーションは何時から", "hours")
    assert "研修オリエンテーション 9:30～9:45" in text


def test_course_contents_without_lecturers_end_without_a_bare_label(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の特別講義ってなにがある？", "course-contents")
    assert "東京都特別講義" in text and "講師" not in text  # 主任研修 names no lecturers


def test_course_contents_with_lecturers_keep_the_label(answerer: Answerer) -> None:
    text = ask(answerer, "クロザピン研修の講師は誰ですか", OCTOBER_25_2023).text
    assert "講師：\n" in text


def test_the_course_contents_list_the_subjects_and_how_each_is_taught(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の内容", "course-contents")
    assert "(3) ターミナルケア（講義、動画視聴（オンデマンド）、3時間）" in text


def test_a_subject_named_alone_is_described_in_full(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修 特別講義の内容", "course-contents")
    assert "生活困窮者自立支援制度" in text and "在宅歯科診療" in text
    assert "オンライン研修コース" not in text  # not the four courses' descriptions


@pytest.mark.parametrize(
    "text",
    ["主任介護支援専門員研修の日程", "ケアマネジメントの研修", "医療の話", "研修の日程"],
)
def test_a_common_word_or_the_trainings_own_name_names_no_subject(answerer: Answerer, text: str) -> None:
    assert named_subjects(answerer.index.knowledge.editions[SHUNIN], text).ids == frozenset()


@pytest.mark.parametrize(
    ("text", "day", "other_course_day"),
    [
        ("主任研修の集合コース、多職種協働の科目は何日ですか", "令和5年12月3日", "令和5年11月14日"),
        ("主任研修のBコースで医療との連携の科目は何日？", "令和5年11月14日", "令和5年12月3日"),
    ],
)
def test_a_subject_asked_when_gets_its_days_in_the_course_outright(
    answerer: Answerer, text: str, day: str, other_course_day: str
) -> None:
    reply = ask(answerer, text, datetime(2023, 8, 20, 14, 0, tzinfo=JST))
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "schedule"), reply.text
    assert day in reply.texts[0] and other_course_day not in reply.texts[0]


def test_a_subject_asked_when_with_another_dated_fact_named_is_not_taken_for_its_days(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 個別事例の提出期限はいつ", datetime(2023, 8, 20, 14, 0, tzinfo=JST))
    assert reply.decision.entry_id != "schedule"


@pytest.mark.parametrize("text", ["主任研修 ターミナルケアはいつ？", "主任研修 スーパービジョンを欠席したら補講はいつ？"])
def test_a_subject_without_session_days_or_asked_about_something_else_is_not_answered_with_days(
    answerer: Answerer, text: str
) -> None:
    reply = ask(answerer, text, OCTOBER_25_2023)
    assert not (reply.decision.kind == "answer" and reply.decision.entry_id == "schedule"), reply.text


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("主任研修のリスクマネジメントの科目で災害のことも扱う？", ["自然災害"]),
        ("主任研修のリスクマネジメントの科目でヒヤリハットはやりますか", ["ヒヤリハットの事例"]),
        ("主任研修の医療との連携の科目で障害者総合支援法の話も出る？", ["障害者総合支援法", "地域ケア会議"]),
        ("主任研修のスーパービジョンの演習は個人とグループ両方？", ["個人スーパービジョン", "グループスーパービジョン"]),
        ("主任研修の人材育成及び業務管理の科目でOJTも扱いますか", ["OJTとOff-JT"]),
        ("主任研修の個別事例の科目ってコーチングとか習う？", ["コーチング、ティーチング"]),
    ],
)
def test_a_subject_named_shows_what_it_covers(answerer: Answerer, text: str, facts: list[str]) -> None:
    shown = _answered(answerer, text, "course-contents")
    for fact in facts:
        assert fact in shown


def test_the_whole_curriculum_stays_one_line_a_subject(answerer: Answerer) -> None:
    text = _answered(answerer, "主任研修の内容", "course-contents")
    assert "ヒヤリハット" not in text and "自然災害" not in text  # what each covers is for a subject asked about
