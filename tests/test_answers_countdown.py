"""Questions about a day: 「あと何日」 to any dated fact, date words, 最初/最後/次, judged on the asker's clock.

The clocks are the fifth blind set's: 2023-07-10 19:30 for 難治性 and 主任 (applications closed,
on-demand viewing 22 days away), 2025-09-03 08:00 for ECMO (the Gifu day past, Tokyo next).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import JST
from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.schedule import EventKind
from bot.knowledge.time_words import Ordinal, WindowKind
from bot.i18n import gettext_for
from bot.qa import Answerer, Question
from bot.qa.facts import FactContext, fact_function
from bot.qa.query import prepare
from bot.qa.time_slots import TimeReader, TimeSlots
from bot.textfold import fold_width_and_case
from tests.helpers import ask

JULY_10_2023 = datetime(2023, 7, 10, 19, 30, tzinfo=JST)
SEPTEMBER_3_2025 = datetime(2025, 9, 3, 8, 0, tzinfo=JST)
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _slots(answerer: Answerer, text: str) -> TimeSlots:
    return prepare(Question(text=text, locale="ja", now=JULY_10_2023), answerer.index).time


# --- slots ---------------------------------------------------------------------------------------

def test_a_countdown_names_the_dated_fact_it_counts_to(answerer: Answerer) -> None:
    slots = _slots(answerer, "クロザピン研修の配信終了まであと何日ありますか")
    assert slots.countdown and slots.asks_when
    assert slots.events == {EventKind.ON_DEMAND_END}  # 配信終了, not the 配信 inside it as well


@pytest.mark.parametrize(("text", "kind"), [
    ("主任研修の決定通知まであと何日", EventKind.DECISION_NOTICE),
    ("主任研修 受講料の払込期限まであと何日？", EventKind.FEE_PAYMENT_DEADLINE),
    ("How many days until the payment deadline?", EventKind.FEE_PAYMENT_DEADLINE),
])
def test_event_words_give_the_kind_of_dated_fact(answerer: Answerer, text: str, kind: EventKind) -> None:
    assert _slots(answerer, text).events == {kind}


@pytest.mark.parametrize("text", ["主任研修の有効期限はいつまで？", "介護支援専門員証の有効期限が切れそうですが主任研修は受けられますか"])
def test_the_deadline_inside_a_validity_period_names_no_deadline(answerer: Answerer, text: str) -> None:
    assert not _slots(answerer, text).events  # 有効期限 is how long a certificate holds, not a deadline


def test_the_expiry_of_the_chief_certificate_is_the_renewal_answer(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の有効期限はいつまで？", datetime(2023, 6, 1, 9, 0, tzinfo=JST))
    assert reply.decision.entry_id == "renewal"
    assert "5年以内に主任更新研修" in reply.text


def test_a_countdown_to_something_the_documents_do_not_date_leaves_words_over(answerer: Answerer) -> None:
    slots = _slots(answerer, "修了証はあと何日で届く？")
    assert slots.countdown and not slots.events and slots.other_words


@pytest.mark.parametrize(("text", "ordinal"), [
    ("今年度最後のECMO研修はいつどこ？", Ordinal.LAST),
    ("When is the next ECMO training in Tokyo?", Ordinal.NEXT),
    ("主任研修の初日はいつ", Ordinal.FIRST),
])
def test_ordinals_are_a_slot(answerer: Answerer, text: str, ordinal: Ordinal) -> None:
    assert _slots(answerer, text).ordinal is ordinal


def test_a_date_word_is_a_slot_from_the_data(answerer: Answerer) -> None:
    slots = _slots(answerer, "今日ECMO研修ってある？")
    assert slots.date_word is not None and slots.date_word.kind is WindowKind.DAY and slots.date_word.ahead == 0


def test_the_day_s_reception_desk_is_not_the_application(answerer: Answerer) -> None:
    """受付 names the application period; 当日受付 is the desk on the training day."""
    assert _slots(answerer, "ECMO研修の当日受付はいつ？").events == {EventKind.COURSE_DAY}
    assert _slots(answerer, "主任研修の受付はいつまで？").events == {EventKind.APPLICATION_DEADLINE}


def test_what_may_stand_beside_a_date_word_in_an_is_it_on_question_is_data(answerer: Answerer) -> None:
    time_words = answerer.index.knowledge.faq.time_words
    assert "やる" in time_words.is_it_on_words
    assert _slots(answerer, "来週ECMO研修やる？").asks_whether_on
    assert not _slots(answerer, "来週ECMO研修の会場は？").asks_whether_on
    assert not _slots(answerer, "ECMO研修やる？").asks_whether_on  # no date word: not this question
    fewer = time_words.model_copy(update={"is_it_on_words": [w for w in time_words.is_it_on_words if w != "やる"]})
    reader = TimeReader(fewer, answerer.index.topic.date_words)
    text = fold_width_and_case("来週ECMO研修やる？")
    assert not reader.read(text, answerer.index.topic.of(text)).asks_whether_on


def test_the_is_it_on_words_are_validated_on_load(tmp_path: Path) -> None:
    data = Path(shutil.copytree(DATA_DIR, tmp_path / "data"))
    path = data / "faq" / "time_words.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("is_it_on_words: [研修,", "is_it_on_words: [' ',"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(data)
    (problem,) = raised.value.problems
    assert problem.startswith("data/faq/time_words.yaml:") and "is_it_on_words" in problem


def test_the_time_words_are_validated_on_load(tmp_path: Path) -> None:
    data = Path(shutil.copytree(DATA_DIR, tmp_path / "data"))
    path = data / "faq" / "time_words.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("window: week, ahead: 2", "window: fortnight, ahead: 2"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(data)
    (problem,) = raised.value.problems
    assert problem.startswith("data/faq/time_words.yaml:") and "date_words[3].window" in problem


# --- countdowns ----------------------------------------------------------------------------------

def test_a_countdown_to_the_end_of_viewing_counts_the_days_left(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の配信終了まであと何日ありますか", JULY_10_2023)
    assert reply.decision.kind == "answer"
    assert "令和6年2月29日（木）" in reply.text and "あと234日です" in reply.text
    assert "8月1日" not in reply.text  # the end was asked, not the period


def test_a_countdown_to_the_start_of_viewing(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の配信開始まであと何日？", JULY_10_2023)
    assert reply.decision.kind == "answer" and "8月1日" in reply.text and "あと22日" in reply.text


def test_a_countdown_to_the_decision_notice(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修の決定通知まであと何日", JULY_10_2023)
    assert reply.decision.kind == "answer" and "8月25日" in reply.text and "あと46日" in reply.text


def test_a_countdown_to_the_payment_deadline(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 受講料の払込期限まであと何日？", JULY_10_2023)
    assert reply.decision.kind == "answer" and "9月28日" in reply.text and "あと80日" in reply.text


def test_a_countdown_to_a_past_day_says_it_has_passed(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の配信終了まであと何日？", datetime(2024, 3, 5, 9, 0, tzinfo=JST))
    assert "令和6年2月29日（木）" in reply.text and "すでに過ぎています（5日前）" in reply.text


def test_a_countdown_to_a_day_not_yet_fixed_says_so_and_names_the_secretariat(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修のライブ配信まであと何日？", JULY_10_2023)
    assert reply.decision.kind == "answer"
    assert "１０月下旬～１１月上旬" in reply.text  # as the guide words it
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in reply.text
    assert "あと" not in reply.text  # no day is made up to count to


def test_a_countdown_to_the_training_is_to_its_next_day(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修まであと何日", SEPTEMBER_3_2025)
    assert "2025年9月14日（日）" in reply.text and "あと11日" in reply.text
    assert "8月24日" not in reply.text  # the past day is not what the wait is for


def test_a_clinical_question_counting_days_is_still_redirected(answerer: Answerer) -> None:
    assert ask(answerer, "クロザピンを飲み始めてあと何日で効く？", JULY_10_2023).decision.kind == "clinical"


def test_a_countdown_to_something_at_a_venue_city_is_not_a_session(answerer: Answerer) -> None:
    reply = ask(answerer, "東京タワーまであと何日？", SEPTEMBER_3_2025)
    assert reply.decision.kind != "answer" and "9月14日" not in reply.text


def test_a_countdown_without_a_training_asks_which(answerer: Answerer) -> None:
    assert ask(answerer, "あと何日で始まる？", JULY_10_2023).decision.kind == "ask_training"


def test_an_english_countdown(answerer: Answerer) -> None:
    reply = ask(answerer, "clozapine training: how many days until on-demand viewing ends?", JULY_10_2023,
                locale="en")
    assert reply.decision.kind == "answer" and "Thu, February 29, 2024" in reply.text and "In 234 days" in reply.text


# --- date words ----------------------------------------------------------------------------------

def test_a_date_word_with_nothing_that_day_gives_the_next_one(answerer: Answerer) -> None:
    reply = ask(answerer, "今日ECMO研修ってある？", SEPTEMBER_3_2025)
    assert reply.decision.kind == "answer"
    assert "2025年9月3日（水）" in reply.text and "ありません" in reply.text
    assert "2025年9月14日（日）" in reply.text and "あと11日" in reply.text


def test_a_date_word_with_applying_answers_whether_applications_are_open(answerer: Answerer) -> None:
    reply = ask(answerer, "今日ECT研修に申込しても大丈夫ですか？", JULY_10_2023)
    assert reply.decision.kind == "answer"
    assert "6月30日" in reply.text and "終了" in reply.text


# --- 最初 / 最後 / 次 -----------------------------------------------------------------------------

def test_the_last_session_is_stated_with_its_day_and_venue(answerer: Answerer) -> None:
    reply = ask(answerer, "今年度最後のECMO研修はいつどこ？", SEPTEMBER_3_2025)
    assert "2026年2月15日（日）" in reply.text and "京都府立医科大学" in reply.text
    assert "9月14日" not in reply.text


def test_the_last_session_within_a_date_word(answerer: Answerer) -> None:
    reply = ask(answerer, "年内最後の人工呼吸器研修はどこ？", SEPTEMBER_3_2025)
    assert "2025年12月7日（日）" in reply.text and "札幌医科大学" in reply.text
    assert "11月9日" not in reply.text


def test_the_next_session_at_a_place_in_english(answerer: Answerer) -> None:
    reply = ask(answerer, "When is the next ECMO training in Tokyo?", SEPTEMBER_3_2025, locale="en")
    assert "Sun, September 14, 2025" in reply.text and "Getinge Experience Center Tokyo" in reply.text
    assert "September 15" not in reply.text  # the next one, not both Tokyo days


def test_a_named_session_after_its_day_still_has_its_date(answerer: Answerer) -> None:
    reply = ask(answerer, "今年度最後のECMO研修はいつどこ？", datetime(2026, 3, 1, 9, 0, tzinfo=JST))
    assert "2026年2月15日（日）" in reply.text and "京都府立医科大学" in reply.text and "終了しました" in reply.text


def test_the_last_day_of_a_named_course(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 集合研修の最後の日", JULY_10_2023)
    assert "令和6年2月27日（火）" in reply.text and "10月19日" not in reply.text


# --- the next day's line -------------------------------------------------------------------------

def test_the_next_day_line_states_its_date_once(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 集合研修の日程", JULY_10_2023)
    (line,) = [line for line in reply.text.splitlines() if line.startswith("次回：")]
    assert line.count("10月19日") == 1
    assert "Dコース（集合）" in line and "バルサール神保町アネックス" in line


def test_a_start_word_is_an_event_not_the_first_of_several(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修の会場はどこですか？開始は何時？", datetime(2025, 12, 20, 9, 0, tzinfo=JST))
    assert "大垣市民病院" in reply.text and "京都府立医科大学" in reply.text  # every venue, not the first day's


def test_a_countdown_to_the_start_after_the_first_day_counts_to_the_next(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修あと何日で始まる？", datetime(2025, 12, 20, 9, 0, tzinfo=JST))
    assert "2026年1月18日（日）" in reply.text and "あと29日" in reply.text and "8月24日" not in reply.text


def test_the_day_itself_does_not_make_a_question_about_the_schedule(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMO研修当日の集合時間はいつ？", datetime(2025, 12, 20, 9, 0, tzinfo=JST))
    assert reply.decision.entry_id == "hours"


# --- how a countdown words what it lists ----------------------------------------------------------

def _countdown(edition_id: str, now: datetime, locale: str, events: frozenset[EventKind]) -> str:
    """The countdown fact as a reply shows it, for the dated facts a question named."""
    function = fact_function("countdown")
    assert function is not None
    edition = load_knowledge(DATA_DIR).edition(edition_id)
    context = FactContext(edition=edition, locale=locale, now=now, gettext=gettext_for(locale),
                          time=TimeSlots(countdown=True, events=events))
    return function(context) or ""


def test_a_countdown_keeps_how_a_deadline_is_judged() -> None:
    shown = _countdown("shunin-caremanager-r5", JULY_10_2023, "ja",
                       frozenset({EventKind.FEE_PAYMENT_DEADLINE, EventKind.APPLICATION_DEADLINE}))
    assert "申込締切：令和5年6月30日（金）（必着） すでに過ぎています" in shown
    assert "受講料の納付期限：令和5年9月28日（木）（厳守） あと80日です。" in shown


def test_a_countdown_names_courses_only_when_a_fact_is_not_for_every_course(answerer: Answerer) -> None:
    reply = ask(answerer, "clozapine training: how many days left?", JULY_10_2023, locale="en")
    assert reply.decision.entry_id == "countdown"
    assert "On-demand viewing opens: Tue, August 1, 2023 In 22 days." in reply.text
    assert "Live stream (Clozapine advanced course and ECT advanced course - intermediate (practice))" in reply.text
    assert "・" not in reply.text.replace("\n・", "\n")  # bullets only, no names glued with ・


def test_when_a_course_is_all_over_is_its_last_day_not_its_next(answerer: Answerer) -> None:
    # 「全部終わる」 asks for the course's last day (2/26), with the days left; its next day (1/29) is not it.
    reply = ask(answerer, "Cコースが全部終わるのいつ？あと何日？", datetime(2024, 1, 15, 18, 30, tzinfo=JST))
    assert "2月26日" in reply.text and "あと42日" in reply.text and "1月29日" not in reply.text
