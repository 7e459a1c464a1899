"""LINE's error body shape, shared by every check that can reject a request.

LINE answers errors as ``{"message": ..., "details": [{"message", "property"}]}``;
keeping one small type for it means the spec check, the SDK check and the
documented-limit check can all be merged into a single, consistent 400 body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One rejected property, as LINE names it (``messages[0].text``)."""

    message: str
    property: str

    def to_json(self) -> dict[str, str]:
        return {"message": self.message, "property": self.property}


def error_body(message: str, details: list[ErrorDetail] | None = None) -> dict[str, Any]:
    """Build LINE's error body; ``details`` is omitted when empty, as LINE does."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [detail.to_json() for detail in details]
    return body


def validation_error_body(details: list[ErrorDetail]) -> dict[str, Any]:
    """The 400 body LINE sends when the request body breaks the contract."""
    return error_body(f"The request body has {len(details)} error(s)", details)


def property_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """Render a JSON path the way LINE does: ``messages[0].quickReply.items``."""
    rendered = ""
    for part in parts:
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif rendered:
            rendered += f".{part}"
        else:
            rendered = str(part)
    return rendered


MESSAGES = {
    "auth": "Authentication failed. Confirm that the access token in the authorization header is valid.",
    "rate_limit": "The API rate limit has been exceeded. Try again later.",
    "quota": "You have reached your monthly limit.",
    "reply_token": "Invalid reply token",
    "retry_key_invalid": "The value of the X-Line-Retry-Key header is invalid. Specify a UUID.",
    "retry_key_accepted": "The retry key is already accepted",
    "not_found": "Not found",
    "bad_json": "The request body could not be parsed as JSON",
    "injected": "Injected fault (fake LINE)",
}
