"""主任研修 questions the guide answers beyond the pointer: who may take the chief renewal training
(別紙5: how much of 主任の有効期間 must remain, the practice and training-attendance rules, the COVID
rule), what happens when one's chief status runs out during the training, and where the graduate
list and the final-day summary go. Asserted on what the trainee reads."""

from __future__ import annotations

import pytest

from bot.qa import Answerer
from tests.helpers import ask


def _answered(answerer: Answerer, text: str, entry: str, locale: str = "ja") -> str:
    reply = ask(answerer, text, locale=locale)
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", entry), reply.text
    return reply.text


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("主任更新研修の受講要件で研修の参加回数は何回必要？", ["毎年度4回以上", "年平均4回以上"]),
        ("主任更新研修は主任の有効期間が残りどれくらいで受けられる？", ["おおむね2年以内に満了"]),
        ("地域ケア会議に事例提供者として出ただけでも主任更新研修の実践要件になる？",
         ["地域ケア会議に参画", "事例提供者や傍聴者としての参加は参画に当たりません"]),
        ("コロナで令和2年度の参加が1回しかない、主任更新研修は大丈夫？", ["令和元年度は2回以上", "令和2年度は1回以上"]),
        ("主任更新研修の要件を全部教えてください", ["ア 勤務・推薦", "イ 実践要件", "ウ 資質向上要件"]),
    ],
)
def test_the_renewal_training_requirements_are_given_with_their_numbers(
    answerer: Answerer, text: str, facts: list[str]
) -> None:
    shown = _answered(answerer, text, "renewal-requirements")
    for fact in facts:
        assert fact in shown


def test_the_renewal_training_requirements_in_english(answerer: Answerer) -> None:
    shown = _answered(answerer, "How many trainings a year do I need for the chief renewal training?",
                      "renewal-requirements", locale="en")
    assert "at least 4 a year" in shown and "1 or more in FY2020" in shown


def test_chief_status_running_out_during_the_training_may_apply_anew(answerer: Answerer) -> None:
    shown = _answered(answerer, "主任の有効期間が研修中に切れる場合は主任研修に申し込める？", "renewal")
    assert "新規の主任介護支援専門員研修（本研修）の受講申し込みが可能です" in shown
    assert "直近の主任研修または主任更新研修修了証の写し" in shown
    assert "5年以内" in shown  # still the renewal rule itself


@pytest.mark.parametrize("text", ["主任研修の研修のまとめは誰に提供されますか", "主任研修の修了者名簿ってどこに渡るの"])
def test_the_graduate_list_and_final_summary_say_where_they_go(answerer: Answerer, text: str) -> None:
    shown = _answered(answerer, text, "graduate-register")
    assert "都内の区市町村に提供します" in shown and "推薦区市町村に提供します" in shown
