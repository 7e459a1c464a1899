"""What makes sends fast without loosening a guarantee: kept-alive connections, overlapping requests.

No timing here (figures come from bench/fanout.py and bench/reminders.py): these
tests check the mechanisms through the fake LINE API's record.
"""

from __future__ import annotations

import threading
from collections import Counter

from linebot.v3.messaging import TextMessage
from sqlalchemy import select

from bot import clock
from bot.db.tables import Delivery, DeliveryStatus, LineUser
from bot.delivery import Renderers, Sender, create_dispatch, run_dispatch, text_content
from bot.delivery.ledger import batch_retry_key
from bot.delivery.ratelimit import MULTICAST_REQUESTS_PER_SECOND, TokenBucket
from bot.devtools.fake_line import ManualClock
from bot.line.gateway import LineGateway
from bot.services import Services
from tests.helpers import ACCESS_TOKEN, ECMO_TRAINING, add_users, received_counts

DISPATCH_KEY = "throughput-dispatch"


def new_dispatch(app, audience: str, content: dict) -> int:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return create_dispatch(session, DISPATCH_KEY, "announcement", audience, content, clock.now()).id


def test_one_gateway_sends_one_request_after_another_on_one_connection(fake_line):
    fake_line.state.set_quota(None)
    gateway = LineGateway(fake_line.base_url, "token")
    for n in range(20):
        gateway.push(f"U{n:032x}", [TextMessage(text="おはようございます")])

    assert len(fake_line.state.requests("/v2/bot/message/push")) == 20
    assert fake_line.client_connections == 1


def test_concurrent_pushes_reuse_at_most_one_connection_per_sender_thread(app, fake_line):
    fake_line.state.set_quota(None)
    add_users(app, 300)
    renderers = Renderers({"note": lambda session, services, user, params: [TextMessage(text="受講番号のご案内")]})
    dispatch_id = new_dispatch(app, "all", {"renderer": "note", "params": {}})
    gateway = LineGateway(fake_line.base_url, ACCESS_TOKEN, pool_size=8)
    sender = Sender(gateway)
    tally = run_dispatch(Services.of(app), dispatch_id, renderers, sender)

    assert sender.workers == 8  # the sender's threads never outnumber the gateway's connections
    assert tally.sent == 300 and len(fake_line.state.requests("/v2/bot/message/push")) == 300
    assert fake_line.client_connections <= 8


class WatchingGateway(LineGateway):
    """A gateway that, as each multicast leaves, reads the ledger from a connection of its own.

    It also holds the first multicast until a second one is on its way (or 20 s
    pass): a second can only arrive while the first is unanswered if batches overlap.
    """

    def __init__(self, base_url: str, database) -> None:  # type: ignore[no-untyped-def]
        super().__init__(base_url, ACCESS_TOKEN)
        self.database = database
        self.ledger_seen: list[tuple[int, int, set[tuple[str, str | None]]]] = []
        self.second_in_flight = threading.Event()
        self.overlapped = False
        self._calls = 0
        self._lock = threading.Lock()

    def multicast(self, user_ids, messages, retry_key=None):  # type: ignore[no-untyped-def]
        with self.database.session() as session:  # another connection: sees committed rows only
            rows = session.execute(
                select(Delivery.status, Delivery.retry_key)
                .join(LineUser, LineUser.id == Delivery.user_id)
                .where(LineUser.line_user_id.in_(user_ids))
            ).all()
        with self._lock:
            self._calls += 1
            first = self._calls == 1
            self.ledger_seen.append((len(user_ids), len(rows), {(status, key) for status, key in rows}))
        if first:
            self.overlapped = self.second_in_flight.wait(timeout=20)
        else:
            self.second_in_flight.set()
        return super().multicast(user_ids, messages, retry_key)


def test_batches_overlap_and_each_request_leaves_after_its_rows_are_committed_pending(app, fake_line):
    fake_line.state.set_quota(None)
    users = add_users(app, 2600, training=ECMO_TRAINING)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("同時に送っても一度だけ"))
    services = Services.of(app)
    gateway = WatchingGateway(fake_line.base_url, services.db)
    tally = run_dispatch(services, dispatch_id, sender=Sender(gateway))

    assert gateway.overlapped, "the second batch was not sent while the first was unanswered"
    multicasts = fake_line.state.requests("/v2/bot/message/multicast")
    assert len(multicasts) == 6 and len({r.retry_key for r in multicasts}) == 6
    assert sorted(size for size, _, _ in gateway.ledger_seen) == [100, 500, 500, 500, 500, 500]
    for size, rows, states in gateway.ledger_seen:
        assert rows == size and len(states) == 1  # every recipient's row, with one status and key...
        status, key = states.pop()
        assert status == DeliveryStatus.PENDING and key is not None  # ...committed pending before it left
    assert {r.retry_key for r in multicasts} == {batch_retry_key(DISPATCH_KEY, b) for b in range(6)}
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert (tally.sent, tally.pending) == (2600, 0)


def test_threads_sharing_a_rate_limit_never_exceed_it_in_any_window():
    clock = ManualClock()
    # Sleeping moves the clock at least a microsecond: a real clock always moves on, while a
    # float clock would swallow the sub-ulp waits rounding leaves.
    bucket = TokenBucket(MULTICAST_REQUESTS_PER_SECOND, clock=clock, sleep=lambda s: clock.advance(max(s, 1e-6)))
    granted: list[float] = []
    lock = threading.Lock()

    def take(count: int) -> None:
        for _ in range(count):
            bucket.acquire()
            with lock:
                granted.append(clock())

    threads = [threading.Thread(target=take, args=(50,)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    granted.sort()
    assert len(granted) == 800
    for first in range(len(granted)):  # every window [t, t + 1 s): at most burst + rate requests
        within = sum(1 for at in granted[first:] if at < granted[first] + 1.0)
        assert within <= bucket.burst + MULTICAST_REQUESTS_PER_SECOND
