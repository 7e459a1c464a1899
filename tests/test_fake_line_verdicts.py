"""The fake's fast schema verdict refuses exactly what the explaining validator refuses.

The fake decides each request with a Rust validator and asks Python's
``jsonschema`` for LINE's error details only when that verdict is "refused"
(``bot/devtools/fake_line/spec.py``). Should the two ever disagree, the fake
would accept a body the contract refuses (a weaker fake) or refuse one without
a reason. So both judge the same bodies here: hand-written ones covering each
kind of rule the contract uses, and seeded random mutations of valid requests,
for both sources of the schema (LINE's OpenAPI file and the SDK's models).
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from bot.devtools.fake_line import RequestContract
from bot.devtools.fake_line.contract import BODY_RULES
from bot.devtools.fake_line.spec import default_spec_path

QUICK_REPLY = {"items": [{"type": "action", "action": {"type": "postback", "label": "はい",
                                                        "data": "a=1", "displayText": "はい"}}]}
FLEX = {"type": "flex", "altText": "予定", "contents": {
    "type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": "明日", "size": "sm", "wrap": True},
        {"type": "button", "action": {"type": "uri", "label": "開く", "uri": "https://example.com"}}]}}}
TEMPLATE = {"type": "template", "altText": "確認", "template": {
    "type": "confirm", "text": "参加しますか", "actions": [
        {"type": "message", "label": "はい", "text": "はい"},
        {"type": "message", "label": "いいえ", "text": "いいえ"}]}}
RICH_MENU = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "main",
             "chatBarText": "メニュー", "areas": [
                 {"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                  "action": {"type": "postback", "label": "FAQ", "data": "action=faq"}}]}

VALID: list[tuple[str, dict[str, Any]]] = [
    ("push", {"to": "U1", "messages": [{"type": "text", "text": "こんにちは", "quickReply": QUICK_REPLY}]}),
    ("push", {"to": "U1", "messages": [FLEX, TEMPLATE], "notificationDisabled": True}),
    ("multicast", {"to": [f"U{n}" for n in range(3)], "messages": [{"type": "text", "text": "全員"}]}),
    ("reply", {"replyToken": "t", "messages": [{"type": "sticker", "packageId": "1", "stickerId": "2"}]}),
    ("broadcast", {"messages": [{"type": "image", "originalContentUrl": "https://example.com/a.png",
                                 "previewImageUrl": "https://example.com/b.png"}]}),
    ("loading", {"chatId": "U1", "loadingSeconds": 20}),
    ("richmenu_create", RICH_MENU),
]

HAND_WRITTEN_INVALID: list[tuple[str, dict[str, Any]]] = [
    ("push", {}),
    ("push", {"to": ["U1"], "messages": [{"type": "text", "text": "x"}]}),
    ("push", {"to": "U1", "messages": []}),
    ("push", {"to": "U1", "messages": [{"type": "hologram", "text": "x"}]}),
    ("push", {"to": "U1", "messages": [{"type": ["text"], "text": "x"}]}),
    ("push", {"to": "U1", "messages": [{"type": None, "text": "x"}]}),
    ("push", {"to": "U1", "messages": [{"text": "x"}]}),
    ("push", {"to": "U1", "messages": [{"type": "text"}]}),
    ("push", {"to": "U1", "messages": [{"type": "text", "text": 5}]}),
    ("push", {"to": "U1", "messages": ["text"]}),
    ("push", {"to": "U1", "messages": [{"type": "text", "text": "x",
                                        "quickReply": {"items": [{"type": "action",
                                                                  "action": {"type": "teleport"}}]}}]}),
    ("push", {"to": "U1", "messages": [{**FLEX, "contents": {"type": "bubble", "body": {
        "type": "box", "layout": "vertical", "contents": [{"type": "text", "text": 3}]}}}]}),
    ("push", {"to": "U1", "messages": [{**TEMPLATE, "template": {"type": "confirm", "text": "x"}}]}),
    ("multicast", {"to": ["U1", 2], "messages": [{"type": "text", "text": "x"}]}),
    ("multicast", {"to": "U1", "messages": [{"type": "text", "text": "x"}]}),
    ("loading", {"chatId": "U1", "loadingSeconds": "20"}),
    ("richmenu_create", {**RICH_MENU, "size": {"width": "2500", "height": 843}}),
]


def mutations(body: Any, rng: random.Random, count: int) -> list[Any]:
    """``count`` copies of ``body``, each with one value somewhere replaced, dropped or added."""
    replacements: list[Any] = [None, 0, -1, 1.5, True, "", "x" * 3, [], {}, ["U1"], {"type": "text"}]
    mutated = []
    for _ in range(count):
        copied = copy.deepcopy(body)
        node, path = copied, []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.75:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            if not isinstance(node[key], (dict, list)) or not node[key]:
                break
            path.append(key)
            node = node[key]
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            action = rng.randrange(3)
            if action == 0:
                del node[key]
            elif action == 1:
                node[key] = rng.choice(replacements)
            else:
                node["unknownProperty"] = rng.choice(replacements)
        elif isinstance(node, list) and node:
            node[rng.randrange(len(node))] = rng.choice(replacements)
        mutated.append(copied)
    return mutated


def corpus() -> list[tuple[str, Any]]:
    rng = random.Random(9)
    bodies = list(VALID) + list(HAND_WRITTEN_INVALID)
    for operation, body in VALID:
        bodies.extend((operation, mutated) for mutated in mutations(body, rng, 60))
    return bodies


@pytest.fixture(params=["line-openapi", "sdk-models"], scope="module")
def contract(request: pytest.FixtureRequest) -> RequestContract:
    if request.param == "sdk-models":
        return RequestContract.from_sdk()
    if not default_spec_path().is_file():
        pytest.skip(f"LINE's OpenAPI file is absent: {default_spec_path()}")
    return RequestContract.load()


def test_the_fast_verdict_and_the_explaining_validator_agree_on_every_body(
        contract: RequestContract) -> None:
    disagreements = []
    refused = 0
    for operation, body in corpus():
        path = BODY_RULES[operation].spec_path
        fast_refuses = contract.schema.first_error("post", path, body) is not None
        explained = list(contract.schema.errors("post", path, body))
        refused += fast_refuses
        if fast_refuses != bool(explained):
            disagreements.append((operation, body, [error.message for error in explained]))

    assert disagreements == []
    assert refused > 100  # the mutations reach the rules, not only the valid bodies


@pytest.mark.parametrize(("operation", "body"), VALID)
def test_valid_requests_pass_both(contract: RequestContract, operation: str,
                                  body: dict[str, Any]) -> None:
    assert contract.check(operation, body) == []


@pytest.mark.parametrize(("operation", "body"), HAND_WRITTEN_INVALID)
def test_each_hand_written_violation_is_refused_with_a_named_detail(
        contract: RequestContract, operation: str, body: dict[str, Any]) -> None:
    details = contract.check(operation, body)

    assert details
    assert all(detail.message for detail in details)
