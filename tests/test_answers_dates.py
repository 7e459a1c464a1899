"""Dates are judged against the asker's now: open, closing in N days, closed, past, next day of a course."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.clock import JST, parse_jst
from bot.qa import Answerer
from bot.qa.date_words import Window
from tests.helpers import JUNE_20_2023, JUNE_27_2023, ask


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
    reply = ask(answerer, "クロザピン研修の申込締切", now=parse_jst(now))
    assert expected in reply.text
    assert "6月30日" in reply.text  # the date itself is always stated


def test_kenshu_now_sets_the_time_seen_by_answers(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.clock import now

    monkeypatch.setenv("KENSHU_NOW", "2023-06-27T12:00")
    assert "締切まであと3日" in ask(answerer, "クロザピン研修の申込締切", now=now()).text


def test_a_past_live_window_is_still_stated(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修のライブ配信", now=parse_jst("2024-01-10T10:00"))
    assert "下旬" in reply.text and "過ぎました" in reply.text


@pytest.mark.parametrize(
    ("now", "wording"),
    [
        (JUNE_27_2023, "受付中です。締切まであと3日です。"),
        (datetime(2023, 6, 30, 16, 0, tzinfo=JST), "本日が締切です"),
        (datetime(2023, 7, 1, 9, 0, tzinfo=JST), "受付は終了しました"),
    ],
)
def test_the_deadline_answer_is_judged_against_now(answerer: Answerer, now: datetime, wording: str) -> None:
    reply = ask(answerer, "主任ケアマネ 締切", now=now)
    assert reply.decision.entry_id == "application-period"
    assert wording in reply.text


def test_the_payment_answer_counts_down_to_the_strict_deadline(answerer: Answerer) -> None:
    before = ask(answerer, "主任研修の納付期限", now=datetime(2023, 9, 25, 9, 0, tzinfo=JST))
    after = ask(answerer, "主任研修の納付期限", now=datetime(2023, 9, 29, 9, 0, tzinfo=JST))
    assert "あと3日です" in before.text
    assert "この期限は過ぎています" in after.text


def test_a_named_course_gets_only_its_own_days_and_the_next_one(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修のAコースの日程", now=datetime(2023, 11, 1, 9, 0, tzinfo=JST))
    assert reply.decision.entry_id == "schedule"
    assert "11月9日" in reply.text  # course A's next day after 1 November
    assert "10月19日" not in reply.text  # course D's first day


def test_without_a_course_the_schedule_is_one_line_per_course(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の日程")
    for course in ("Aコース", "Bコース", "Cコース", "Dコース"):
        assert course in reply.text


def test_english_dates_spell_the_month_out_before_the_day(answerer: Answerer) -> None:
    reply = ask(answerer, "clozapine training: until when can I apply?", JUNE_20_2023, locale="en")
    # One year per range, at its end, as English readers write it.
    assert "Mon, May 15 – Fri, June 30, 2023" in reply.text
    assert "30 June" not in reply.text


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("今日研修ある？", date(2025, 11, 20), date(2025, 11, 20)),
        ("あしたは何時から", date(2025, 11, 21), date(2025, 11, 21)),
        ("明後日", date(2025, 11, 22), date(2025, 11, 22)),
        ("今週の開催", date(2025, 11, 17), date(2025, 11, 23)),  # the whole week: its past days are stated as held
        ("来週ecmo研修ある？", date(2025, 11, 24), date(2025, 11, 30)),
        ("今月の日程", date(2025, 11, 1), date(2025, 11, 30)),  # 「今月あった？」 asks about its first days too
        ("らいげつのけんしゅう", date(2025, 12, 1), date(2025, 12, 31)),
        ("再来月", date(2026, 1, 1), date(2026, 1, 31)),
        ("年明けの開催日は？", date(2026, 1, 1), date(2026, 1, 31)),
        ("any session next week?", date(2025, 11, 24), date(2025, 11, 30)),
    ],
)
def test_date_words_are_windows_on_the_clock(answerer: Answerer, text: str, start: date, end: date) -> None:
    assert _window(answerer, text, date(2025, 11, 20)) == Window(start, end)


def test_new_year_asked_in_january_is_what_is_left_of_this_january(answerer: Answerer) -> None:
    assert _window(answerer, "年明けの研修は？", date(2026, 1, 5)) == Window(date(2026, 1, 5), date(2026, 1, 31))
    assert _window(answerer, "来年1月の研修は？", date(2026, 1, 5)) == Window(date(2027, 1, 1), date(2027, 1, 31))


@pytest.mark.parametrize("text", ["きょうとの日程", "情報ていきょうは", "研修の日程", "きょうかいの研修"])
def test_no_date_word_no_window(answerer: Answerer, text: str) -> None:
    assert _window(answerer, text, date(2025, 11, 20)) is None


def _window(answerer: Answerer, text: str, today: date) -> Window | None:
    """The days the date word of ``text`` names, as the engine reads it (the words are in data/)."""
    return answerer.index.topic.date_words.window(text, today)


def test_the_schedule_keeps_the_days_a_date_word_names(answerer: Answerer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.clock import now

    monkeypatch.setenv("KENSHU_NOW", "2025-11-20T14:00")
    reply = ask(answerer, "ECMO研修 来月の日程は？", now=now())
    assert reply.decision.entry_id == "schedule"
    assert "2025年12月1日（月）～12月31日（水）の研修日" in reply.text
    assert "12月7日" in reply.text and "札幌医科大学" in reply.text
    assert "1月18日" not in reply.text.split("\n\n")[0]  # January's day is not next month's


def test_a_date_word_with_no_session_says_so_and_gives_the_next(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修 今週の開催日は？", now=datetime(2025, 11, 20, 14, 0, tzinfo=JST))
    assert "研修日はありません" in reply.text
    assert "12月7日" in reply.text and "あと17日" in reply.text


def test_how_many_days_to_the_next_session_is_counted_on_the_clock(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修 次の研修まであと何日？", now=datetime(2025, 11, 20, 14, 0, tzinfo=JST))
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "schedule")
    assert "あと17日" in reply.text


def test_the_next_session_states_its_date_once(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修の日程", now=parse_jst("2025-09-03T08:00"))
    next_line = next(line for line in reply.text.splitlines() if line.startswith("次回"))
    assert next_line.count("2025年9月14日") == 1, next_line
    assert "関東地方（東京都）" in next_line


def test_days_of_several_courses_in_a_date_word_are_in_order_and_say_whose(answerer: Answerer) -> None:
    reply = ask(answerer, "主任ケアマネ研修 来月の日程は？", now=datetime(2023, 9, 20, 9, 0, tzinfo=JST))
    lines = [line for line in reply.text.splitlines() if "10月" in line and "コース" in line]
    assert len(lines) >= 4, reply.text
    assert lines[0].startswith("Aコース") and "：令和5年10月11日" in lines[0], reply.text
    days = [int(line.split("10月")[1].split("日")[0]) for line in lines]
    assert days == sorted(days), reply.text


def test_this_month_asked_after_its_day_states_the_day_held_and_the_next(answerer: Answerer) -> None:
    reply = ask(answerer, "今月ECMO研修あった？", datetime(2025, 12, 20, 9, 0, tzinfo=JST))
    assert "2025年12月7日（日） 札幌医科大学 終了しました" in reply.text
    assert "その次の研修日" in reply.text and "2026年1月18日（日）" in reply.text


@pytest.mark.parametrize("text", ["今週のECMO研修", "来週のクロザピン研修", "今月の主任研修", "今日ECMO研修ってある？"])
def test_a_date_word_and_a_training_alone_ask_what_is_on_then(answerer: Answerer, text: str) -> None:
    reply = ask(answerer, text, datetime(2025, 12, 20, 9, 0, tzinfo=JST))
    assert reply.decision.kind == "answer" and reply.decision.entry_id == "schedule"


def test_a_date_word_beside_a_training_does_not_make_small_talk_an_answer(answerer: Answerer) -> None:
    assert ask(answerer, "ECMO研修 明日の天気は").decision.kind == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "now"),
    [
        ("3月末で退職予定ですが主任研修を受講できますか", "2023-06-20T09:00"),
        ("主任研修で4月に異動しましたが推薦書は誰が書きますか", "2023-08-20T14:00"),
        ("主任研修は今年受講できますか", "2023-06-20T09:00"),
    ],
)
def test_a_month_or_year_in_a_statement_is_not_answered_with_that_months_dates(
    answerer: Answerer, text: str, now: str
) -> None:
    reply = ask(answerer, text, now=parse_jst(now))
    assert reply.decision.entry_id != "countdown", reply.text


def test_a_window_after_the_documents_last_day_says_nothing_is_announced_yet(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修、3月にもありますか", now=parse_jst("2026-01-10T10:00"))
    assert "2026年3月1日" in reply.text and "まだ案内されていません" in reply.text
    assert "研修日はありません" not in reply.text


@pytest.mark.parametrize(
    ("text", "now", "shown"),
    [("9月15日の祝日もECMO研修ありますか", "2025-09-01T10:00", "2025年9月15日"),
     ("12月20日って主任研修ありましたっけ？", "2023-06-10T10:00", "12月20日")],
)
def test_a_holiday_or_a_half_remembered_day_asked_whether_on_gets_that_days_sessions(
    answerer: Answerer, text: str, now: str, shown: str
) -> None:
    reply = ask(answerer, text, now=parse_jst(now))
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "schedule") and shown in reply.text


def test_a_day_named_without_a_year_is_the_programmes_when_only_that_year_holds_a_session(
    answerer: Answerer,
) -> None:
    reply = ask(answerer, "主任研修Cコースの1月9日は何の科目ですか", now=parse_jst("2023-06-10T10:00"))
    assert "令和6年1月9日" in reply.text and "スーパービジョン" in reply.text


@pytest.mark.parametrize(
    ("text", "shown", "hidden"),
    [("主任研修Aコースで土曜日の研修日はいつですか", "令和5年11月18日（土）", "（日）"),
     ("主任研修で日曜日に開催される研修日はありますか", "令和5年12月3日（日）", "（土）"),
     ("主任研修Cコースは日曜始まりですか？", "令和5年10月15日（日）", "Dコース")],
)
def test_a_weekday_asked_about_gets_the_session_days_on_it(answerer: Answerer, text: str, shown: str,
                                                           hidden: str) -> None:
    reply = ask(answerer, text, now=parse_jst("2023-06-10T10:00"))
    assert reply.decision.entry_id == "schedule" and shown in reply.text and hidden not in reply.text


@pytest.mark.parametrize(
    ("text", "now", "shown", "hidden"),
    [("ECMOの次の日曜日の研修は？", "2025-09-01T10:00", "2025年9月14日", "2025年10月19日"),
     ("Aコースの最後の土曜日は？主任研修", "2023-11-20T10:00", "令和6年1月20日", "令和6年1月13日")],
)
def test_a_weekday_with_next_or_last_is_one_day(answerer: Answerer, text: str, now: str, shown: str,
                                               hidden: str) -> None:
    reply = ask(answerer, text, now=parse_jst(now))
    assert shown in reply.text and hidden not in reply.text


def test_one_day_of_a_training_with_several_courses_names_its_course(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の12月7日に研修があるのはどのコース？", now=parse_jst("2023-11-20T10:00"))
    assert "Cコース" in reply.text
