"""Which training a question is about: named > this conversation's > enrolment > subscription, else ask
with a button per training whose documents answer it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.qa import Answerer
from bot.qa.features import PLACE_TOKEN
from bot.qa.subjects import named_subjects
from bot.qa.training_resolution import TrainingResolver
from tests.helpers import AUGUST_5_2025, JST, JUNE_20_2023, JUNE_27_2023, ask

SHUNIN = "shunin-caremanager"


def test_a_named_training_beats_enrolment_subscription_and_memory(answerer: Answerer) -> None:
    reply = ask(answerer, "ECMOの申込締切", linked_edition_ids=("nanchisei-tokyo-r5",),
                subscribed_training_ids=("nanchisei-tokyo",), last_training_id="nanchisei-tokyo")
    assert reply.decision.training_id == "ecmo-ventilator"


def test_the_conversation_going_on_beats_enrolment_and_subscription(answerer: Answerer) -> None:
    reply = ask(answerer, "申込締切", linked_edition_ids=("ecmo-ventilator-r7",),
                subscribed_training_ids=("shunin-caremanager",), last_training_id="nanchisei-tokyo",
                last_asked_at=JUNE_27_2023 - timedelta(minutes=5))
    assert reply.decision.training_id == "nanchisei-tokyo"


def test_a_conversation_over_half_an_hour_old_gives_way_to_enrolment(answerer: Answerer) -> None:
    reply = ask(answerer, "申込締切", linked_edition_ids=("nanchisei-tokyo-r5",),
                subscribed_training_ids=(SHUNIN,), last_training_id=SHUNIN,
                last_asked_at=JUNE_27_2023 - timedelta(minutes=31))
    assert reply.decision.training_id == "nanchisei-tokyo"


def test_enrolment_beats_subscription(answerer: Answerer) -> None:
    reply = ask(answerer, "申込締切", linked_edition_ids=("nanchisei-tokyo-r5",), subscribed_training_ids=(SHUNIN,))
    assert reply.decision.training_id == "nanchisei-tokyo"


def test_subscription_is_used_when_nothing_stronger_is_known(answerer: Answerer) -> None:
    assert ask(answerer, "修了証", subscribed_training_ids=("nanchisei-tokyo",)).decision.training_id \
        == "nanchisei-tokyo"


def test_an_unknown_training_is_asked_with_a_button_per_training_that_has_the_answer(answerer: Answerer) -> None:
    reply = ask(answerer, "修了証")
    assert reply.decision.kind == "ask_training"
    # The ECMO guide says nothing about a certificate: that training is no candidate.
    assert set(reply.decision.candidates) == {"nanchisei-tokyo", SHUNIN}
    assert all(choice.text.endswith("修了証") for choice in reply.choices)
    tapped = ask(answerer, reply.choices[0].text)
    assert tapped.decision.kind == "answer" and tapped.decision.entry_id == "certificate"


def test_two_subscriptions_get_a_short_answer_for_both_unless_the_conversation_agrees(answerer: Answerer) -> None:
    both = ("nanchisei-tokyo", SHUNIN)
    reply = ask(answerer, "申込締切", subscribed_training_ids=both)
    assert (reply.decision.kind, reply.decision.training_id) == ("answer", None)
    assert "難治性精神疾患研修" in reply.text and "主任ケアマネ研修" in reply.text
    agreed = ask(answerer, "申込締切", subscribed_training_ids=both, last_training_id=SHUNIN)
    assert agreed.decision.training_id == SHUNIN


def test_two_subscriptions_and_a_long_answer_ask_which_one(answerer: Answerer) -> None:
    reply = ask(answerer, "受講対象を教えてください", subscribed_training_ids=("nanchisei-tokyo", SHUNIN))
    assert reply.decision.kind == "ask_training"
    assert set(reply.decision.candidates) == {"nanchisei-tokyo", SHUNIN}


def test_two_subscriptions_neither_of_whose_guides_holds_the_topic_ask_as_from_anyone(answerer: Answerer) -> None:
    # Only 主任's guide speaks of refunds; a trainee of the other two may be asking about 主任's.
    reply = ask(answerer, "返金はありますか", subscribed_training_ids=("nanchisei-tokyo", "ecmo-ventilator"))
    assert (reply.decision.kind, reply.decision.entry_id) == ("ask_training", "refund")
    assert "研修以外" not in reply.text
    # One training's own entry is asked too: 主任's 推薦要件 would read as the asker's own.
    own = ask(answerer, "推薦書は必要ですか", subscribed_training_ids=("nanchisei-tokyo", "ecmo-ventilator"))
    assert (own.decision.kind, own.decision.entry_id) == ("ask_training", "requirement-recommendation")


def test_a_question_without_a_training_asks_which_one_with_a_button_each(answerer: Answerer) -> None:
    reply = ask(answerer, "受講対象を教えてください")
    buttons = [choice.text for choice in reply.choices]
    assert reply.decision.kind == "ask_training"
    assert len(buttons) == 3
    assert any("主任ケアマネ研修" in b for b in buttons)


def test_nobody_s_training_known_and_only_some_guides_answering_asks_instead_of_answering_those(
        answerer: Answerer) -> None:
    # Two guides give a deadline, ECMO's none: two deadlines would read as the answer to an ECMO trainee.
    reply = ask(answerer, "申込締切")
    assert reply.decision.kind == "ask_training"
    assert set(reply.decision.candidates) == {"nanchisei-tokyo", SHUNIN}


def test_a_question_anyone_may_ask_that_one_guide_answers_asks_with_every_training(answerer: Answerer) -> None:
    # Only 主任's guide says what absence means, but anyone may ask: no training is picked silently.
    reply = ask(answerer, "研修を休んだらどうなりますか")
    assert (reply.decision.kind, reply.decision.entry_id) == ("ask_training", "absence")
    assert set(reply.decision.candidates) == {"nanchisei-tokyo", SHUNIN, "ecmo-ventilator"}
    ecmo = next(choice.text for choice in reply.choices if choice.text.startswith("ECMO"))
    tapped = ask(answerer, ecmo)
    assert tapped.decision.training_id == "ecmo-ventilator" and "事務局" in tapped.text


def test_a_question_only_one_training_can_mean_is_answered_for_it(answerer: Answerer) -> None:
    reply = ask(answerer, "区市町村の推薦は必要ですか")
    assert (reply.decision.kind, reply.decision.training_id) == ("answer", SHUNIN)


def test_a_question_about_a_team_is_the_ecmo_training_s_whoever_asks(answerer: Answerer) -> None:
    # Only ECMO's trainees apply as a team.
    reply = ask(answerer, "臨床工学技士がいないチームでも応募できる？")
    assert (reply.decision.kind, reply.decision.entry_id, reply.decision.training_id) == (
        "answer", "team", "ecmo-ventilator")


@pytest.mark.parametrize(
    "text",
    ["しゅにんけあまね 会場", "ｼｭﾆﾝｹｱﾏﾈ 会場", "主任介護支援専門員研修の会場", "chief care manager training venue"],
)
def test_the_training_is_found_however_its_name_is_typed(answerer: Answerer, text: str) -> None:
    reply = ask(answerer, text)
    assert (reply.decision.entry_id, reply.decision.training_id) == ("venue", SHUNIN)


def test_a_training_name_with_a_common_wrong_kanji_is_recognised(answerer: Answerer) -> None:
    # 人口呼吸器 (人口, population) for 人工呼吸器: the whole name is the training's, no 人口 left in the topic.
    text = "人口呼吸器研修　広島　いつ"
    assert answerer.index.topic.of(text, "ecmo-ventilator") == f"{PLACE_TOKEN} いつ"
    reply = ask(answerer, text, AUGUST_5_2025)
    assert (reply.decision.kind, reply.decision.training_id) == ("answer", "ecmo-ventilator")
    assert "2025年11月9日" in reply.text


def test_a_training_named_in_hiragana_is_recognised(answerer: Answerer) -> None:
    reply = ask(answerer, "しゅにん研修の受講料はいくら", JUNE_20_2023)
    assert reply.decision.kind == "answer" and reply.decision.training_id == SHUNIN


def test_a_hiragana_word_is_not_mistaken_for_a_short_training_name(answerer: Answerer) -> None:
    reply = ask(answerer, "なんじから始まりますか")  # 何時, not 難治
    assert reply.decision.training_id is None


def test_the_word_training_typed_in_kana_is_ignored_like_the_kanji(answerer: Answerer) -> None:
    reply = ask(answerer, "くろざぴん けんしゅう しめきり", JUNE_20_2023)
    assert reply.decision.entry_id == "application-period"
    assert "6月30日" in reply.text


def test_the_same_words_from_askers_with_different_trainings_are_each_read_for_their_own(answerer: Answerer) -> None:
    # The engine keeps the readings of recent texts; what the asker is known to follow is part of each.
    for _ in range(2):
        assert ask(answerer, "申込締切", linked_edition_ids=("nanchisei-tokyo-r5",)).decision.training_id \
            == "nanchisei-tokyo"
        assert ask(answerer, "申込締切", subscribed_training_ids=(SHUNIN,)).decision.training_id == SHUNIN
        assert ask(answerer, "申込締切", linked_edition_ids=("nanchisei-tokyo-r5",), last_training_id=SHUNIN,
                   last_asked_at=JUNE_27_2023 - timedelta(minutes=5)).decision.training_id == SHUNIN
        assert ask(answerer, "申込締切", linked_edition_ids=("nanchisei-tokyo-r5",), last_training_id=SHUNIN,
                   last_asked_at=JUNE_27_2023 - timedelta(minutes=31)).decision.training_id == "nanchisei-tokyo"


def test_a_course_only_one_training_has_names_that_training(answerer: Answerer) -> None:
    resolver = answerer.index.resolver
    for text in ("Cコースの最終日いつ？", "集合研修の会場の最寄り駅は", "ｼｭｳｺﾞｳｹﾝｼｭｳの定員", "オンラインコースで使うツールは？"):
        resolution = resolver.resolve(text, (), (), None)
        assert (resolution.training_id, resolution.source) == (SHUNIN, "course"), text
        assert resolution.course_ids, text
    # 会場 is every training's word, and a course letter alone is an English word: neither names one.
    for text in ("会場はどこ？", "かいじょうはどこ", "Is there a course for beginners?", "b"):
        assert resolver.resolve(text, (), (), None).source == "none", text


def test_a_course_name_two_trainings_share_names_neither(answerer: Answerer) -> None:
    knowledge = answerer.index.knowledge
    names = dict(knowledge.training_names)
    ecmo = names["ecmo-ventilator"]
    names["ecmo-ventilator"] = ecmo.model_copy(update={"course_aliases": {"ecmo-ventilator-r7-ecmo": ["集合研修"]}})
    resolver = TrainingResolver(knowledge, names, answerer.index.featuriser.reading)
    assert resolver.resolve("集合研修の定員", (), (), None).source == "none"
    assert resolver.resolve("Cコースの定員", (), (), None).training_id == SHUNIN


def test_a_question_naming_only_a_course_is_answered_for_its_training(answerer: Answerer) -> None:
    reply = ask(answerer, "Bコースの動画視聴期間は？", now=JUNE_20_2023)
    assert (reply.decision.kind, reply.decision.entry_id, reply.decision.training_id) == \
        ("answer", "on-demand", SHUNIN)
    assert "Bコース" in reply.text and "10月13日" in reply.text
    # A course in the text beats the conversation's training, which has no such course.
    assert ask(answerer, "Cコースの日程", last_training_id="nanchisei-tokyo").decision.training_id == SHUNIN


def test_a_course_word_of_another_training_does_not_override_the_askers_enrolment(answerer: Answerer) -> None:
    resolver = answerer.index.resolver
    for text in ("集合研修の会場はどこ？", "Bコースの日程", "オンラインコースの視聴期間は？"):
        resolution = resolver.resolve(text, ("ecmo-ventilator-r7",), (), None)
        assert (resolution.training_id, resolution.source) == ("ecmo-ventilator", "enrolment"), text
    # Enrolled in the training the course belongs to, the course is still read as that course.
    resolution = resolver.resolve("Bコースの日程", ("shunin-caremanager-r5",), (), None)
    assert (resolution.training_id, resolution.source) == (SHUNIN, "course")


def test_a_course_of_our_own_training_is_not_taken_for_another_training(answerer: Answerer) -> None:
    reply = ask(answerer, "集合研修コースの動画公開期間はいつまで？", datetime(2023, 8, 20, 14, 0, tzinfo=JST))
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "on-demand"), reply.text


def test_a_subject_only_one_training_teaches_names_that_training(answerer: Answerer) -> None:
    # スーパービジョン is a subject of 主任's curriculum alone: asking its hours asks 主任's.
    reply = ask(answerer, "スーパービジョンの科目は何時間？")
    assert (reply.decision.kind, reply.decision.entry_id, reply.decision.training_id) == ("answer", "hours", SHUNIN)


def test_a_phrase_inside_a_subject_title_names_no_subject(answerer: Answerer) -> None:
    # 「に必要な」 is a piece of 「ケアマネジメントに必要な医療との連携…」, not a subject.
    edition = answerer.index.knowledge.editions_of(SHUNIN)[-1]
    assert named_subjects(edition, "オンラインで受けるのに必要なPCのspecは？").ids == frozenset()
    assert ask(answerer, "オンラインで受けるのに必要なPCのspecは？").decision.training_id != SHUNIN


def test_a_subscriber_asking_of_a_topic_a_subject_title_holds_means_the_training_subscribed(
        answerer: Answerer) -> None:
    # Only 主任 has a curriculum; 「特別講義」 is in one of its titles, but an ECMO subscriber means ECMO.
    reply = ask(answerer, "特別講義はありますか", datetime(2025, 8, 1, 10, tzinfo=JST),
                subscribed_training_ids=("ecmo-ventilator",))
    assert reply.decision.training_id == "ecmo-ventilator"
