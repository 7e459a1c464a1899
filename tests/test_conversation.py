"""What a trainee sees: greetings, help for stickers, groups, language, blocking."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.tables import LineUser, UserStatus
from bot.devtools import simulator
from bot.devtools.visible_text import quick_reply_choices, visible_text
from bot.line.postback import Postback
from bot.services import Services
from tests.helpers import post_events


def stored_user(app, line_user_id: str) -> LineUser:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return session.scalars(select(LineUser).where(LineUser.line_user_id == line_user_id)).one()


def test_follow_greets_registers_and_reads_the_profile(app, line, fake_line, user_id):
    fake_line.state.set_profile(user_id, "山田 花子", language="ja")
    received = line.follow(user_id)
    assert "友だち追加ありがとうございます" in visible_text(received)
    assert [choice["label"] for choice in quick_reply_choices(received)] == ["日程", "修了証", "申込方法", "通知設定"]
    user = stored_user(app, user_id)
    assert (user.display_name, user.locale, user.status) == ("山田 花子", "ja", UserStatus.ACTIVE)
    assert any(r.path == f"/v2/bot/profile/{user_id}" for r in fake_line.state.requests())


def test_english_profile_gets_an_english_greeting(line, fake_line, user_id):
    fake_line.state.set_profile(user_id, "Alex", language="en")
    assert "Thank you for adding us as a friend" in visible_text(line.follow(user_id))


def test_unfollow_marks_the_user_blocked(app, client, line, user_id):
    line.follow(user_id)
    post_events(client, [simulator.unfollow_event(user_id)])
    assert stored_user(app, user_id).status == UserStatus.BLOCKED


def test_refollow_after_blocking_makes_the_user_active_again(app, client, line, user_id):
    line.follow(user_id)
    post_events(client, [simulator.unfollow_event(user_id)])
    line.follow(user_id)
    assert stored_user(app, user_id).status == UserStatus.ACTIVE


def test_a_sticker_gets_a_polite_hint_to_type(line, fake_line, user_id):
    token = fake_line.state.issue_reply_token(user_id)
    received = line._deliver(user_id, simulator.sticker_event(user_id, token))
    assert "文字のメッセージのみ読み取れます" in visible_text(received)


def test_group_invitation_gets_a_polite_one_to_one_hint(client, fake_line):
    token = fake_line.state.issue_reply_token()
    event = {
        "type": "join",
        "mode": "active",
        "timestamp": 1,
        "source": {"type": "group", "groupId": "C" + "1" * 32},
        "webhookEventId": "01JOINEVENT0000000000000000",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": token,
    }
    assert post_events(client, [event]).status_code == 200
    [reply] = fake_line.state.requests("/v2/bot/message/reply")
    assert "1対1のトーク" in reply.body["messages"][0]["text"]


def test_user_can_switch_to_english_and_back(app, line, user_id):
    assert visible_text(line.say(user_id, "English")) == "I will answer in English from now on."
    assert stored_user(app, user_id).locale == "en"
    assert visible_text(line.say(user_id, "日本語")) == "これからは日本語でお答えします。"


def test_unknown_postback_gets_a_polite_answer(line, user_id):
    received = line.postback(user_id, Postback("no-such-action").pack())
    assert "このボタンは現在ご利用いただけません" in visible_text(received)
    assert "このボタン" in visible_text(line.postback(user_id, "data-from-somewhere-else"))


def test_every_question_is_logged_with_the_decision_for_the_secretariat(app, line, user_id):
    from bot.db.tables import AskedQuestion

    line.say(user_id, "今日の天気はどうですか")  # out of scope
    line.say(user_id, "クロザピン研修の修了証の条件は？")  # answered

    with Services.of(app).db.session() as session:
        kept = session.scalars(select(AskedQuestion).order_by(AskedQuestion.id)).all()
        assert [(q.text, q.kind, q.entry_id) for q in kept] == [
            ("今日の天気はどうですか", "out_of_scope", None),
            ("クロザピン研修の修了証の条件は？", "answer", "certificate"),
        ]
        assert kept[1].training_id == "nanchisei-tokyo" and kept[1].probability > 0.5
        assert all(q.line_user_id == stored_user(app, user_id).id for q in kept)