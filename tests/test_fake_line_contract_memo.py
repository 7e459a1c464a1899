"""The fake remembers the SDK's verdict on a body, and only where any reply token or user id gets the same one.

Building the SDK's models of a Flex reply is most of the fake's CPU per answer, and
a bot sends the same answer to many trainees, each with its own reply token. The
fake checks a body with its reply token (push: its recipient) blanked and remembers
that verdict (``bot/devtools/fake_line/contract.py``). That is the SDK's own verdict
only while the SDK checks those fields for being a string and nothing more; these
tests hold the SDK to it, and show that remembered verdicts, refusals included,
are the ones a fresh check gives.
"""

from __future__ import annotations

import copy
from typing import Any

from linebot.v3 import messaging as sdk
from pydantic.v1.types import StrictStr

from bot.devtools.fake_line import RequestContract
from bot.devtools.fake_line.contract import BODY_RULES, OPAQUE_MESSAGE_FIELDS, _sdk_verdict

FLEX_TABLE = {"type": "flex", "altText": "日程", "contents": {
    "type": "bubble", "size": "giga", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": "日程", "weight": "bold", "size": "sm", "wrap": True},
        {"type": "box", "layout": "horizontal", "spacing": "md", "contents": [
            {"type": "text", "text": "1月8日", "size": "xs", "color": "#555555", "flex": 2, "wrap": True},
            {"type": "text", "text": "東京会場", "size": "xs", "flex": 5, "wrap": True}]}]}}}


def reply(token: Any, message: dict[str, Any]) -> dict[str, Any]:
    return {"replyToken": token, "messages": [copy.deepcopy(message)]}


def test_the_sdk_checks_the_blanked_fields_for_being_a_string_and_nothing_else() -> None:
    for operation, rule in BODY_RULES.items():
        model = rule.sdk_model
        fields = {field.alias: field for field in model.__fields__.values()}
        for name in rule.opaque:
            assert fields[name].outer_type_ is StrictStr, (operation, name)  # not a constr with a length or pattern
            assert not fields[name].class_validators, (operation, name)
        if rule.opaque:
            assert not model.__pre_root_validators__ and not model.__post_root_validators__, operation


def test_the_same_flex_answer_to_another_token_reuses_the_verdict() -> None:
    contract = RequestContract.from_sdk()
    assert contract.check("reply", reply("token-of-the-first-trainee", FLEX_TABLE)) == []
    hits = _sdk_verdict.cache_info().hits

    assert contract.check("reply", reply("token-of-the-second-trainee", FLEX_TABLE)) == []
    assert _sdk_verdict.cache_info().hits == hits + 1


def test_a_remembered_refusal_is_given_again_with_its_details() -> None:
    contract = RequestContract.from_sdk()  # the SDK alone knows box layouts here
    diagonal = copy.deepcopy(FLEX_TABLE)
    diagonal["contents"]["body"]["layout"] = "diagonal"

    first = contract.check("reply", reply("token-a", diagonal))
    second = contract.check("reply", reply("token-b", diagonal))

    assert first and second == first
    assert any(detail.property == "layout" for detail in second)


def test_a_token_that_is_not_a_string_is_not_blanked_into_an_accepted_body() -> None:
    contract = RequestContract.from_sdk()
    assert contract.check("reply", reply("a-string-token", FLEX_TABLE)) == []

    assert contract.check("reply", reply(12345, FLEX_TABLE)) != []
    assert contract.check("push", {"to": ["U1"], "messages": [FLEX_TABLE]}) != []


def test_the_sdk_checks_the_blanked_message_fields_for_being_a_string_and_nothing_else() -> None:
    models = {"text": sdk.TextMessage}
    assert set(OPAQUE_MESSAGE_FIELDS) <= set(models)
    for kind, names in OPAQUE_MESSAGE_FIELDS.items():
        model = models[kind]
        fields = {field.alias: field for field in model.__fields__.values()}
        for name in names:
            assert fields[name].outer_type_ is StrictStr, (kind, name)
            assert not fields[name].class_validators, (kind, name)
        assert not model.__pre_root_validators__ and not model.__post_root_validators__, kind
        for field in model.__fields__.values():  # no other field's check reads the blanked ones
            for validator in field.class_validators.values():
                assert "values" not in validator.func.__code__.co_varnames, (kind, field.name)


def test_personalised_pushes_that_differ_only_in_their_text_reuse_the_verdict() -> None:
    contract = RequestContract.from_sdk()
    first = {"to": "U1", "messages": [{"type": "text", "text": "山田様 受講番号は 101 です"}]}
    second = {"to": "U2", "messages": [{"type": "text", "text": "佐藤様 受講番号は 202 です"}]}
    assert contract.check("push", first) == []
    hits = _sdk_verdict.cache_info().hits

    assert contract.check("push", second) == []
    assert _sdk_verdict.cache_info().hits == hits + 1


def test_a_remembered_text_verdict_does_not_let_a_bad_text_through() -> None:
    contract = RequestContract.from_sdk()
    assert contract.check("push", {"to": "U1", "messages": [{"type": "text", "text": "ご案内"}]}) == []

    too_long = contract.check("push", {"to": "U1", "messages": [{"type": "text", "text": "x" * 5001}]})
    not_a_string = contract.check("push", {"to": "U1", "messages": [{"type": "text", "text": 101}]})
    type_not_a_string = contract.check("push", {"to": "U1", "messages": [{"type": ["text"], "text": "ご案内"}]})

    assert [detail.property for detail in too_long] == ["messages[0].text"]
    assert not_a_string and type_not_a_string
