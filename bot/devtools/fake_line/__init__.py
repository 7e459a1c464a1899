"""A local stand-in for LINE's Messaging API, so nothing in tests ever calls LINE.

Start it in a test::

    with FakeLine.running() as fake:
        api = MessagingApi(ApiClient(Configuration(host=fake.base_url, access_token="x")))
        token = fake.state.issue_reply_token("U1")
        ...
        assert fake.state.texts_to("U1") == ["..."]
"""

from bot.devtools.fake_line.app import create_fake_line_app
from bot.devtools.fake_line.contract import RequestContract
from bot.devtools.fake_line.errors import ErrorDetail
from bot.devtools.fake_line.faults import FaultConfig
from bot.devtools.fake_line.ratelimit import DEFAULT_RATE_LIMITS, RateLimit
from bot.devtools.fake_line.record import Delivery, RecordedRequest
from bot.devtools.fake_line.server import FakeLine, serve
from bot.devtools.fake_line.state import FakeLineState
from bot.devtools.fake_line.timing import ManualClock

__all__ = [
    "DEFAULT_RATE_LIMITS", "Delivery", "ErrorDetail", "FakeLine", "FakeLineState",
    "FaultConfig", "ManualClock", "RateLimit", "RecordedRequest", "RequestContract",
    "create_fake_line_app", "serve",
]
