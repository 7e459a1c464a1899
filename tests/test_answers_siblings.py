"""Siblings trainees mix up (issue 10): an answer carries its sibling's facts, and the calibration
counts an answer that states what was asked as right, with a lower threshold for labels it never
saw answered wrongly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from bot.qa import Answerer
from bot.qa.index import _routed_away
from bot.qa.topic_model import (
    LABEL_THRESHOLD_FLOOR, Calibration, TopicModel, _label_thresholds, answers, cover, fit_calibration, softmax,
)
from tests.helpers import JUNE_27_2023, ask

SHUNIN = "shunin-caremanager"


def test_an_absence_answer_carries_how_to_change_dates(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 遅刻したらどうなる？")
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "absence")
    assert "schedule-change" in reply.decision.also
    assert "通算離席時間が30分" in reply.text  # absence's own fact
    assert "変更が認められる理由" in reply.text  # the sibling's


def test_a_carried_sibling_the_training_has_nothing_on_is_left_out(answerer: Answerer) -> None:
    reply = ask(answerer, "クロザピン研修の提出書類")
    assert (reply.decision.kind, reply.decision.entry_id) == ("answer", "documents")
    assert "document-exemptions" not in reply.decision.also  # only 主任研修 lets documents be omitted
    assert "省略できる書類" not in reply.text


def test_coverage_is_what_an_answer_states_not_whom_it_names(answerer: Answerer) -> None:
    coverage = answerer.index.coverage
    assert "schedule-change" in coverage["absence"]  # carried
    assert "live-stream" in coverage["schedule"]  # the 難治性 schedule lists the live stream's dates
    # naming the secretariat does not answer "how do I cancel my application?"
    assert not any("correct-application" in covered for covered in coverage.values())


def test_answering_an_entry_that_covers_the_question_counts_as_right() -> None:
    coverage = {"absence": frozenset({"schedule-change"})}
    assert answers(("absence",), "schedule-change", coverage)
    assert not answers(("schedule-change",), "absence", coverage)


def test_an_answer_is_as_likely_as_every_question_it_answers() -> None:
    # The absence answer carries the rules for changing days: a question split between them is answered.
    ranked = [("absence", 0.6), ("fee", 0.1), ("schedule-change", 0.3)]
    coverage = {"absence": frozenset({"schedule-change"})}
    answer = cover(ranked, {}, coverage)
    assert answer.labels == ("absence",)
    assert round(answer.probability, 6) == 0.9 and round(answer.lead, 6) == 0.8  # over fee, the best it does not answer
    assert cover(ranked, {}).probability == 0.6  # without coverage: its own share only
    # The other way round, changing days does not carry absence: no mass is added.
    assert cover([("schedule-change", 0.6), ("absence", 0.4)], {}, {"absence": frozenset({"schedule-change"})}) \
        .probability == 0.6


def test_the_calibration_counts_what_an_answer_covers_in_its_probability() -> None:
    # Held-out scores, split 60/40 two ways. Absence on top: right whichever of the two was asked (it carries
    # changing days). Changing days on top: wrong when absence was asked. Only the covered share tells them apart.
    order = ["absence", "fee", "schedule-change"]
    absence_first = np.tile(np.array([[2.0, -5.0, 1.6]], dtype=np.float32), (100, 1))
    change_first = np.tile(np.array([[1.6, -5.0, 2.0]], dtype=np.float32), (100, 1))
    scores = np.vstack([absence_first, change_first])
    labels = ["absence", "schedule-change"] * 100
    coverage = {"absence": frozenset({"schedule-change"})}
    calibration = fit_calibration(scores, labels, order, set(order), coverage=coverage)

    def answered(row: np.ndarray) -> bool:
        p = softmax(row, calibration.temperature)
        answer = cover(sorted(zip(order, p.tolist(), strict=True), key=lambda lp: -lp[1]), {}, coverage)
        return answer.probability >= calibration.answer_probability and answer.lead >= calibration.answer_margin

    assert answered(absence_first[0]) and not answered(change_first[0])


def test_a_label_never_answered_wrongly_gets_its_own_lower_threshold() -> None:
    # held-out answers above 0.97: "fee" always right, "schedule" once wrong at 0.975
    tops = ["fee", "fee", "fee", "schedule", "schedule", "schedule"]
    p_top = np.array([0.999, 0.985, 0.975, 0.999, 0.985, 0.975])
    right = np.array([True, True, True, True, True, False])
    thresholds = dict(_label_thresholds(tops, p_top, right, 0.99))
    assert thresholds["fee"] == LABEL_THRESHOLD_FLOOR  # never wrong: down to the floor
    assert thresholds["schedule"] == 0.98  # down to just above its wrong answer
    assert "venue" not in thresholds


def test_a_saved_model_keeps_its_label_thresholds(tmp_path: Path) -> None:
    calibration = Calibration(2.0, 0.99, 0.0, (("fee", 0.97),))
    model = TopicModel(["fee", "venue"], ["c:a"], np.ones(1), np.ones((1, 2)), np.zeros(2), calibration)
    model.save(tmp_path / "m.npz")
    loaded = TopicModel.load(tmp_path / "m.npz").calibration
    assert loaded.threshold("fee") == 0.97 and loaded.threshold("venue") == 0.99


def test_a_place_alone_does_not_make_a_venue_answer(answerer: Answerer) -> None:
    # the model sees "a place" and thinks of venues; the words besides it say sightseeing
    reply = ask(answerer, "東京の観光地")
    assert reply.decision.kind in {"out_of_scope", "did_you_mean"}
    assert reply.decision.entry_id is None  # no likely answer first: no fact at all
    assert "ゲティング" not in reply.text


def test_an_anticoagulant_dose_is_clinical(answerer: Answerer) -> None:
    assert ask(answerer, "ECMO中のヘパリンは何単位で始める？").decision.kind == "clinical"


def test_the_application_form_answer_carries_how_to_send_it(answerer: Answerer) -> None:
    reply = ask(answerer, "主任研修 申込書の書き方")
    assert reply.decision.kind == "answer"
    answered = {reply.decision.entry_id, *reply.decision.also}
    assert {"application-form", "how-to-apply"} <= answered
    assert "持参又は郵送" in reply.text


def test_a_when_follow_up_means_the_last_answer_only_when_its_entry_is_dated(answerer: Answerer) -> None:
    entries = answerer.index.entries
    assert entries["application-period"].dated and not entries["contact"].dated
    after_deadline = ask(answerer, "それはいつ？", JUNE_27_2023, last_training_id="nanchisei-tokyo",
                         last_entry_id="application-period", last_asked_at=JUNE_27_2023 - timedelta(minutes=1))
    assert after_deadline.decision.entry_id == "application-period"
    after_contact = ask(answerer, "それはいつ？", JUNE_27_2023, last_training_id="nanchisei-tokyo",
                        last_entry_id="contact", last_asked_at=JUNE_27_2023 - timedelta(minutes=1))
    assert after_contact.decision.entry_id != "contact"


def test_the_calibration_leaves_out_examples_the_word_lists_decide(answerer: Answerer) -> None:
    index = answerer.index
    training = index.training
    for text in ("BLS講習の会場", "クロザピンの副作用が心配です"):  # another training; a clinical word
        assert _routed_away(index.router, index.resolver, index.topic, text)
    assert not _routed_away(index.router, index.resolver, index.topic, "ECMO研修の会場")
    guarded = [a for a, e in zip(training.allowed, training.examples, strict=True) if e.text == "BLS講習の会場"]
    assert guarded and all(a == frozenset({"clinical", "out-of-scope"}) for a in guarded)
