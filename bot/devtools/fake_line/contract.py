"""Decide whether a request body honours LINE's contract.

Three independent judges, merged into one list of LINE-style error details:
the documented limits (always), the official OpenAPI schema (when the shared
spec file exists; the strict one), and the SDK's own pydantic models (always;
they prove that what we accept is what the real client library can express).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError
from linebot.v3 import messaging as sdk
from pydantic.v1 import ValidationError as SdkValidationError

from bot.devtools.fake_line import limits
from bot.devtools.fake_line.errors import ErrorDetail, property_path
from bot.devtools.fake_line.spec import OpenApiContract, default_spec_path


@dataclass(frozen=True, slots=True)
class BodyRule:
    """How one operation's JSON body is checked."""

    spec_path: str
    sdk_model: type | None
    limit_check: Callable[[dict[str, Any]], list[ErrorDetail]] | None = None


BODY_RULES: dict[str, BodyRule] = {
    "reply": BodyRule("/v2/bot/message/reply", sdk.ReplyMessageRequest,
                      limits.check_message_request),
    "push": BodyRule("/v2/bot/message/push", sdk.PushMessageRequest,
                     limits.check_message_request),
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
    """Validates bodies by operation name; holds the compiled spec, if any."""

    def __init__(self, spec: OpenApiContract | None) -> None:
        self.spec = spec

    @classmethod
    def load(cls, spec_path: Path | None = None, use_spec: bool = True) -> RequestContract:
        """Read the shared spec when present; fall back to SDK models and limits only."""
        if not use_spec:
            return cls(None)
        path = spec_path or default_spec_path()
        return cls(OpenApiContract.from_path(path) if path.is_file() else None)

    def check(self, operation: str, body: Any) -> list[ErrorDetail]:
        """All the reasons LINE would reject ``body``; empty when it is acceptable."""
        rule = BODY_RULES.get(operation)
        if rule is None:
            return []
        if not isinstance(body, dict):
            return [ErrorDetail("The request body must be a JSON object", "")]
        details = rule.limit_check(body) if rule.limit_check else []
        if self.spec is not None:
            details.extend(_spec_details(self.spec, rule.spec_path, body, details))
        if not details and rule.sdk_model is not None:
            details.extend(_sdk_details(rule.sdk_model, body))
        return details


def _spec_details(spec: OpenApiContract, path: str, body: dict[str, Any],
                  already: list[ErrorDetail]) -> list[ErrorDetail]:
    """Schema errors, skipping properties the limit check already named."""
    named = {detail.property for detail in already}
    details = []
    for error in spec.errors("post", path, body):
        detail = _from_schema_error(error)
        if detail.property not in named:
            named.add(detail.property)
            details.append(detail)
    return details


def _from_schema_error(error: ValidationError) -> ErrorDetail:
    parts = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = [name for name in value if isinstance(error.instance, dict)
                   and name not in error.instance]
        return ErrorDetail("Must be specified", property_path(parts + missing[:1]))
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
        return ErrorDetail(f"Invalid type: {error.instance!r}", property_path(parts))
    return ErrorDetail(messages.get(kind, error.message[:200]), property_path(parts))


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
