"""Events a signed body may hold that the inbox or the handlers cannot take: one bad event never costs the others."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.db.tables import InboxEvent, InboxStatus
from bot.devtools import simulator
from bot.services import Services
from tests.helpers import CHANNEL_SECRET, post_events


def inbox_rows(app) -> list[InboxEvent]:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def _with_user(event: dict, user: str) -> dict:
    return event | {"source": {"type": "user", "userId": user}}


BAD_EVENTS = {
    "user id over 64 characters": lambda good: _with_user(good, "U" + "f" * 80),
    "NUL in the user id": lambda good: _with_user(good, "U" + "f" * 10 + "\x00"),
    "NUL in the type": lambda good: good | {"type": "mess\x00age"},
    "NUL in the event id": lambda good: good | {"webhookEventId": "01H\x00X"},
    "NaN in a field": lambda good: good | {"timestamp": float("nan")},
}


@pytest.mark.parametrize("make_bad", BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
def test_a_bad_event_is_ignored_and_the_good_ones_of_its_body_are_handled(client, app, fake_line, user_id, make_bad):
    template = simulator.unfollow_event("U" + "e" * 32)
    bad = make_bad(template)
    good = simulator.follow_event(user_id, fake_line.state.issue_reply_token(user_id))
    # json.dumps writes NaN as the bare literal NaN, as a hostile sender would.
    assert post_events(client, [bad, good]).status_code == 200
    rows = inbox_rows(app)
    assert [row.status for row in rows] == [InboxStatus.IGNORED, InboxStatus.DONE]
    assert rows[0].error and "\n" not in rows[0].error
    assert len(fake_line.state.requests("/v2/bot/message/reply")) == 1


MALFORMED_KNOWN = {
    "source not an object": lambda event: event | {"source": "nope"},
    "timestamp not a number": lambda event: event | {"timestamp": "yesterday"},
    "no message": lambda event: {key: value for key, value in event.items() if key != "message"},
    "message not an object": lambda event: event | {"message": "nope"},
}


@pytest.mark.parametrize("breaks", MALFORMED_KNOWN.values(), ids=MALFORMED_KNOWN.keys())
def test_known_type_with_malformed_fields_is_ignored_with_a_one_line_reason(client, app, fake_line, user_id, breaks):
    event = breaks(simulator.text_event(user_id, "日程", fake_line.state.issue_reply_token(user_id)))
    assert post_events(client, [event]).status_code == 200
    [row] = inbox_rows(app)
    assert row.status == InboxStatus.IGNORED
    assert row.error and row.error.startswith("malformed message event") and "\n" not in row.error
    assert fake_line.state.requests() == []


def test_a_lone_surrogate_is_ignored_and_the_good_events_are_handled(client, app, fake_line, user_id):
    bad = simulator.text_event("U" + "e" * 32, "\ud800", "r" * 32)
    good = simulator.follow_event(user_id, fake_line.state.issue_reply_token(user_id))
    body = json.dumps({"destination": "U" + "0" * 32, "events": [bad, good]})  # ASCII: the surrogate as \ud800
    headers = {"X-Line-Signature": simulator.sign(body, CHANNEL_SECRET), "Content-Type": "application/json"}
    assert client.post("/callback", data=body.encode(), headers=headers).status_code == 200
    assert [row.status for row in inbox_rows(app)] == [InboxStatus.IGNORED, InboxStatus.DONE]
    assert len(fake_line.state.requests("/v2/bot/message/reply")) == 1
