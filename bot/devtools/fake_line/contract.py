"""Decide whether a request body honours LINE's contract.

Three independent judges, merged into one list of LINE-style error details:
the documented limits (always), a request schema, and the SDK's own pydantic
models (they prove that what we accept is what the real client library can
express). The schema is LINE's official OpenAPI document when the shared
file exists (the strict one), else the same operations as the SDK's models
describe them; both go through one check, so a violation gets the same
detail either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import ValidationError
from linebot.v3 import messaging as sdk
from pydantic.v1 import ValidationError as SdkValidationError

from bot.devtools.fake_line import limits
from bot.devtools.fake_line.errors import ErrorDetail, property_path
from bot.devtools.fake_line.sdk_schema import sdk_document
from bot.devtools.fake_line.spec import OpenApiContract, default_spec_path


@dataclass(frozen=True, slots=True)
class BodyRule:
    """How one operation's JSON body is checked.

    ``opaque`` names top-level fields the SDK's model checks only for being a string
    (``StrictStr``, no length or pattern; ``tests/test_fake_line_contract_memo.py``
    holds the SDK to that): any string there gets the same verdict, so the SDK's
    verdict is remembered for the body with those strings blanked (see ``_sdk_verdict``),
    as are the fields of its messages named in ``OPAQUE_MESSAGE_FIELDS``.
    """

    spec_path: str
    sdk_model: type
    limit_check: Callable[[dict[str, Any]], list[ErrorDetail]] | None = None
    opaque: tuple[str, ...] = ()


# Per message type, the fields the SDK's message model checks only for being a string:
# a text message's text. Personalised pushes differ only there (and in ``to``), so with it
# blanked ten thousand of them are one body to the SDK's check. The documented limits
# (5,000 characters) and the schema still see the text itself.
OPAQUE_MESSAGE_FIELDS: dict[str, tuple[str, ...]] = {"text": ("text",)}
MESSAGE_BODIES = frozenset({"reply", "push", "multicast", "broadcast"})

BODY_RULES: dict[str, BodyRule] = {
    "reply": BodyRule("/v2/bot/message/reply", sdk.ReplyMessageRequest,
                      limits.check_message_request, opaque=("replyToken",)),
    "push": BodyRule("/v2/bot/message/push", sdk.PushMessageRequest,
                     limits.check_message_request, opaque=("to",)),
    "multicast": BodyRule("/v2/bot/message/multicast", sdk.MulticastRequest,
                          lambda body: limits.check_message_request(body, multicast=True)),
    "broadcast": BodyRule("/v2/bot/message/broadcast", sdk.BroadcastRequest,
                          limits.check_message_request),
    "loading": BodyRule("/v2/bot/chat/loading/start", sdk.ShowLoadingAnimationRequest,
                        limits.check_loading_seconds),
    "richmenu_create": BodyRule("/v2/bot/richmenu", sdk.RichMenuRequest, limits.check_rich_menu),
    "richmenu_validate": BodyRule("/v2/bot/richmenu/validate", sdk.RichMenuRequest,
                                  limits.check_rich_menu),
}


class RequestContract:
    """Validates bodies by operation name against one compiled request schema.

    The schema's verdict comes from its fast validator; the slower one that
    names LINE's details runs only on a refused body (see ``spec``).
    """

    def __init__(self, schema: OpenApiContract, *, from_line_spec: bool) -> None:
        self.schema = schema
        self.from_line_spec = from_line_spec

    @classmethod
    def load(cls) -> RequestContract:
        """Read the shared spec when present; fall back to the SDK's schemas."""
        path = default_spec_path()
        if path.is_file():
            return cls(OpenApiContract.from_path(path), from_line_spec=True)
        return cls.from_sdk()

    @classmethod
    def from_sdk(cls) -> RequestContract:
        """The contract as line-bot-sdk's models describe it: no file needed."""
        document = sdk_document({rule.spec_path: rule.sdk_model for rule in BODY_RULES.values()})
        return cls(OpenApiContract(document), from_line_spec=False)

    @property
    def source(self) -> str:
        """What the schema was read from, for the server's start-up line."""
        return "LINE's OpenAPI spec" if self.from_line_spec else "line-bot-sdk's models"

    def check(self, operation: str, body: Any) -> list[ErrorDetail]:
        """All the reasons LINE would reject ``body``; empty when it is acceptable."""
        rule = BODY_RULES.get(operation)
        if rule is None:
            return []
        if not isinstance(body, dict):
            return [ErrorDetail("The request body must be a JSON object", "")]
        details = rule.limit_check(body) if rule.limit_check else []
        refused = self.schema.first_error("post", rule.spec_path, body)
        if refused is not None:
            explained = _schema_details(self.schema, rule.spec_path, body, details)
            if not explained and not details:  # never accept what the verdict refused
                explained = [ErrorDetail(refused[:200], "")]
            details.extend(explained)
        if not details:
            details.extend(_sdk_verdict(operation, _blanked(body, rule.opaque,
                                                            messages=operation in MESSAGE_BODIES)))
        return details


