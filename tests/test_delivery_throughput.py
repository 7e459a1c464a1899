"""What makes sends fast without loosening a guarantee: kept-alive connections, overlapping requests.

No timing here (figures come from bench/fanout.py and bench/reminders.py): these
tests check the mechanisms through the fake LINE API's record.
"""

from __future__ import annotations

from linebot.v3.messaging import TextMessage

from bot.delivery import Sender
from bot.delivery.sender import Push
from bot.line.gateway import LineGateway


def test_one_gateway_sends_one_request_after_another_on_one_connection(fake_line):
    fake_line.state.set_quota(None)
    gateway = LineGateway(fake_line.base_url, "token")
    try:
        for n in range(20):
            gateway.push(f"U{n:032x}", [TextMessage(text="おはようございます")])
    finally:
        gateway.close()

    assert len(fake_line.state.requests("/v2/bot/message/push")) == 20
    assert fake_line.client_connections == 1


def test_concurrent_pushes_reuse_at_most_one_connection_per_sender_thread(fake_line):
    fake_line.state.set_quota(None)
    gateway = LineGateway(fake_line.base_url, "token", pool_size=8)
    sender = Sender(gateway)
    pushes = [Push(f"U{n:032x}", [TextMessage(text="受講番号のご案内")], f"00000000-0000-4000-8000-{n:012x}")
              for n in range(200)]
    try:
        outcomes = sender.push_all(pushes)
    finally:
        gateway.close()

    assert sender.workers == 8  # the sender's threads never outnumber the gateway's connections
    assert len(outcomes) == 200 and len(fake_line.state.requests("/v2/bot/message/push")) == 200
    assert fake_line.client_connections <= 8
