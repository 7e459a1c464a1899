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

from pydantic.v1.types import StrictStr

from bot.devtools.fake_line import RequestContract
from bot.devtools.fake_line.contract import BODY_RULES, _sdk_verdict

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
