"""Talk to a person: a trainee hands the chat to the secretariat, a clerk answers from the console, the bot waits.

Driven through the webhook (the fake LINE API records what the trainee receives)
and the console's routes with a signed-in clerk; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.db.tables import AuditEntry, HandoffConversation, HandoffMessage, HandoffStatus, SavedReply
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.knowledge import load_knowledge
from bot.secretariat import inbox
from bot.services import Services
from bot.trainees.handoff import asks_for_a_person
from tests.helpers import (
    NANCHISEI_EDITION,
    Persona,
    confirm_buttons,
    console_login,
    console_user,
    csrf_token,
    enrol,
    follow,
    make_app,
    persona_user,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ASK_THE_STAFF = "担当者に質問を送る"
BACK_TO_BOT = "ボットに戻る"
WEDNESDAY_MORNING = "2023-06-28T10:00"
SATURDAY = "2023-07-01T10:00"


def offered(messages: list[dict[str, Any]]) -> bool:
    """Whether the last message's quick replies offer 「担当者に質問を送る」 (LINE shows only the last one's)."""
    items = (messages[-1].get("quickReply") or {}).get("items") or [] if messages else []
    return any(item["action"].get("label") == ASK_THE_STAFF for item in items)


def hand_over(line: LocalLine, persona: Persona) -> list[dict[str, Any]]:
    """Ask for a person and tap the offer; what the bot answers to the tap."""
    assert offered(line.say(persona.line_user_id, "事務局に質問したい"))
    return line.postback(persona.line_user_id, "action=handoff")


def conversation(app: Flask) -> HandoffConversation:
    with Services.of(app).db.session() as session:
        found = session.scalar(select(HandoffConversation))
        assert found is not None
        session.expunge(found)
        return found


def pushes_to(fake_line: FakeLine, user: str) -> list[Any]:
    return [r for r in fake_line.state.requests()
            if r.accepted and r.path.endswith("/message/push") and user in r.recipients]


def signed_in(app: Flask, email: str, role: str) -> FlaskClient:
    console_user(app, email, role=role)
    client = app.test_client()
    assert console_login(client, email).status_code == 302
    return client


def post_reply(client: FlaskClient, conversation_id: int, text: str, reply_key: str = "", **form: Any) -> Any:
    token = csrf_token(client, f"/console/inbox/{conversation_id}")
    return client.post(f"/console/inbox/{conversation_id}/reply",
                       data={"csrf_token": token, "text": text, "reply_key": reply_key, **form})


@pytest.fixture
def trainee(app: Flask, line: LocalLine, monkeypatch: pytest.MonkeyPatch) -> Persona:
    monkeypatch.setenv("KENSHU_NOW", WEDNESDAY_MORNING)
    persona = follow(line, "handoff trainee")
    enrol(app, NANCHISEI_EDITION, "nanchisei-tokyo-r5-clozapine-basic", "N-501", persona)
    return persona


# -- asking for a person ----------------------------------------------------------------------

def test_every_example_in_data_asks_for_a_person_and_ordinary_questions_do_not() -> None:
    phrasing = load_knowledge(DATA_DIR).secretariat.talk_to_a_person
    assert [example for example in phrasing.examples if not asks_for_a_person(example, phrasing)] == []
    ordinary = ["申込方法は？", "修了証の条件", "問い合わせ先", "担当者の連絡先は？", "ライブ配信はいつ？"]
    assert [text for text in ordinary if asks_for_a_person(text, phrasing)] == []


def test_the_offer_hands_the_chat_over_with_office_hours_and_the_way_back(
        app: Flask, line: LocalLine, trainee: Persona) -> None:
    [answer] = hand_over(line, trainee)
    assert "受付時間（平日 9:00〜17:00（祝日を除く））内に順にお返事します" in answer["text"]
    assert "「ボットに戻る」" in answer["text"]
    assert [item["action"]["text"] for item in answer["quickReply"]["items"]] == [BACK_TO_BOT]
    assert conversation(app).status == HandoffStatus.WAITING
    assert inbox.waiting_count(Services.of(app)) == 1


def test_outside_office_hours_the_trainee_is_told_the_reply_comes_when_they_open(
        app: Flask, line: LocalLine, trainee: Persona, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", SATURDAY)
    [answer] = hand_over(line, trainee)
    assert "受付時間（平日 9:00〜17:00（祝日を除く））外のため、お返事は次の受付時間になります" in answer["text"]


def test_the_rich_menu_contact_button_still_gives_the_contacts_and_offers_the_staff(
        line: LocalLine, trainee: Persona) -> None:
    messages = line.say(trainee.line_user_id, "問い合わせ先")
    assert "jimu-nanchisei-tokyo@ncnp.go.jp" in str(messages)
    assert offered(messages)


def test_a_second_did_you_mean_in_a_row_offers_the_staff(line: LocalLine, trainee: Persona) -> None:
    first = line.say(trainee.line_user_id, "ECTの視聴")  # the on-demand period or the login details: the bot asks which
    assert "次のどれか" in first[0]["text"] and not offered(first)
    assert offered(line.say(trainee.line_user_id, "ECTの視聴"))


# -- while with the secretariat ------------------------------------------------------------------

def test_while_with_staff_the_bot_stays_quiet_except_for_clinical_questions_and_deletion(
        app: Flask, line: LocalLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    user = trainee.line_user_id
    assert line.say(user, "申込方法は？") == []
    assert line.say(user, "通知設定") == []
    clinical = line.say(user, "クロザピンの副作用が心配です")
    assert "難治性精神疾患相談窓口" in str(clinical)
    assert confirm_buttons(line.say(user, "データ削除"))
    view = inbox.open_conversation(Services.of(app), conversation(app).id)
    to_staff = [said.text for said in view.lines if said.handed_over]
    assert to_staff == ["申込方法は？", "通知設定", "クロザピンの副作用が心配です"]


def test_the_clerk_sees_what_was_said_to_the_bot_before_the_handoff_bot_answers_included(
        app: Flask, line: LocalLine, trainee: Persona) -> None:
    line.say(trainee.line_user_id, "修了証の条件は？")
    hand_over(line, trainee)
    view = inbox.open_conversation(Services.of(app), conversation(app).id)
    before = [(said.author, said.text) for said in view.lines if not said.handed_over]
    assert ("trainee", "修了証の条件は？") in before
    assert any(author == "bot" and "修了" in text for author, text in before)
    assert ("trainee", "事務局に質問したい") in before
    assert [a.application_no for a in view.applications] == ["N-501"]


def test_back_to_the_bot_resumes_automatic_answers(app: Flask, line: LocalLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    assert line.say(trainee.line_user_id, "申込方法は？") == []
    assert "自動応答に戻りました" in line.say(trainee.line_user_id, BACK_TO_BOT)[0]["text"]
    assert line.say(trainee.line_user_id, "申込方法は？") != []
    assert conversation(app).status == HandoffStatus.DONE


# -- answering from the console -------------------------------------------------------------------

def test_a_clerks_reply_reaches_the_trainee_once_even_when_the_form_is_posted_twice(
        app: Flask, line: LocalLine, fake_line: FakeLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    other = follow(line, "someone else")
    clerk = signed_in(app, "clerk@example.jp", "sender")
    conversation_id = conversation(app).id
    for _attempt in range(2):
        response = post_reply(clerk, conversation_id, "書類は本日再送しました。", reply_key="form-1",
                              next_step=["Certificates"])
        assert response.status_code == 302
    [push] = pushes_to(fake_line, trainee.line_user_id)
    [message] = push.messages
    assert message["text"] == "書類は本日再送しました。"
    assert [item["action"]["label"] for item in message["quickReply"]["items"]] == [BACK_TO_BOT, "修了証"]
    assert pushes_to(fake_line, other.line_user_id) == []
    assert conversation(app).status == HandoffStatus.ACTIVE
    with Services.of(app).db.session() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reply")).all()
        assert (entry.actor, entry.target) == ("clerk@example.jp", f"conversation:{conversation_id}")
        assert "書類" not in f"{entry.target}{entry.detail}"


def test_the_bot_answers_again_after_the_clerk_marks_the_conversation_done(
        app: Flask, line: LocalLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    clerk = signed_in(app, "clerk@example.jp", "sender")
    conversation_id = conversation(app).id
    assert line.say(trainee.line_user_id, "修了証の条件は？") == []
    token = csrf_token(clerk, f"/console/inbox/{conversation_id}")
    clerk.post(f"/console/inbox/{conversation_id}/status", data={"csrf_token": token, "status": "done"})
    assert "修了" in str(line.say(trainee.line_user_id, "修了証の条件は？"))
    assert "対応済み" in clerk.get(f"/console/inbox/{conversation_id}").get_data(as_text=True)
    refused = post_reply(clerk, conversation_id, "まだ送れますか", reply_key="late")
    assert "再開してください" in clerk.get(refused.headers["Location"]).get_data(as_text=True)
    token = csrf_token(clerk, f"/console/inbox/{conversation_id}")
    clerk.post(f"/console/inbox/{conversation_id}/status", data={"csrf_token": token, "status": "active"})
    assert line.say(trainee.line_user_id, "修了証の条件は？") == []


def test_a_viewer_reads_the_inbox_but_a_forged_reply_gets_403_and_sends_nothing(
        app: Flask, line: LocalLine, fake_line: FakeLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    line.say(trainee.line_user_id, "書類が届いていません")
    viewer = signed_in(app, "viewer@example.jp", "viewer")
    listing = viewer.get("/console/inbox/").get_data(as_text=True)
    assert "要対応" in listing and "受講者N-501" in listing
    conversation_id = conversation(app).id
    page = viewer.get(f"/console/inbox/{conversation_id}").get_data(as_text=True)
    assert "書類が届いていません" in page and "閲覧のみの権限では返信できません" in page
    assert post_reply(viewer, conversation_id, "forged", reply_key="x").status_code == 403
    token = csrf_token(viewer, f"/console/inbox/{conversation_id}")
    assert viewer.post(f"/console/inbox/{conversation_id}/status",
                       data={"csrf_token": token, "status": "done"}).status_code == 403
    assert viewer.post("/console/inbox/saved", data={"csrf_token": token, "title": "x", "text": "y"}).status_code == 403
    assert pushes_to(fake_line, trainee.line_user_id) == []


def test_unread_counts_the_trainees_messages_until_a_clerk_opens_the_conversation(
        app: Flask, line: LocalLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    for text in ("書類が届いていません", "受講番号はN-501です"):
        line.say(trainee.line_user_id, text)
    services = Services.of(app)
    [row] = inbox.conversations(services)
    assert (row.unread, row.last_text, row.trainee_names) == (2, "受講番号はN-501です", "受講者N-501")
    inbox.open_conversation(services, row.id)
    assert inbox.conversations(services)[0].unread == 0
    line.say(trainee.line_user_id, "よろしくお願いします")
    assert inbox.conversations(services)[0].unread == 1


def test_the_dashboard_shows_a_new_conversation_needing_action(app: Flask, line: LocalLine, trainee: Persona) -> None:
    clerk = signed_in(app, "viewer@example.jp", "viewer")
    assert 'data-testid="inquiries-waiting">0<' in clerk.get("/console/").get_data(as_text=True)
    hand_over(line, trainee)
    assert 'data-testid="inquiries-waiting">1<' in clerk.get("/console/").get_data(as_text=True)


def test_saved_replies_are_managed_in_the_console_and_offered_when_replying(
        app: Flask, line: LocalLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    clerk = signed_in(app, "clerk@example.jp", "sender")
    token = csrf_token(clerk, "/console/inbox/saved")
    clerk.post("/console/inbox/saved", data={"csrf_token": token, "title": "書類の再送",
                                             "text": "書類を再送いたしました。届かない場合はお知らせください。"})
    page = clerk.get(f"/console/inbox/{conversation(app).id}").get_data(as_text=True)
    assert "書類の再送" in page and "書類を再送いたしました。" in page
    with Services.of(app).db.session() as session:
        [saved] = session.scalars(select(SavedReply)).all()
        saved_id = saved.id
    clerk.post(f"/console/inbox/saved/{saved_id}/delete", data={"csrf_token": token})
    assert "書類の再送" not in clerk.get("/console/inbox/saved").get_data(as_text=True)


# -- deletion --------------------------------------------------------------------------------------

def test_data_deletion_removes_the_conversation_and_a_reply_still_waiting_goes_to_nobody(
        app: Flask, line: LocalLine, fake_line: FakeLine, trainee: Persona) -> None:
    hand_over(line, trainee)
    line.say(trainee.line_user_id, "書類が届いていません")
    services = Services.of(app)
    conversation_id = conversation(app).id
    with services.db.session() as session:
        user_id = persona_user(session, trainee).id
    clerk = console_user(app, "clerk@example.jp", role="sender")
    # A reply planned but not yet sent when the trainee deletes their data (the engine is stopped before sending).
    from bot.delivery import create_dispatch

    with services.db.session() as session:
        staff_line = HandoffMessage(user_id=user_id, conversation_id=conversation_id, author="staff", to_staff=True,
                                    clerk="clerk@example.jp", text="お待たせしました", at=conversation(app).updated_at)
        session.add(staff_line)
        session.flush()
        dispatch_id = create_dispatch(session, "handoff-reply/test", inbox.DISPATCH_KIND, f"user:{user_id}",
                                      {"renderer": inbox.RENDERER, "params": {"message_id": staff_line.id}},
                                      scheduled_at=conversation(app).updated_at).id
    assert clerk
    buttons = confirm_buttons(line.say(trainee.line_user_id, "データ削除"))
    line.postback(trainee.line_user_id, buttons["削除する"]["data"])
    with services.db.session() as session:
        assert session.scalars(select(HandoffConversation)).all() == []
        assert session.scalars(select(HandoffMessage)).all() == []
    from bot.delivery import run_dispatch

    run_dispatch(services, dispatch_id, services.renderers)
    assert pushes_to(fake_line, trainee.line_user_id) == []


# -- the e-mail to the secretariat -------------------------------------------------------------------

@pytest.fixture
def smtp_sink() -> Iterator[MessageHandler]:
    """A local SMTP server (aiosmtpd) keeping every mail it receives."""

    class Sink(MessageHandler):
        def __init__(self) -> None:
            super().__init__()
            self.mails: list[Any] = []

        def handle_message(self, message: Any) -> None:
            self.mails.append(message)

    with socket.socket() as probe:  # a free port (aiosmtpd checks it is up by connecting, so not port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    sink.port = port  # type: ignore[attr-defined]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def test_a_new_conversation_mails_the_secretariat_once_without_the_trainees_words(
        database_url: str, fake_line: FakeLine, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", WEDNESDAY_MORNING)
    app = make_app(database_url, fake_line, KENSHU_SMTP_HOST="127.0.0.1", KENSHU_SMTP_PORT=smtp_sink.port,
                   KENSHU_INBOX_EMAIL="jimu@example.jp", KENSHU_MAIL_FROM="bot@example.jp",
                   KENSHU_CONSOLE_URL="https://bot.example.jp/console")
    try:
        line = LocalLine(app, fake_line)
        persona = follow(line, "mailing trainee")
        line.say(persona.line_user_id, "書類が届かない件で事務局に質問したい")
        line.postback(persona.line_user_id, "action=handoff")
        line.postback(persona.line_user_id, "action=handoff")  # tapped again: still one conversation, one mail
        [mail] = smtp_sink.mails
        assert mail["To"] == "jimu@example.jp" and mail["From"] == "bot@example.jp"
        body = mail.get_payload(decode=True).decode()
        assert "https://bot.example.jp/console/inbox/" in body
        assert "書類" not in body + str(mail["Subject"])
    finally:
        Services.of(app).db.engine.dispose()
