"""「データ削除」: after a confirmation, the trainee's data is deleted; the application stays."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot import clock
from bot.db.tables import AnswerStatus, Enrolment, InboxEvent, LineUser, OutboxAnswer, Subscription
from bot.devtools import simulator
from bot.devtools.visible_text import visible_text
from bot.line import inbox
from bot.line.worker import EventWorker
from bot.services import Services
from tests.helpers import (
    NANCHISEI_TRAINING,
    announce_to_training,
    confirm_buttons,
    enrolments,
    import_one,
    make_app,
    question,
    replies_to,
    stored,
    subscriptions_of,
)


def user_exists(app, line_user_id: str) -> bool:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return session.scalar(select(LineUser.id).where(LineUser.line_user_id == line_user_id)) is not None


def rows_left(app, table) -> int:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return len(session.scalars(select(table)).all())


def stored_events_mentioning(app, line_user_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        events = session.scalars(select(InboxEvent)).all()
        return [event.id for event in events if line_user_id in json.dumps(event.payload) or event.source_user_id]


def test_deletion_asks_first_and_cancel_keeps_everything(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    line.say(user_id, f"連携 {code}")

    received = line.say(user_id, "データ削除")

    assert "登録データを削除しますか？" in visible_text(received)
    buttons = confirm_buttons(received)
    assert set(buttons) == {"削除する", "やめる"}
    assert visible_text(line.postback(user_id, buttons["やめる"]["data"])) == "削除を取りやめました。"
    assert user_exists(app, user_id)
    assert enrolments(app)["N-900"].user_id is not None


def test_confirmed_deletion_removes_the_user_and_unlinks_the_application(app, line, fake_line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    line.say(user_id, f"連携 {code}")
    line.say(user_id, "連携 ABCDE-23456")  # a wrong attempt on record
    assert subscriptions_of(app, user_id) == [NANCHISEI_TRAINING]
    buttons = confirm_buttons(line.say(user_id, "データ削除"))

    received = visible_text(line.postback(user_id, buttons["削除する"]["data"]))

    assert "登録データを削除しました" in received
    assert not user_exists(app, user_id)
    assert rows_left(app, Subscription) == 0
    assert stored_events_mentioning(app, user_id) == []  # their words and LINE id are gone from the inbox
    enrolment = enrolments(app)["N-900"]
    assert enrolment.user_id is None  # the application stays with the secretariat, unlinked
    assert enrolment.name == "山田 花子"
    announce_to_training(app, NANCHISEI_TRAINING, "削除後のお知らせ")
    assert "削除後のお知らせ" not in fake_line.state.texts_to(user_id)


def test_after_deletion_the_old_code_needs_a_new_one_from_the_secretariat(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    line.say(user_id, f"連携 {code}")
    line.postback(user_id, confirm_buttons(line.say(user_id, "データ削除"))["削除する"]["data"])

    received = visible_text(line.say(user_id, f"連携 {code}"))

    assert "このコードはすでに使用されています" in received
    with Services.of(app).db.session() as session:
        assert session.scalars(select(Enrolment.user_id)).all() == [None]


def test_the_users_next_event_waits_until_the_deletion_is_answered_then_nothing_names_them(
        database_url, fake_line, user_id):
    """Per-user order across worker processes: the deletion's own event keeps its sender while in flight (so
    their next event is not handed to another worker before 「削除しました」), and loses it when closed."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    worker.handle_batch(stored(web, [question(fake_line, user_id, "データ削除")]))
    data = confirm_buttons(replies_to(fake_line, user_id)[0].messages)["削除する"]["data"]
    [deletion] = stored(web, [simulator.postback_event(user_id, data, fake_line.state.issue_reply_token(user_id))])
    won, answers = worker._claim_and_decide([deletion])  # decided and committed; its reply not sent yet
    assert won == 1 and len(answers) == 1
    [after] = stored(web, [question(fake_line, user_id, "修了証")])

    def handed_out() -> list[int]:
        with Services.of(web).db.session() as session:
            return [row.id for row in inbox.abandoned(session, clock.system_now(), grace=timedelta(0))]

    assert handed_out() == []
    worker._close([worker._send(answer) for answer in answers])
    assert handed_out() == [after]
    assert stored_events_mentioning(web, user_id) == [after]


def test_an_answer_decided_before_the_deletion_in_the_same_batch_is_not_pushed_to_them(
        database_url, fake_line, user_id):
    """The deletion wins over an answer decided just before it, in the same batch, whose reply token no longer
    works: no push goes to someone who asked to be forgotten (their reply tokens may still be used)."""
    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    worker.handle_batch(stored(web, [question(fake_line, user_id, "データ削除")]))
    data = confirm_buttons(replies_to(fake_line, user_id)[0].messages)["削除する"]["data"]
    batch = stored(web, [question(fake_line, user_id, "修了証の条件は？"),
                         simulator.postback_event(user_id, data, fake_line.state.issue_reply_token(user_id))])
    fake_line.state.reply_token_ttl = 0  # both tokens expired while the events waited: the answers would go by push

    assert worker.handle_batch(batch) == 2

    assert [record for record in fake_line.state.requests("/v2/bot/message/push") if user_id in record.recipients] == []
    assert not user_exists(web, user_id)
    with Services.of(web).db.session() as session:
        answers = session.scalars(select(OutboxAnswer).where(OutboxAnswer.inbox_event_id.in_(batch))).all()
        assert [answer.status for answer in answers] == [AnswerStatus.DROPPED] * 2
        assert all(answer.push_to is None for answer in answers)
