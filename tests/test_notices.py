"""Trainees choose which trainings' notices they receive, and stop and resume them all."""

from __future__ import annotations

from bot.devtools import simulator
from bot.devtools.visible_text import quick_reply_choices, visible_text
from bot.line.postback import Postback
from tests.helpers import (
    NANCHISEI_NAME,
    NANCHISEI_TRAINING,
    SHUNIN_NAME,
    announce_to_training,
    post_events,
    settings_rows,
    subscribe_in_settings,
    subscriptions_of,
    tap,
)


def test_follow_then_subscribe_round_trip(app, line, fake_line, user_id):
    received = line.follow(user_id)

    assert "友だち追加ありがとうございます" in visible_text(received)
    rows = settings_rows(received)
    assert rows[NANCHISEI_NAME] == ("受信していません", rows[NANCHISEI_NAME][1])
    assert rows[NANCHISEI_NAME][1]["label"] == "受け取る"
    assert "通知設定" in [choice["label"] for choice in quick_reply_choices(received)]

    received = tap(line, user_id, rows[NANCHISEI_NAME][1])

    assert f"「{NANCHISEI_NAME}」のお知らせをお送りします。" in visible_text(received)
    rows = settings_rows(received)
    assert rows[NANCHISEI_NAME][0] == "✓ 受信中"
    assert rows[SHUNIN_NAME][0] == "受信していません"
    assert subscriptions_of(app, user_id) == [NANCHISEI_TRAINING]

    announce_to_training(app, NANCHISEI_TRAINING, "申込締切は明日です。")
    assert fake_line.state.texts_to(user_id)[-1] == "申込締切は明日です。"


def test_settings_command_shows_the_state_with_a_check_mark(line, user_id):
    subscribe_in_settings(line, user_id)

    for command in ("通知設定", "お知らせ設定", "settings"):
        rows = settings_rows(line.say(user_id, command))
        assert rows[NANCHISEI_NAME][0] == "✓ 受信中"
        assert rows[NANCHISEI_NAME][1]["label"] == "停止する"


def test_tapping_stop_unsubscribes_from_one_training(app, line, user_id):
    subscribe_in_settings(line, user_id, NANCHISEI_NAME)
    subscribe_in_settings(line, user_id, SHUNIN_NAME)
    rows = settings_rows(line.say(user_id, "通知設定"))

    received = tap(line, user_id, rows[NANCHISEI_NAME][1])

    assert f"「{NANCHISEI_NAME}」のお知らせを停止しました。" in visible_text(received)
    assert subscriptions_of(app, user_id) == ["shunin-caremanager"]


def test_the_same_button_tapped_twice_subscribes_once(app, line, user_id):
    action = settings_rows(line.say(user_id, "通知設定"))[NANCHISEI_NAME][1]

    tap(line, user_id, action)
    tap(line, user_id, action)

    assert subscriptions_of(app, user_id) == [NANCHISEI_TRAINING]


def test_stop_pauses_every_notice_and_resume_restores_them(app, line, fake_line, user_id):
    subscribe_in_settings(line, user_id)

    received = line.say(user_id, "配信停止")

    assert "すべての通知を停止しました" in visible_text(received)
    announce_to_training(app, NANCHISEI_TRAINING, "停止中のお知らせ")
    assert "停止中のお知らせ" not in fake_line.state.texts_to(user_id)
    settings = line.say(user_id, "通知設定")
    assert "現在、すべての通知を停止しています" in visible_text(settings)
    assert settings_rows(settings)[NANCHISEI_NAME][0] == "✓ 受信中"  # the choice is kept while paused

    assert visible_text(line.say(user_id, "配信再開")) == "通知を再開しました。"
    announce_to_training(app, NANCHISEI_TRAINING, "再開後のお知らせ")
    assert fake_line.state.texts_to(user_id)[-1] == "再開後のお知らせ"


def test_resume_without_any_choice_offers_the_settings(line, user_id):
    received = line.say(user_id, "配信再開")

    assert "まだ研修が選ばれていません" in visible_text(received)
    assert NANCHISEI_NAME in settings_rows(received)


def test_a_blocked_user_receives_nothing(app, client, line, fake_line, user_id):
    subscribe_in_settings(line, user_id)
    post_events(client, [simulator.unfollow_event(user_id)])
    fake_line.state.block([user_id])
    before = len(fake_line.state.deliveries_to(user_id))

    announce_to_training(app, NANCHISEI_TRAINING, "ブロック後のお知らせ")

    assert len(fake_line.state.deliveries_to(user_id)) == before
    assert all(user_id not in record.recipients for record in fake_line.state.requests("/v2/bot/message/multicast"))


def test_a_button_for_a_training_no_longer_listed_gets_a_polite_answer(app, line, user_id):
    received = line.postback(user_id, Postback("notice", {"training": "retired-training", "on": "1"}).pack())

    assert "その研修は現在掲載されていません" in visible_text(received)
    assert subscriptions_of(app, user_id) == []


def test_english_speakers_get_english_settings(line, fake_line, user_id):
    fake_line.state.set_profile(user_id, "Alex", language="en")
    received = line.follow(user_id)

    rows = settings_rows(received)
    assert "Tokyo Training on Treatment-Resistant Psychiatric Disorders" in rows
    assert "Choose the trainings whose notices" in visible_text(received)
    assert visible_text(line.say(user_id, "stop")).startswith("All notices are stopped.")


def test_questions_are_answered_for_the_training_the_user_receives(line, user_id):
    assert "どの研修についてのご質問ですか" in visible_text(line.say(user_id, "研修の日程"))
    subscribe_in_settings(line, user_id)

    answer = visible_text(line.say(user_id, "研修の日程"))

    assert "どの研修" not in answer
    assert answer.startswith("難治性精神疾患研修")
