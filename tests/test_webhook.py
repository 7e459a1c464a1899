"""The webhook: what LINE sends is verified, stored once and handled once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.db.tables import InboxEvent, InboxStatus, LineUser
from bot.devtools import simulator
from bot.line.worker import EventWorker
from bot.services import Services
from tests.helpers import CHANNEL_SECRET, make_app, post_events


def inbox_rows(app) -> list[InboxEvent]:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def replies_to(fake_line, user_id: str) -> list:  # type: ignore[no-untyped-def]
    """The accepted reply requests that reached the user."""
    return [r for r in fake_line.state.requests("/v2/bot/message/reply") if r.accepted and user_id in r.recipients]


def test_verification_request_with_no_events_answers_200(client, app):
    assert post_events(client, []).status_code == 200
    assert inbox_rows(app) == []


def test_missing_signature_is_rejected_and_nothing_stored(client, app, user_id):
    body = simulator.webhook_body([simulator.unfollow_event(user_id)])
    response = client.post("/callback", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert inbox_rows(app) == []


def test_wrong_signature_is_rejected_and_nothing_stored(client, app, user_id):
    response = post_events(client, [simulator.unfollow_event(user_id)], secret="not-the-channel-secret")
    assert response.status_code == 400
    assert inbox_rows(app) == []


def test_body_over_one_mebibyte_is_rejected(client, app):
    body = "x" * (1024 * 1024 + 1)
    headers = {"X-Line-Signature": simulator.sign(body, CHANNEL_SECRET), "Content-Type": "application/json"}
    assert client.post("/callback", data=body, headers=headers).status_code == 413
    assert inbox_rows(app) == []


@pytest.mark.parametrize("body", ["{not json", '{"destination": "U1"}', '{"events": "nope"}', "[]"])
def test_signed_but_malformed_body_is_a_clear_400(client, app, body):
    headers = {"X-Line-Signature": simulator.sign(body, CHANNEL_SECRET), "Content-Type": "application/json"}
    response = client.post("/callback", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"message": "malformed webhook body"}
    assert inbox_rows(app) == []


def test_event_type_the_sdk_does_not_know_is_stored_and_ignored(client, app, fake_line, user_id):
    event = simulator.unfollow_event(user_id) | {"type": "teleport", "teleport": {"to": "moon"}}
    assert post_events(client, [event]).status_code == 200
    [row] = inbox_rows(app)
    assert (row.event_type, row.status) == ("teleport", InboxStatus.IGNORED)
    assert fake_line.state.requests() == []


def test_redelivered_event_is_handled_once(client, app, fake_line, user_id):
    event = simulator.follow_event(user_id, fake_line.state.issue_reply_token(user_id))
    assert post_events(client, [event]).status_code == 200
    redelivery = event | {"deliveryContext": {"isRedelivery": True}}
    assert post_events(client, [redelivery]).status_code == 200
    assert len(inbox_rows(app)) == 1
    assert len(fake_line.state.requests("/v2/bot/message/reply")) == 1


def test_event_stored_by_a_process_that_died_is_handled_once_after_restart(database_url, fake_line, user_id):
    # The first process stores and acknowledges but never handles (as if killed).
    dead = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    token = fake_line.state.issue_reply_token(user_id)
    assert post_events(dead.test_client(), [simulator.follow_event(user_id, token)]).status_code == 200
    assert [row.status for row in inbox_rows(dead)] == [InboxStatus.PENDING]
    assert fake_line.state.deliveries_to(user_id) == []

    restarted = make_app(database_url, fake_line)
    event_worker = EventWorker.of(restarted)
    from datetime import timedelta

    assert event_worker.recover(grace=timedelta(0)) == 1
    assert event_worker.recover(grace=timedelta(0)) == 0
    assert [row.status for row in inbox_rows(restarted)] == [InboxStatus.DONE]
    assert len(replies_to(fake_line, user_id)) == 1


def test_threaded_handling_acknowledges_then_handles(database_url, fake_line, user_id):
    app = make_app(database_url, fake_line, KENSHU_DISPATCH="threads")
    token = fake_line.state.issue_reply_token(user_id)
    assert post_events(app.test_client(), [simulator.follow_event(user_id, token)]).status_code == 200
    EventWorker.of(app).stop()  # waits for the worker threads to finish
    assert [row.status for row in inbox_rows(app)] == [InboxStatus.DONE]
    assert len(replies_to(fake_line, user_id)) == 1


def test_one_failing_event_does_not_fail_the_batch(client, app, fake_line, user_id):
    crashing_user = "U" + "b" * 32
    real_profile = Services.of(app).line.profile

    def profile_that_crashes_for_one_user(line_user_id):  # type: ignore[no-untyped-def]
        if line_user_id == crashing_user:
            raise RuntimeError("a bug in one handler")
        return real_profile(line_user_id)

    Services.of(app).line.profile = profile_that_crashes_for_one_user
    bad = simulator.follow_event(crashing_user, fake_line.state.issue_reply_token(crashing_user))
    good = simulator.follow_event(user_id, fake_line.state.issue_reply_token(user_id))
    assert post_events(client, [bad, good]).status_code == 200
    statuses = [row.status for row in inbox_rows(app)]
    assert statuses == [InboxStatus.FAILED, InboxStatus.DONE]
    assert len(replies_to(fake_line, user_id)) == 1


def test_user_count_is_one_after_many_events_from_one_user(client, app, fake_line, user_id):
    events = [simulator.sticker_event(user_id, fake_line.state.issue_reply_token(user_id)) for _ in range(3)]
    assert post_events(client, events).status_code == 200
    with Services.of(app).db.session() as session:
        assert session.scalar(select(func.count()).select_from(LineUser)) == 1


def test_stored_payload_is_the_event_as_sent(client, app, fake_line, user_id):
    event = simulator.follow_event(user_id, fake_line.state.issue_reply_token(user_id))
    post_events(client, [event])
    [row] = inbox_rows(app)
    assert json.dumps(row.payload, sort_keys=True) == json.dumps(event, sort_keys=True)


def test_worker_handles_what_the_web_process_stored(database_url, fake_line, user_id):
    import threading
    import time

    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    tokens = [fake_line.state.issue_reply_token(user_id) for _ in range(3)]
    events = [simulator.follow_event(user_id, tokens[0])] + [
        simulator.sticker_event(user_id, token) for token in tokens[1:]
    ]
    assert post_events(web.test_client(), events).status_code == 200

    worker = EventWorker.of(make_app(database_url, fake_line, KENSHU_DISPATCH="worker"))
    thread = threading.Thread(target=worker.run_worker, kwargs={"threads": 2, "poll_seconds": 0.01, "nice": 0})
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(row.status != InboxStatus.DONE for row in inbox_rows(web)):
        time.sleep(0.05)
    worker.stop()
    thread.join()
    assert [row.status for row in inbox_rows(web)] == [InboxStatus.DONE] * 3
    assert len(replies_to(fake_line, user_id)) == 3


def test_worker_applies_one_users_follow_and_unfollow_in_order(database_url, fake_line, user_id):
    import threading
    import time

    from bot.db.tables import UserStatus

    web = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    token = fake_line.state.issue_reply_token(user_id)
    events = [simulator.follow_event(user_id, token), simulator.unfollow_event(user_id)]
    assert post_events(web.test_client(), events).status_code == 200

    worker_app = make_app(database_url, fake_line, KENSHU_DISPATCH="worker")
    slow_profile = Services.of(worker_app).line.profile

    def profile_that_takes_a_while(line_user_id):  # type: ignore[no-untyped-def]
        time.sleep(0.5)  # the follow is still running when a free thread could take the unfollow
        return slow_profile(line_user_id)

    Services.of(worker_app).line.profile = profile_that_takes_a_while
    worker = EventWorker.of(worker_app)
    thread = threading.Thread(target=worker.run_worker, kwargs={"threads": 2, "poll_seconds": 0.01, "nice": 0})
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(row.status != InboxStatus.DONE for row in inbox_rows(web)):
        time.sleep(0.05)
    worker.stop()
    thread.join()
    with Services.of(web).db.session() as session:
        user = session.scalars(select(LineUser).where(LineUser.line_user_id == user_id)).one()
        assert user.status == UserStatus.BLOCKED