def _schema_details(schema: OpenApiContract, path: str, body: dict[str, Any],
                    already: list[ErrorDetail]) -> list[ErrorDetail]:
    """Schema errors, skipping properties the limit check already named.

    Sorted by property: the order of a schema's keywords differs between the
    spec file and the SDK's models, the details must not.
    """
    named = {detail.property for detail in already}
    details = []
    for error in schema.errors("post", path, body):
        for detail in _from_schema_error(error):
            if detail.property not in named:
                named.add(detail.property)
                details.append(detail)
    return sorted(details, key=lambda detail: detail.property)


def _from_schema_error(error: ValidationError) -> list[ErrorDetail]:
    """LINE's wording for one schema error; a ``required`` error names every missing field."""
    parts = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        return [ErrorDetail("Must be specified", property_path(parts + [name]))
                for name in value if isinstance(error.instance, dict) and name not in error.instance]
    messages = {
        "maxItems": f"Size must be at most {value}",
        "minItems": f"Size must be at least {value}",
        "maxLength": f"Length must be at most {value}",
        "minLength": f"Length must be at least {value}",
        "maximum": f"Must be less than or equal to {value}",
        "minimum": f"Must be greater than or equal to {value}",
        "type": f"Must be of type {value}",
        "enum": f"Must be one of {value}",
        "pattern": f"Must match {value}",
    }
    if kind == "enum" and parts and parts[-1] == "type":
        return [ErrorDetail(f"Invalid type: {error.instance!r}", property_path(parts))]
    return [ErrorDetail(messages.get(kind, error.message[:200]), property_path(parts))]


def _blanked(body: dict[str, Any], opaque: tuple[str, ...], *, messages: bool = False) -> str:
    """The body as JSON, with its opaque strings (a reply token, a user id, a text message's
    text when ``messages``) blanked."""
    blanked = {key: "" if key in opaque and isinstance(value, str) else value for key, value in body.items()}
    if messages and isinstance(blanked.get("messages"), list):
        blanked["messages"] = [_blanked_message(message) for message in blanked["messages"]]
    return json.dumps(blanked, ensure_ascii=False)


def _blanked_message(message: Any) -> Any:
    kind = message.get("type") if isinstance(message, dict) else None
    fields = OPAQUE_MESSAGE_FIELDS.get(kind) if isinstance(kind, str) else None
    if not fields:
        return message
    return {key: "" if key in fields and isinstance(value, str) else value for key, value in message.items()}


@lru_cache(maxsize=1024)
def _sdk_verdict(operation: str, blanked_body: str) -> tuple[ErrorDetail, ...]:
    """The SDK's details on a body, remembered for the last 1,024 distinct bodies.

    Building the SDK's models of a Flex reply (pydantic, box by box) took 1-2 ms of
    the fake's CPU, and a bot sends the same few answers to many trainees, each
    with its own reply token: with the token blanked, they are one body. The check
    runs on the blanked body itself, so what is remembered is the SDK's own verdict.
    """
    return tuple(_sdk_details(BODY_RULES[operation].sdk_model, json.loads(blanked_body)))


def _sdk_details(model: type, body: dict[str, Any]) -> list[ErrorDetail]:
    """Errors from the SDK's pydantic (v1-compat) models.

    Nested models are built by hand-written ``from_dict`` code, so an inner
    error carries a location relative to the inner model, not to the body.
    """
    try:
        model.from_dict(body)
    except SdkValidationError as error:
        return [ErrorDetail(str(item.get("msg", "invalid")),
                            property_path(tuple(item.get("loc", ()))))
                for item in error.errors()]
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        return [ErrorDetail(str(error).splitlines()[0][:200], "")]
    return []
