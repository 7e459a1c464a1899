"""The fake LINE Messaging API behaves like LINE for everything the bot relies on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.devtools.fake_line import (
    FakeLine,
    FakeLineState,
    ManualClock,
    RequestContract,
    create_fake_line_app,
)
from bot.devtools.fake_line.spec import default_spec_path

AUTH = {"Authorization": "Bearer test-token"}
REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
MULTICAST = "/v2/bot/message/multicast"


def text(body: str = "こんにちは") -> dict[str, Any]:
    return {"type": "text", "text": body}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1000.0)


@pytest.fixture(scope="module")
def sdk_contract() -> RequestContract:
    return RequestContract.from_sdk()


@pytest.fixture(params=["line-openapi", "sdk-models"])
def contract(request: pytest.FixtureRequest, line_contract: RequestContract,
             sdk_contract: RequestContract) -> RequestContract:
    """Each source of the request schema: what LINE rejects must not depend on it."""
    if request.param == "sdk-models":
        return sdk_contract
    if not line_contract.from_line_spec:
        pytest.skip(f"LINE's OpenAPI file is absent: {default_spec_path()}")
    return line_contract


@pytest.fixture
def fake(clock: ManualClock, contract: RequestContract) -> Iterator[FakeLine]:
    with FakeLine.running(clock=clock, sleep=clock.sleep, contract=contract) as running:
        yield running


@pytest.fixture
def api(fake: FakeLine) -> Iterator[MessagingApi]:
    with ApiClient(Configuration(host=fake.base_url, access_token="x")) as client:
        yield MessagingApi(client)


def post(fake: FakeLine, path: str, body: Any, **headers: str) -> requests.Response:
    return requests.post(fake.base_url + path, json=body, headers={**AUTH, **headers}, timeout=5)


def rejected_properties(response: requests.Response) -> list[str]:
    return [detail["property"] for detail in response.json().get("details", [])]


# -- accepted traffic, through the real SDK client ------------------------------

@pytest.mark.skipif(not default_spec_path().is_file(),
                    reason="LINE's OpenAPI file is absent (../shared/line-openapi or KENSHU_LINE_OPENAPI)")
def test_the_shared_spec_is_read_so_validation_is_strict(fake_line: FakeLine) -> None:
    assert fake_line.state.contract.from_line_spec


def test_sdk_reply_push_and_multicast_are_accepted_and_delivered(
        fake: FakeLine, api: MessagingApi) -> None:
    token = fake.state.issue_reply_token("U-alice")
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="受付")]))
    pushed = api.push_message(PushMessageRequest(to="U-alice", messages=[TextMessage(text="明日")]),
                              x_line_retry_key=str(uuid.uuid4()))
    api.multicast(MulticastRequest(to=["U-alice", "U-bob"], messages=[TextMessage(text="全員")]))

    assert len(pushed.sent_messages) == 1
    assert fake.state.texts_to("U-alice") == ["受付", "明日", "全員"]
    assert fake.state.texts_to("U-bob") == ["全員"]
    assert [r.endpoint for r in fake.state.requests()] == ["reply", "push", "multicast"]
    assert all(r.status == 200 for r in fake.state.requests())


def test_sdk_loading_indicator_and_profile(fake: FakeLine, api: MessagingApi) -> None:
    api.show_loading_animation(ShowLoadingAnimationRequest(chat_id="U-alice", loading_seconds=20))
    fake.state.set_profile("U-alice", "山田 花子", language="ja")

    profile = api.get_profile("U-alice")

    assert (profile.display_name, profile.language) == ("山田 花子", "ja")
    assert fake.state.requests()[0].status == 202


def test_sdk_rich_menu_lifecycle(fake: FakeLine, api: MessagingApi) -> None:
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843), selected=True, name="main",
        chat_bar_text="メニュー",
        areas=[RichMenuArea(bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                            action=PostbackAction(label="FAQ", data="action=faq"))])
    api.validate_rich_menu_object(menu)
    menu_id = api.create_rich_menu(menu).rich_menu_id
    with ApiClient(Configuration(host=fake.base_url, access_token="x")) as client:
        MessagingApiBlob(client).set_rich_menu_image(
            menu_id, body=b"\x89PNG fake", _headers={"Content-Type": "image/png"})
    api.set_default_rich_menu(menu_id)

    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [menu_id]
    assert fake.state.default_rich_menu == menu_id
    api.delete_rich_menu(menu_id)
    assert api.get_rich_menu_list().richmenus == []


# -- documented limits ------------------------------------------------------------

def test_six_messages_are_rejected(fake: FakeLine) -> None:
    response = post(fake, PUSH, {"to": "U1", "messages": [text()] * 6})

    assert response.status_code == 400
    assert rejected_properties(response) == ["messages"]
    assert fake.state.deliveries() == {}


def test_501_multicast_recipients_are_rejected(fake: FakeLine) -> None:
    response = post(fake, MULTICAST, {"to": [f"U{i}" for i in range(501)], "messages": [text()]})

    assert response.status_code == 400
    assert rejected_properties(response) == ["to"]


def test_5001_character_text_is_rejected_even_though_the_sdk_allows_it(
        fake: FakeLine, api: MessagingApi) -> None:
    with pytest.raises(ApiException) as rejected:
        api.push_message(PushMessageRequest(to="U1", messages=[TextMessage(text="あ" * 5001)]))

    assert rejected.value.status == 400
    assert "messages[0].text" in rejected.value.body


def test_fourteen_quick_reply_items_are_rejected(fake: FakeLine) -> None:
    item = {"type": "action", "action": {"type": "message", "label": "はい", "text": "はい"}}
    message = {**text(), "quickReply": {"items": [item] * 14}}

    response = post(fake, PUSH, {"to": "U1", "messages": [message]})

    assert response.status_code == 400
    assert "messages[0].quickReply.items" in rejected_properties(response)


def test_quick_reply_label_and_postback_data_limits(fake: FakeLine) -> None:
    action = {"type": "postback", "label": "x" * 21, "data": "d" * 301}
    message = {**text(), "quickReply": {"items": [{"type": "action", "action": action}]}}

    response = post(fake, PUSH, {"to": "U1", "messages": [message]})

    assert response.status_code == 400
    assert set(rejected_properties(response)) == {
        "messages[0].quickReply.items[0].action.label",
        "messages[0].quickReply.items[0].action.data"}


@pytest.mark.parametrize(("message", "detail"), [
    pytest.param({"type": "hologram", "text": "x"},
                 {"message": "Invalid type: 'hologram'", "property": "messages[0].type"},
                 id="unknown message type"),
    pytest.param({"text": "x"}, {"message": "Must be specified", "property": "messages[0].type"},
                 id="no message type"),
    pytest.param({"type": "text"}, {"message": "Must be specified", "property": "messages[0].text"},
                 id="discriminated subtype: a text message needs text"),
    pytest.param({"type": "text", "text": 5},
                 {"message": "Must be of type string", "property": "messages[0].text"},
                 id="text that is not a string"),
    pytest.param(text("a" * 5001),
                 {"message": "Length must be between 0 and 5000", "property": "messages[0].text"},
                 id="5001 characters"),
    pytest.param({**text(), "quickReply": {"items": [
                     {"type": "action", "action": {"type": "teleport", "label": "x"}}]}},
                 {"message": "Invalid type: 'teleport'",
                  "property": "messages[0].quickReply.items[0].action.type"},
                 id="unknown quick-reply action type"),
])
def test_a_malformed_message_is_rejected_with_lines_detail(
        fake: FakeLine, message: dict[str, Any], detail: dict[str, str]) -> None:
    response = post(fake, PUSH, {"to": "U1", "messages": [message]})

    assert response.status_code == 400
    assert response.json() == {"message": "The request body has 1 error(s)", "details": [detail]}
    assert fake.state.deliveries() == {}


def test_a_body_without_its_required_fields_names_each(fake: FakeLine) -> None:
    response = post(fake, PUSH, {})

    assert response.status_code == 400
    assert response.json()["details"] == [
        {"message": "Must be specified", "property": "messages"},
        {"message": "Must be specified", "property": "to"}]


def test_invalid_requests_are_recorded_with_their_error(fake: FakeLine) -> None:
    post(fake, PUSH, {"to": "U1", "messages": [text()] * 6})

    [record] = requests.get(fake.base_url + "/__fake__/requests", timeout=5).json()["requests"]

    assert record["status"] == 400
    assert record["error"]["details"][0]["property"] == "messages"


# -- reply tokens -------------------------------------------------------------------

def test_reply_token_minted_over_http_is_single_use(fake: FakeLine) -> None:
    minted = requests.post(fake.base_url + "/__fake__/reply-tokens", json={"userId": "U1"},
                           timeout=5).json()["replyToken"]

    first = post(fake, REPLY, {"replyToken": minted, "messages": [text("1")]})
    again = post(fake, REPLY, {"replyToken": minted, "messages": [text("2")]})

    assert first.status_code == 200
    assert (again.status_code, again.json()) == (400, {"message": "Invalid reply token"})
    assert fake.state.texts_to("U1") == ["1"]


def test_expired_reply_token_is_rejected(fake: FakeLine, clock: ManualClock) -> None:
    token = fake.state.issue_reply_token("U1")
    clock.advance(61)

    response = post(fake, REPLY, {"replyToken": token, "messages": [text()]})

    assert (response.status_code, response.json()["message"]) == (400, "Invalid reply token")


def test_unknown_reply_token_is_rejected(fake: FakeLine) -> None:
    assert post(fake, REPLY, {"replyToken": "nope", "messages": [text()]}).status_code == 400


# -- retry keys -----------------------------------------------------------------------

def test_duplicate_retry_key_answers_409_and_delivers_once(fake: FakeLine) -> None:
    key = str(uuid.uuid4())
    first = post(fake, PUSH, {"to": "U1", "messages": [text()]}, **{"X-Line-Retry-Key": key})
    second = post(fake, PUSH, {"to": "U1", "messages": [text()]}, **{"X-Line-Retry-Key": key})

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert second.json()["sentMessages"] == first.json()["sentMessages"]
    assert len(fake.state.messages_to("U1")) == 1


def test_retry_key_must_be_a_uuid(fake: FakeLine) -> None:
    response = post(fake, PUSH, {"to": "U1", "messages": [text()]},
                    **{"X-Line-Retry-Key": "not-a-uuid"})

    assert response.status_code == 400
    assert fake.state.deliveries() == {}


# -- rate limits, faults, quota -------------------------------------------------------

def test_per_endpoint_rate_limit_answers_429_until_the_bucket_refills(
        fake: FakeLine, clock: ManualClock) -> None:
    fake.state.limiter.set_limit("push", 2)
    statuses = [post(fake, PUSH, {"to": "U1", "messages": [text()]}).status_code
                for _ in range(3)]
    replies_still_allowed = post(fake, REPLY, {"replyToken": fake.state.issue_reply_token("U1"),
                                               "messages": [text()]})
    clock.advance(1.0)
    after_refill = post(fake, PUSH, {"to": "U1", "messages": [text()]})

    assert statuses == [200, 200, 429]
    assert replies_still_allowed.status_code == 200
    assert after_refill.status_code == 200


def test_rate_limit_body_is_lines(fake: FakeLine) -> None:
    requests.post(fake.base_url + "/__fake__/rate-limits", json={"multicast": 1}, timeout=5)
    post(fake, MULTICAST, {"to": ["U1"], "messages": [text()]})

    response = post(fake, MULTICAST, {"to": ["U1"], "messages": [text()]})

    assert (response.status_code, response.json()) == (
        429, {"message": "The API rate limit has been exceeded. Try again later."})


def test_injected_500s_at_rate_one_hit_only_the_chosen_paths(fake: FakeLine) -> None:
    requests.post(fake.base_url + "/__fake__/faults", timeout=5,
                  json={"error_rate": 1.0, "error_status": 500, "paths": [PUSH], "latency_ms": 5})

    pushes = [post(fake, PUSH, {"to": "U1", "messages": [text()]}).status_code for _ in range(3)]
    other = post(fake, MULTICAST, {"to": ["U1"], "messages": [text()]})
    requests.delete(fake.base_url + "/__fake__/faults", timeout=5)
    recovered = post(fake, PUSH, {"to": "U1", "messages": [text()]})

    assert pushes == [500, 500, 500]
    assert (other.status_code, recovered.status_code) == (200, 200)
    assert fake.state.texts_to("U1") == ["こんにちは", "こんにちは"]


def test_fault_rate_is_deterministic_for_a_seed(clock: ManualClock,
                                                line_contract: RequestContract) -> None:
    def statuses() -> list[int]:
        with FakeLine.running(clock=clock, sleep=clock.sleep, contract=line_contract) as fake:
            fake.state.set_faults(error_rate=0.5, error_status=503, seed=42)
            return [post(fake, PUSH, {"to": "U1", "messages": [text()]}).status_code
                    for _ in range(10)]

    first, second = statuses(), statuses()
    assert first == second
    assert set(first) == {200, 503}


def test_quota_counts_pushed_and_multicast_messages_per_recipient_not_replies(
        fake: FakeLine) -> None:
    fake.state.set_quota(5)
    post(fake, REPLY, {"replyToken": fake.state.issue_reply_token("U1"), "messages": [text()] * 3})
    post(fake, MULTICAST, {"to": ["U1", "U2"], "messages": [text(), text()]})
    over = post(fake, PUSH, {"to": "U3", "messages": [text(), text()]})
    exact = post(fake, PUSH, {"to": "U3", "messages": [text()]})
    quota = requests.get(fake.base_url + "/v2/bot/message/quota", headers=AUTH, timeout=5).json()
    used = requests.get(fake.base_url + "/v2/bot/message/quota/consumption", headers=AUTH,
                        timeout=5).json()

    assert (over.status_code, over.json()) == (429, {"message": "You have reached your monthly limit."})
    assert exact.status_code == 200
    assert quota == {"type": "limited", "value": 5}
    assert used == {"totalUsage": 5}
    assert "U3" in fake.state.deliveries() and len(fake.state.messages_to("U3")) == 1


def test_unlimited_quota_reports_type_none(fake: FakeLine, api: MessagingApi) -> None:
    fake.state.set_quota(None)

    assert api.get_message_quota().type == "none"


# -- users -------------------------------------------------------------------------------

def test_profiles_default_configured_and_blocked(fake: FakeLine) -> None:
    requests.post(fake.base_url + "/__fake__/profiles", timeout=5,
                  json={"userId": "U-taro", "displayName": "研修 太郎", "language": "ja"})
    requests.post(fake.base_url + "/__fake__/blocked", json={"userIds": ["U-gone"]}, timeout=5)

    def profile(user_id: str) -> requests.Response:
        return requests.get(f"{fake.base_url}/v2/bot/profile/{user_id}", headers=AUTH, timeout=5)

    assert profile("U-taro").json() == {"userId": "U-taro", "displayName": "研修 太郎",
                                        "language": "ja"}
    assert profile("U-abcdef123456").json()["displayName"] == "User 123456"
    assert profile("U-gone").status_code == 404


def test_push_to_a_blocked_user_is_accepted_but_not_delivered_nor_charged(
        fake: FakeLine) -> None:
    fake.state.block(["U-gone"])

    push = post(fake, PUSH, {"to": "U-gone", "messages": [text()]})
    multicast = post(fake, MULTICAST, {"to": ["U-gone", "U-here"], "messages": [text()]})

    assert (push.status_code, multicast.status_code) == (200, 200)
    assert list(fake.state.deliveries()) == ["U-here"]
    assert fake.state.consumption_json() == {"totalUsage": 1}


def test_broadcast_reaches_known_friends_except_blocked(fake: FakeLine) -> None:
    fake.state.add_friends(["U1", "U2", "U3"])
    fake.state.block(["U3"])

    response = post(fake, "/v2/bot/message/broadcast", {"messages": [text("お知らせ")]})

    assert response.status_code == 200
    assert fake.state.deliveries() == {"U1": [text("お知らせ")], "U2": [text("お知らせ")]}


# -- authentication and the record ------------------------------------------------------

def test_missing_or_wrong_token_answers_401(clock: ManualClock,
                                            line_contract: RequestContract) -> None:
    with FakeLine.running(clock=clock, channel_token="secret", contract=line_contract) as fake:
        anonymous = requests.post(fake.base_url + PUSH, json={"to": "U1", "messages": [text()]},
                                  timeout=5)
        wrong = post(fake, PUSH, {"to": "U1", "messages": [text()]})
        right = requests.post(fake.base_url + PUSH, json={"to": "U1", "messages": [text()]},
                              headers={"Authorization": "Bearer secret"}, timeout=5)

    assert [r.status_code for r in (anonymous, wrong, right)] == [401, 401, 200]


def test_record_filters_by_path_and_can_be_cleared(fake: FakeLine) -> None:
    post(fake, PUSH, {"to": "U1", "messages": [text()]})
    post(fake, MULTICAST, {"to": ["U1"], "messages": [text()]})

    only_push = requests.get(fake.base_url + "/__fake__/requests", params={"path": PUSH},
                             timeout=5).json()["requests"]
    requests.delete(fake.base_url + "/__fake__/requests", timeout=5)
    after_clear = requests.get(fake.base_url + "/__fake__/requests", timeout=5).json()

    assert [r["path"] for r in only_push] == [PUSH]
    assert only_push[0]["recipients"] == ["U1"]
    assert after_clear == {"requests": []}
    assert fake.state.deliveries() == {}


def test_counts_by_path_and_status_are_exposed_without_the_bodies(fake: FakeLine) -> None:
    post(fake, PUSH, {"to": "U1", "messages": [text()]})
    post(fake, PUSH, {"to": "U1", "messages": []})  # refused by the contract
    post(fake, MULTICAST, {"to": ["U1"], "messages": [text()]})

    counts = requests.get(fake.base_url + "/__fake__/counts", timeout=5).json()

    assert counts == {PUSH: {"200": 1, "400": 1}, MULTICAST: {"200": 1}}


def test_deliveries_are_exposed_over_http(fake: FakeLine) -> None:
    post(fake, PUSH, {"to": "U1", "messages": [text("やあ")]})

    response = requests.get(fake.base_url + "/__fake__/deliveries", params={"userId": "U1"},
                            timeout=5)

    assert response.json() == {"U1": [text("やあ")]}


def test_state_can_be_shared_with_an_app_under_flask_test_client(
        clock: ManualClock, line_contract: RequestContract) -> None:
    state = FakeLineState(clock=clock, contract=line_contract)
    client = create_fake_line_app(state).test_client()

    response = client.post(PUSH, json={"to": "U1", "messages": [text()]}, headers=AUTH)

    assert response.status_code == 200
    assert state.texts_to("U1") == ["こんにちは"]
