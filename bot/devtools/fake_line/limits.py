"""LINE's documented message limits that the OpenAPI document does not encode.

The spec carries some limits (``maxItems: 5`` on messages, 13 quick-reply
items, 300-char postback data) but not others (5000-char text, altText,
quick-reply labels, Flex size). LINE rejects all of them, so the fake checks
them explicitly; this also keeps the fake strict when the spec file is absent.
"""

from __future__ import annotations

import json
from typing import Any

from bot.devtools.fake_line.errors import ErrorDetail, property_path

MAX_MESSAGES = 5
MAX_MULTICAST_RECIPIENTS = 500
MAX_TEXT_CHARS = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_QUICK_REPLY_LABEL_CHARS = 20
MAX_POSTBACK_DATA_CHARS = 300
MAX_ALT_TEXT_CHARS = {"flex": 1500, "imagemap": 1500, "template": 400}
MAX_CAROUSEL_BUBBLES = 12
MAX_BUBBLE_JSON_BYTES = 30 * 1024
MAX_CAROUSEL_JSON_BYTES = 50 * 1024
MAX_RICH_MENU_AREAS = 20
RICH_MENU_REQUIRED = ("size", "selected", "name", "chatBarText", "areas")
_ACTIONS_WITH_DATA = {"postback", "datetimepicker", "richmenuswitch"}

Path = tuple[str | int, ...]


def check_message_request(body: dict[str, Any], *, multicast: bool = False) -> list[ErrorDetail]:
    """Documented limits for reply/push/multicast/broadcast bodies."""
    details: list[ErrorDetail] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        if not 1 <= len(messages) <= MAX_MESSAGES:
            details.append(ErrorDetail(f"Size must be between 1 and {MAX_MESSAGES}", "messages"))
        for index, message in enumerate(messages):
            if isinstance(message, dict):
                details.extend(_check_message(message, ("messages", index)))
    recipients = body.get("to")
    if multicast and isinstance(recipients, list):
        if not 1 <= len(recipients) <= MAX_MULTICAST_RECIPIENTS:
            details.append(ErrorDetail(
                f"Size must be between 1 and {MAX_MULTICAST_RECIPIENTS}", "to"))
    return details


def check_rich_menu(body: dict[str, Any]) -> list[ErrorDetail]:
    """Rich menu fields LINE requires although the spec marks none required."""
    details = [ErrorDetail("Must be specified", name)
               for name in RICH_MENU_REQUIRED if name not in body]
    areas = body.get("areas")
    if isinstance(areas, list) and len(areas) > MAX_RICH_MENU_AREAS:
        details.append(ErrorDetail(f"Size must be between 0 and {MAX_RICH_MENU_AREAS}", "areas"))
    return details


def check_loading_seconds(body: dict[str, Any]) -> list[ErrorDetail]:
    """The loading indicator runs in 5-second steps; the spec only bounds 5..60."""
    seconds = body.get("loadingSeconds")
    if isinstance(seconds, int) and seconds % 5:
        return [ErrorDetail("Must be a multiple of 5", "loadingSeconds")]
    return []


def _check_message(message: dict[str, Any], path: Path) -> list[ErrorDetail]:
    details: list[ErrorDetail] = []
    kind = message.get("type")
    text = message.get("text")
    if kind in ("text", "textV2") and isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        details.append(_too_long(path + ("text",), MAX_TEXT_CHARS))
    alt_limit = MAX_ALT_TEXT_CHARS.get(kind) if isinstance(kind, str) else None
    alt_text = message.get("altText")
    if alt_limit and isinstance(alt_text, str) and len(alt_text) > alt_limit:
        details.append(_too_long(path + ("altText",), alt_limit))
    if kind == "flex" and isinstance(message.get("contents"), dict):
        details.extend(_check_flex(message["contents"], path + ("contents",)))
    quick_reply = message.get("quickReply")
    if isinstance(quick_reply, dict):
        details.extend(_check_quick_reply(quick_reply, path + ("quickReply",)))
    details.extend(_check_action_data(message, path))
    return details


def _check_quick_reply(quick_reply: dict[str, Any], path: Path) -> list[ErrorDetail]:
    items = quick_reply.get("items")
    if not isinstance(items, list):
        return []
    details: list[ErrorDetail] = []
    if len(items) > MAX_QUICK_REPLY_ITEMS:
        details.append(ErrorDetail(f"Size must be between 0 and {MAX_QUICK_REPLY_ITEMS}",
                                   property_path(path + ("items",))))
    for index, item in enumerate(items):
        action = item.get("action") if isinstance(item, dict) else None
        label = action.get("label") if isinstance(action, dict) else None
        if isinstance(label, str) and len(label) > MAX_QUICK_REPLY_LABEL_CHARS:
            details.append(_too_long(path + ("items", index, "action", "label"),
                                     MAX_QUICK_REPLY_LABEL_CHARS))
    return details


def _check_flex(container: dict[str, Any], path: Path) -> list[ErrorDetail]:
    size = len(json.dumps(container, ensure_ascii=False, separators=(",", ":")).encode())
    kind = container.get("type")
    details: list[ErrorDetail] = []
    if kind == "bubble" and size > MAX_BUBBLE_JSON_BYTES:
        details.append(ErrorDetail(f"Bubble JSON must be at most {MAX_BUBBLE_JSON_BYTES} bytes",
                                   property_path(path)))
    if kind == "carousel":
        bubbles = container.get("contents")
        if isinstance(bubbles, list) and len(bubbles) > MAX_CAROUSEL_BUBBLES:
            details.append(ErrorDetail(f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}",
                                       property_path(path + ("contents",))))
        if size > MAX_CAROUSEL_JSON_BYTES:
            details.append(ErrorDetail(
                f"Carousel JSON must be at most {MAX_CAROUSEL_JSON_BYTES} bytes",
                property_path(path)))
    return details


def _check_action_data(node: Any, path: Path) -> list[ErrorDetail]:
    """Postback-like actions can sit anywhere (quick reply, template, flex)."""
    details: list[ErrorDetail] = []
    if isinstance(node, dict):
        data, kind = node.get("data"), node.get("type")
        if (isinstance(kind, str) and kind in _ACTIONS_WITH_DATA and isinstance(data, str)
                and len(data) > MAX_POSTBACK_DATA_CHARS):
            details.append(_too_long(path + ("data",), MAX_POSTBACK_DATA_CHARS))
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                details.extend(_check_action_data(value, path + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            details.extend(_check_action_data(value, path + (index,)))
    return details


def _too_long(path: Path, limit: int) -> ErrorDetail:
    return ErrorDetail(f"Length must be between 0 and {limit}", property_path(path))
