"""Pushes and multicasts through the gateway: what LINE receives, what comes back, and the kept-alive connection.

The gateway reads only LINE's status from a successful push or multicast (no response
model); an error still carries LINE's status, message and accepted request id, and
each request leaves its connection to the next one.
"""

from __future__ import annotations

import uuid

import pytest
from linebot.v3.messaging import TextMessage

from bot.devtools.fake_line import FakeLine
from bot.line.gateway import LineApiError, LineGateway

USER = "U" + "0" * 32
OTHER = "U" + "1" * 32


def gateway(fake_line: FakeLine) -> LineGateway:
    return LineGateway(fake_line.base_url, "token", pool_size=1)


def test_a_push_sends_the_messages_as_built_with_its_retry_key(fake_line: FakeLine) -> None:
    key = str(uuid.uuid4())

    gateway(fake_line).push(USER, [TextMessage(text="受講番号は123です。"), TextMessage(text="当日はよろしくお願いします。")], key)

    [request] = fake_line.state.requests("/v2/bot/message/push")
    assert request.status == 200 and request.retry_key == key
    # notificationDisabled is left to LINE's default (false), as the answer outbox's pushes always were
    assert request.body == {"to": USER, "messages": [{"type": "text", "text": "受講番号は123です。"},
                                                      {"type": "text", "text": "当日はよろしくお願いします。"}]}


def test_a_push_again_with_its_retry_key_is_lines_409_with_the_accepted_request(fake_line: FakeLine) -> None:
    line, key = gateway(fake_line), str(uuid.uuid4())
    line.push(USER, [TextMessage(text="一度だけ")], key)

    with pytest.raises(LineApiError) as error:
        line.push(USER, [TextMessage(text="一度だけ")], key)

    assert error.value.already_accepted
    assert error.value.accepted_request_id == fake_line.state.requests("/v2/bot/message/push")[0].request_id


def test_a_refused_multicast_carries_lines_message(fake_line: FakeLine) -> None:
    with pytest.raises(LineApiError) as error:
        gateway(fake_line).multicast([USER] * 501, [TextMessage(text="多すぎる宛先")], str(uuid.uuid4()))

    assert error.value.status == 400 and error.value.message


def test_pushes_and_multicasts_reuse_one_kept_alive_connection(fake_line: FakeLine) -> None:
    """A response body left unread would keep its connection from the pool: each request would open a new one."""
    line = gateway(fake_line)
    for _ in range(5):
        line.push(USER, [TextMessage(text="お知らせ")], str(uuid.uuid4()))
        line.multicast([USER, OTHER], [TextMessage(text="お知らせ")], str(uuid.uuid4()))
    with pytest.raises(LineApiError):
        line.multicast([USER] * 501, [TextMessage(text="多すぎる宛先")], str(uuid.uuid4()))
    line.push(USER, [TextMessage(text="お知らせ")], str(uuid.uuid4()))

    pool = line._client.rest_client.pool_manager.connection_from_url(fake_line.base_url)
    assert (pool.num_requests, pool.num_connections) == (12, 1)
