"""The review loop: unsure questions are logged, reviewed in groups, assigned to an entry, and then answered."""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import yaml
from flask import Flask
from sqlalchemy import select

from bot.db.tables import AskedQuestion, AuditEntry
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.secretariat import questions
from bot.secretariat.audit import Actor
from bot.services import Services
from tests.helpers import JUNE_27_2023, run_cli

QUESTION = "ECT研修 受講票は届きますか"


def test_an_assigned_question_is_answered_outright_after_retraining(review_app: Flask, fake_line: FakeLine,
                                                                    own_data: Path, monkeypatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    line = LocalLine(review_app, fake_line)
    line.say("U" + "a" * 32, QUESTION)
    line.say("U" + "b" * 32, "ECT研修 受講票はメールで届く？")
    with Services.of(review_app).db.session() as session:
        asked = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id)).all()
        assert [q.kind for q in asked] == ["did_you_mean", "did_you_mean"]
        first_id = asked[0].id

    listing = run_cli(review_app, "questions", "review")
    assert re.search(rf"#{first_id} {QUESTION}", listing)
    assert "（2件）" in listing  # the two ways of asking are one group

    assigned = run_cli(review_app, "questions", "assign", str(first_id), "login-details")
    assert "login-details" in assigned and "answer" in assigned
    examples = yaml.safe_load((own_data / "faq" / "examples" / "reviewed.yaml").read_text(encoding="utf-8"))
    assert QUESTION in examples["examples"]["login-details"]

    reply = line.say("U" + "c" * 32, QUESTION)
    assert "ID" in reply[0]["text"] and "ご質問と違う場合" not in reply[0]["text"]
    with Services.of(review_app).db.session() as session:
        last = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id.desc())).first()
        assert (last.kind, last.entry_id) == ("answer", "login-details")
    assert "#" + str(first_id) not in run_cli(review_app, "questions", "review")  # assigned: off the queue


def test_the_choice_tapped_after_did_you_mean_is_recorded(review_app: Flask, fake_line: FakeLine,
                                                          monkeypatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    line = LocalLine(review_app, fake_line)
    user = "U" + "d" * 32
    messages = line.say(user, "ECTの視聴")  # the on-demand period or the login details
    items = messages[-1]["quickReply"]["items"]
    on_demand = next(item for item in items if "オンデマンド" in item["action"]["label"])
    line.say(user, on_demand["action"]["text"])
    with Services.of(review_app).db.session() as session:
        first = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id)).first()
        assert (first.kind, first.tapped, first.topic) == ("did_you_mean", "on-demand", "on-demand")
    assert "選ばれた選択肢 on-demand" in run_cli(review_app, "questions", "review")


def test_assigning_to_an_unknown_entry_is_refused(review_app: Flask) -> None:
    result = review_app.test_cli_runner().invoke(args=["questions", "assign", "1", "no-such-entry"])
    assert result.exit_code == 1
    assert "no-such-entry" in result.output


def test_a_question_marked_handled_leaves_the_queue_and_says_who_did_it(review_app: Flask, fake_line: FakeLine,
                                                                       monkeypatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    LocalLine(review_app, fake_line).say("U" + "e" * 32, QUESTION)
    with Services.of(review_app).db.session() as session:
        question_id = session.scalars(select(AskedQuestion.id)).one()

    assert f"#{question_id}" in run_cli(review_app, "questions", "handle", str(question_id))

    assert "#" + str(question_id) not in run_cli(review_app, "questions", "review")
    with Services.of(review_app).db.session() as session:
        row = session.get(AskedQuestion, question_id)
        assert row.handled_by is not None and row.handled_by.startswith("cli:") and row.assigned_entry_id is None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "question_review")).one()
        assert (entry.target, entry.detail) == (f"question #{question_id}", "handled")
        assert QUESTION not in str(vars(entry))  # the trainee's words stay out of the audit log
    again = review_app.test_cli_runner().invoke(args=["questions", "handle", str(question_id)])
    assert again.exit_code == 1 and f"#{question_id}" in again.output


def test_two_clerks_assigning_one_question_at_once_add_it_under_one_entry_only(
        review_app: Flask, fake_line: FakeLine, own_data: Path, monkeypatch) -> None:
    """The first clerk's assignment is still writing the example when the second one's arrives."""
    monkeypatch.setenv("KENSHU_NOW", JUNE_27_2023.isoformat())
    LocalLine(review_app, fake_line).say("U" + "f" * 32, QUESTION)
    services = Services.of(review_app)
    with services.db.session() as session:
        question_id = session.scalars(select(AskedQuestion.id)).one()
    monkeypatch.setattr(services, "reload_answering", lambda: None)
    writing = questions.add_example
    both_writing = threading.Barrier(2)

    def slow_example(data_dir: Path, entry_id: str, text: str) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):  # alone: the other clerk was refused
            both_writing.wait(timeout=1.0)
        writing(data_dir, entry_id, text)

    monkeypatch.setattr(questions, "add_example", slow_example)
    outcomes: dict[str, str] = {}

    def clerk(name: str, entry_id: str) -> None:
        try:
            questions.assign(services, Actor(name), question_id, entry_id)
            outcomes[name] = "assigned"
        except questions.AlreadyReviewed:
            outcomes[name] = "refused"

    threads = [threading.Thread(target=clerk, args=args) for args in (("a@example.jp", "login-details"),
                                                                      ("b@example.jp", "fee"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["assigned", "refused"]
    examples = yaml.safe_load((own_data / "faq" / "examples" / "reviewed.yaml").read_text(encoding="utf-8"))
    assert [entry for entry, texts in examples["examples"].items() if QUESTION in texts] == \
        ["login-details" if outcomes["a@example.jp"] == "assigned" else "fee"]
    with services.db.session() as session:
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "question_review")).all()) == 1
