"""Clinical questions are never answered: the consultation desk and the doctor in charge instead."""

from __future__ import annotations

import pytest

from bot.clock import now
from bot.qa import Answerer
from bot.qa.routing import Route
from tests.helpers import JUNE_20_2023, ask


@pytest.mark.parametrize(
    "text",
    ["クロザピンの副作用は？", "ECTは何回受ければいいですか", "母がECTを受けます。記憶障害は大丈夫？",
     "What are the side effects of clozapine?", "人工呼吸器のPEEPの設定値"],
)
def test_clinical_questions_are_redirected_never_answered(answerer: Answerer, text: str) -> None:
    reply = ask(answerer, text)
    assert reply.decision.kind == "clinical" and reply.decision.entry_id is None


def test_the_redirect_names_the_consultation_desk_from_the_documents(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピンの副作用")
    assert "難治性精神疾患相談窓口" in reply.text and "主治医" in reply.text


def test_a_clinical_question_points_to_the_consultation_desk(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピンの副作用が心配です")
    assert reply.decision.kind == "clinical"
    assert "難治性精神疾患相談窓口" in reply.text


@pytest.mark.parametrize("text", ["クロザピンって最大何mgまで？", "ECTの前の薬 何錠までいい？"])
def test_a_dose_question_in_milligrams_or_tablets_is_redirected(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text, JUNE_20_2023).decision.kind == "clinical"


def test_a_care_question_about_a_client_is_redirected(answerer: Answerer) -> None:
    assert ask(answerer, "主任研修 利用者の褥瘡の処置はどうすれば").decision.kind == "clinical"


def test_a_question_about_blood_tests_for_a_patient_is_clinical_but_one_about_the_course_is_not(
    answerer: Answerer,
) -> None:
    assert ask(answerer, "クロザピン 採血って何週ごと？", now()).decision.kind == "clinical"
    assert ask(answerer, "クロザピン研修の採血の講義はありますか", now()).decision.kind != "clinical"


@pytest.mark.parametrize("text", ["副作用の管理についての講義はある？", "is there a lecture on side effects"])
def test_side_effects_as_a_lecture_topic_are_a_course_question(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text, JUNE_20_2023).decision.kind != "clinical"


@pytest.mark.parametrize("text", ["クロザピンの副作用が出たらどうすれば", "Does ECT have side effects?",
                                  "研修で習った副作用、うちの患者さんに出てるかも"])
def test_side_effects_of_a_treatment_are_still_redirected(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text, JUNE_20_2023).decision.kind == "clinical"


@pytest.mark.parametrize("text", ["ECMOの適応は？", "脱血カニューレのサイズ", "Which drainage cannula size for VV ECMO?",
                                  "What's the target SpO2 for a patient on VV-ECMO?",
                                  "Can clozapine be combined with lithium?",
                                  "Can clozapine be restarted after myocarditis?"])
def test_indications_and_devices_in_a_patient_are_clinical_by_the_word_lists(answerer: Answerer, text: str) -> None:
    assert answerer.is_surely_clinical(text)
    assert ask(answerer, text).decision.kind == "clinical"


def test_a_lecture_about_indications_is_a_course_question(answerer: Answerer) -> None:
    assert not answerer.is_surely_clinical("ECT中級の講義で適応判断は学べますか")


@pytest.mark.parametrize("text", ["いま人工呼吸器のアラームが鳴りやまない、どうしたら", "ECMOのアラームが鳴ってます",
                                  "The ventilator alarm keeps going off, what do I do?", "患者が急変した"])
def test_a_device_alarming_at_the_bedside_is_redirected(answerer: Answerer, text: str) -> None:
    assert ask(answerer, text, JUNE_20_2023).decision.kind == "clinical"


def test_a_lecture_about_alarms_is_a_course_question(answerer: Answerer) -> None:
    assert ask(answerer, "人工呼吸器研修でアラーム対応の講義はありますか", JUNE_20_2023).decision.kind != "clinical"


@pytest.mark.parametrize("text", ["Can the ECMO course be combined with the ventilator course?",
                                  "ECMO研修でSpO2の管理は習いますか", "リチウムの講義はある？",
                                  "Training for nurses caring for a patient on ECMO?",
                                  "How many sessions are there in Tokyo?"])
def test_courses_combined_or_a_patient_number_as_a_lecture_topic_are_course_questions(
    answerer: Answerer, text: str
) -> None:
    assert not answerer.is_surely_clinical(text)


def test_a_clinical_sounding_question_about_the_course_is_offered_choices_not_called_out_of_scope(
    answerer: Answerer,
) -> None:
    reply = ask(answerer, "Can the ventilator course be combined with the ECMO course?", locale="en")
    assert reply.decision.kind == "did_you_mean"


def test_a_medicine_in_pregnancy_asked_in_english_is_clinical(answerer: Answerer) -> None:
    # The router's word list catches it, whatever the model learnt ("safe during pregnancy" was an example).
    assert answerer.index.router.route("is clozapine safe during pregnancy?") is Route.CLINICAL


def test_a_white_cell_count_asked_in_english_is_clinical(answerer: Answerer) -> None:
    assert answerer.index.router.route("should i stop clozapine if the wbc count drops?") is Route.CLINICAL


@pytest.mark.parametrize("text", ["子どもが熱を出したら日程変更できますか", "I'm pregnant. Can I attend the training?",
                                  "Is there a lecture on blood count monitoring?"])
def test_a_fever_pregnancy_or_blood_count_beside_the_course_is_no_clinical_question(
        answerer: Answerer, text: str) -> None:
    assert ask(answerer, text).decision.kind != "clinical"


def test_a_family_member_in_hospital_beside_an_absence_is_about_the_course(answerer: Answerer) -> None:
    # 家族が and 入院 are clinical words away from the course; 欠席 speaks of the course.
    assert answerer.index.router.route("家族が入院したので欠席します") is not Route.CLINICAL
