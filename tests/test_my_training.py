"""A linked trainee asks about their own training: the card, their joining details again, their application."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot import clock
from bot.db.tables import Delivery, DeliveryStatus, Dispatch, PersonalRequest
from bot.delivery import create_dispatch, run_dispatch
from bot.devtools import simulator
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.knowledge import load_knowledge
from bot.services import Services
from bot.trainees.personal_intent import recognise
from tests.helpers import NANCHISEI_EDITION, Persona, enrol, follow, post_events, run_cli

CLOZAPINE_BASIC = "nanchisei-tokyo-r5-clozapine-basic"
ECT_INTERMEDIATE = "nanchisei-tokyo-r5-ect-intermediate"
SHUNIN_A = "shunin-caremanager-r5-a"
SECRETARIAT = "jimu-nanchisei-tokyo@ncnp.go.jp"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("KENSHU_NOW", moment)


def import_details(app: Flask, tmp_path: Path, rows: list[tuple[str, str, str]], target: str = "on-demand") -> None:
    """``kenshu credentials import`` of personal portal logins: (application no, login id, password)."""
    path = tmp_path / "details.csv"
    lines = ["申込番号,URL,ID,パスワード,対象"] + [f"{no},https://portal.example.jp/login,{login},{password},{target}"
                                             for no, login, password in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_cli(app, "credentials", "import", str(path), "--edition", NANCHISEI_EDITION)


def pushes(fake_line: FakeLine) -> list[Any]:
    return [r for r in fake_line.state.requests() if r.path.endswith("/message/push") and r.accepted]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(m, ensure_ascii=False) if m.get("type") != "text" else m["text"] for m in messages)


@pytest.fixture
def trainee(app: Flask, line: LocalLine) -> Persona:
    persona = follow(line, "trainee")
    enrol(app, NANCHISEI_EDITION, CLOZAPINE_BASIC, "N-001", persona)
    return persona


# -- recognising the questions ---------------------------------------------------------

def test_every_example_phrasing_in_data_is_recognised_as_its_intent() -> None:
    questions = load_knowledge(DATA_DIR).personal_questions
    assert {intent.id for intent in questions.intents} == {"joining_details", "application_status", "my_training"}
    wrong = {example: recognise(example, questions) for intent in questions.intents for example in intent.examples
             if recognise(example, questions) != intent.id}
    assert wrong == {}


@pytest.mark.parametrize("question", ["申込方法は？", "修了証の条件", "Zoomの接続確認は必要ですか",
                                      "ライブ配信はいつ？", "受講決定後にコースを変更できますか"])
def test_general_questions_are_left_to_the_faq(question: str) -> None:
    assert recognise(question, load_knowledge(DATA_DIR).personal_questions) is None


# -- the joining details again -----------------------------------------------------------

def test_before_the_details_are_imported_the_trainee_is_told_when_they_come(
        trainee: Persona, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2023-07-10T09:00")
    [reply] = line.say(trainee.line_user_id, "受講URLをもう一度送って")
    assert "まだご用意できていません" in reply["text"]
    assert "オンデマンド配信開始の1週間前頃まで" in reply["text"]
    assert SECRETARIAT in reply["text"]
    assert pushes(fake_line) == []


def test_after_import_the_details_are_pushed_to_the_trainee_through_the_ledger(
        app: Flask, trainee: Persona, line: LocalLine, fake_line: FakeLine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    at(monkeypatch, "2023-08-05T09:00")
    received = line.say(trainee.line_user_id, "IDとパスワードを忘れた")
    reply, details = received
    assert "別のメッセージでお送りします" in reply["text"]
    assert "Secret-Pass-1" not in reply["text"]
    assert "user-0001" in details["text"] and "Secret-Pass-1" in details["text"]
    assert "令和5年8月1日（火）～令和6年2月29日（木）" in details["text"]
    [push] = pushes(fake_line)
    assert push.recipients == [trainee.line_user_id] and push.retry_key
    with Services.of(app).db.session() as session:
        [row] = session.scalars(select(Delivery)).all()
        assert (row.status, row.retry_key) == (DeliveryStatus.SENT, push.retry_key)
        [request] = session.scalars(select(PersonalRequest)).all()
        assert (request.kind, request.outcome, request.target, request.dispatch_id) == (
            "joining_details", "sent", "on-demand", row.dispatch_id)


def test_after_the_session_nothing_is_sent(app: Flask, trainee: Persona, line: LocalLine, fake_line: FakeLine,
                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    at(monkeypatch, "2024-03-05T09:00")
    [reply] = line.say(trainee.line_user_id, "Zoomのリンクは？")
    assert "すべて終了しました" in reply["text"]
    assert "Secret-Pass-1" not in reply["text"]
    assert pushes(fake_line) == []


def test_an_undecided_live_stream_is_said_to_be_undecided(app: Flask, line: LocalLine, fake_line: FakeLine,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    persona = follow(line, "ect")
    enrol(app, NANCHISEI_EDITION, ECT_INTERMEDIATE, "N-002", persona)
    at(monkeypatch, "2023-10-01T09:00")  # on-demand is on, its details not imported; the live stream is undecided
    [reply] = line.say(persona.line_user_id, "受講URLをもう一度送って")
    assert "まだご用意できていません" in reply["text"]
    assert pushes(fake_line) == []


def test_re_sends_stop_at_the_daily_limit_and_start_again_the_next_day(
        app: Flask, trainee: Persona, line: LocalLine, fake_line: FakeLine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    at(monkeypatch, "2023-08-05T09:00")
    for _ in range(3):
        assert len(line.say(trainee.line_user_id, "受講URLをもう一度送って")) == 2
    [refused] = line.say(trainee.line_user_id, "受講URLをもう一度送って")
    assert "本日はすでに3回" in refused["text"] and SECRETARIAT in refused["text"]
    assert len(pushes(fake_line)) == 3
    at(monkeypatch, "2023-08-06T08:00")
    assert len(line.say(trainee.line_user_id, "受講URLをもう一度送って")) == 2
    assert len(pushes(fake_line)) == 4


def test_nothing_reaches_another_trainee(app: Flask, trainee: Persona, line: LocalLine, fake_line: FakeLine,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = follow(line, "other")
    enrol(app, NANCHISEI_EDITION, CLOZAPINE_BASIC, "N-009", other)
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1"), ("N-009", "user-0009", "Secret-Pass-9")])
    at(monkeypatch, "2023-08-05T09:00")
    received = line.say(trainee.line_user_id, "受講URLをもう一度送って")
    assert "Secret-Pass-9" not in texts(received)
    assert {tuple(push.recipients) for push in pushes(fake_line)} == {(trainee.line_user_id,)}
    assert not any("Secret-Pass" in json.dumps(r.body, ensure_ascii=False)
                   for r in fake_line.state.requests() if other.line_user_id in r.recipients)


def test_a_personal_question_in_a_group_is_refused(app: Flask, trainee: Persona, fake_line: FakeLine,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    at(monkeypatch, "2023-08-05T09:00")
    token = fake_line.state.issue_reply_token()
    event = simulator.text_event(trainee.line_user_id, "受講URLをもう一度送って", token)
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": trainee.line_user_id}
    assert post_events(app.test_client(), [event]).status_code == 200
    [reply] = [r for r in fake_line.state.requests() if r.path.endswith("/message/reply")
               and r.body["replyToken"] == token]
    assert "1対1のトーク" in reply.messages[0]["text"]
    assert pushes(fake_line) == []


def test_an_unlinked_trainee_is_told_how_to_link_and_gets_the_general_answer(
        line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = follow(line, "stranger")
    at(monkeypatch, "2023-07-10T09:00")
    received = line.say(stranger.line_user_id, "IDとパスワードはいつ届きますか")
    assert "連携 ABCDE-23456" in received[0]["text"]
    assert len(received) >= 2  # then the FAQ's answer for everyone
    assert pushes(fake_line) == []


def test_english_trainee_gets_english(app: Flask, trainee: Persona, line: LocalLine, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    line.say(trainee.line_user_id, "English")
    at(monkeypatch, "2023-08-05T09:00")
    reply, details = line.say(trainee.line_user_id, "I forgot my password")
    assert reply["text"].startswith("I am sending your joining details in a separate message")
    assert "Password: Secret-Pass-1" in details["text"]


# -- two applications ----------------------------------------------------------------------

def test_two_applications_each_get_their_details_and_dates_labelled(
        app: Flask, trainee: Persona, line: LocalLine, fake_line: FakeLine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    enrol(app, NANCHISEI_EDITION, ECT_INTERMEDIATE, "N-002", trainee)
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1"), ("N-002", "user-0002", "Secret-Pass-2")])
    at(monkeypatch, "2023-08-05T09:00")
    reply, clozapine, ect = line.say(trainee.line_user_id, "受講URLをもう一度送って")
    assert "【東京都難治性精神疾患研修 / クロザピン 基礎研修】" in clozapine["text"] and "Secret-Pass-1" in clozapine["text"]
    assert "ＥＣＴ 応用研修 中級（実践）編" in ect["text"] and "Secret-Pass-2" in ect["text"]
    [card] = line.say(trainee.line_user_id, "私の研修")
    assert card["type"] == "flex" and card["contents"]["type"] == "carousel"
    first, second = (json.dumps(bubble, ensure_ascii=False) for bubble in card["contents"]["contents"])
    assert "クロザピン 基礎研修" in first and "申込番号 N-001" in first
    assert "ＥＣＴ 応用研修 中級（実践）編" in second and "ライブ配信" in second and "日程未定" in second


# -- the card and the application status ----------------------------------------------------

def test_my_training_shows_the_course_and_the_dates_with_their_state(
        trainee: Persona, line: LocalLine, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2023-07-29T09:00")
    [card] = line.say(trainee.line_user_id, "マイ研修")
    shown = json.dumps(card, ensure_ascii=False)
    assert card["contents"]["type"] == "bubble"
    assert "クロザピン 基礎研修" in shown and "申込番号 N-001" in shown
    assert "令和5年8月1日（火）～令和6年2月29日（木）" in shown and "あと3日" in shown
    at(monkeypatch, "2023-09-01T09:00")
    [card] = line.say(trainee.line_user_id, "私の研修")
    assert "配信中（あと181日）" in json.dumps(card, ensure_ascii=False)


def test_the_rich_menu_postback_shows_the_card(trainee: Persona, line: LocalLine,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2023-07-29T09:00")
    [card] = line.postback(trainee.line_user_id, "action=my_training")
    assert card["type"] == "flex" and "クロザピン 基礎研修" in json.dumps(card, ensure_ascii=False)


def test_the_card_lists_what_the_trainee_has_to_do(app: Flask, line: LocalLine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    persona = follow(line, "caremanager")
    enrol(app, "shunin-caremanager-r5", SHUNIN_A, "S-001", persona)
    at(monkeypatch, "2023-09-25T09:00")
    [card] = line.say(persona.line_user_id, "私の研修")
    shown = json.dumps(card, ensure_ascii=False)
    assert "やること" in shown and "受講料の納付期限" in shown and "あと3日" in shown


def test_application_status_says_what_the_documents_say(app: Flask, line: LocalLine,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    persona = follow(line, "applicant")
    enrol(app, "shunin-caremanager-r5", SHUNIN_A, "S-001", persona)
    at(monkeypatch, "2023-08-20T09:00")
    [reply] = line.say(persona.line_user_id, "受講決定通知はいつ？")
    assert "申込番号 S-001（Aコース（オンライン））" in reply["text"]
    assert "受講決定通知: 令和5年8月25日（金）（予定）" in reply["text"]
    assert "受講料の納付期限: 令和5年9月28日（木）（あと39日）" in reply["text"]
    assert "03-3263-5636" in reply["text"]


def test_application_status_does_not_invent_a_decision_notice(trainee: Persona, line: LocalLine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2023-07-10T09:00")
    [reply] = line.say(trainee.line_user_id, "申込状況は？")
    assert "受講決定通知についての記載はありません" in reply["text"]
    assert "納付期限" not in reply["text"]


# -- the secretariat's view --------------------------------------------------------------------

def test_the_secretariat_lists_who_asked_for_what(app: Flask, trainee: Persona, line: LocalLine, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    at(monkeypatch, "2023-08-05T09:00")
    line.say(trainee.line_user_id, "受講URLをもう一度送って")
    line.say(trainee.line_user_id, "申込状況は？")
    output = run_cli(app, "requests", "--since", "2023-08-01")
    assert output.splitlines()[1:] == [
        "2023-08-05 09:00  N-001 受講者N-001  受講URL等の再送  送信済み（on-demand）",
        "2023-08-05 09:00  N-001 受講者N-001  申込状況  回答済み",
    ]
    assert "Secret-Pass-1" not in output


def test_a_re_send_still_waiting_when_the_application_is_relinked_goes_to_nobody(
        app: Flask, trainee: Persona, line: LocalLine, fake_line: FakeLine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import_details(app, tmp_path, [("N-001", "user-0001", "Secret-Pass-1")])
    at(monkeypatch, "2023-08-05T09:00")
    line.say(trainee.line_user_id, "受講URLをもう一度送って")
    services = Services.of(app)
    with services.db.session() as session:
        sent = session.get(Dispatch, session.scalar(select(Delivery.dispatch_id)))
        assert sent is not None
        waiting = create_dispatch(session, "joining-details/left-behind", sent.kind, sent.audience, sent.content,
                                  scheduled_at=clock.now()).id
    run_cli(app, "roster", "reissue", "--edition", NANCHISEI_EDITION, "--application-no", "N-001")
    tally = run_dispatch(services, waiting, services.renderers)
    assert (tally.sent, tally.skipped) == (0, 1)
    assert len(pushes(fake_line)) == 1  # the first re-send only
