"""All the text a person sees in LINE message objects, for the CLI and tests.

Walks text, flex and template messages and quick replies, so ``kenshu ask --json``
can give evaluators one string covering everything on the screen.
"""

from __future__ import annotations

from typing import Any

# Keys whose string values are shown on screen (flex text, template text, labels...).
SHOWN_KEYS = {"text", "altText", "label", "title"}
NESTED_KEYS = ("contents", "header", "hero", "body", "footer", "template", "columns", "actions", "action", "items", "quickReply")


def _walk(node: Any, out: list[str]) -> None:
    if isinstance(node, list):
        for child in node:
            _walk(child, out)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "flex":
        _walk(node.get("contents"), out)
        _walk(node.get("quickReply"), out)
        return
    for key in SHOWN_KEYS:
        value = node.get(key)
        if isinstance(value, str) and value and (key != "text" or node.get("type") != "message"):
            out.append(value)
    for key in NESTED_KEYS:
        if key in node:
            _walk(node[key], out)


def visible_text(messages: list[dict[str, Any]]) -> str:
    """The human-visible text of the messages, joined by newlines."""
    out: list[str] = []
    _walk(messages, out)
    return "\n".join(out)


def quick_reply_choices(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The quick-reply actions of the last message (LINE shows only those)."""
    if not messages:
        return []
    items = (messages[-1].get("quickReply") or {}).get("items") or []
    return [item["action"] for item in items if isinstance(item, dict) and "action" in item]


def _button_actions(node: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(node, list):
        for child in node:
            _button_actions(child, out)
    elif isinstance(node, dict):
        action = node.get("action")
        if node.get("type") in {"button", "box", "text", "image"} and isinstance(action, dict):
            out.append(action)
        for key in NESTED_KEYS:
            if key in node and key not in {"quickReply", "action"}:
                _button_actions(node[key], out)


def tappable_actions(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every action a person could tap: buttons inside the messages, then the quick replies."""
    buttons: list[dict[str, Any]] = []
    for message in messages:
        _button_actions(message.get("contents") or message.get("template"), buttons)
    return buttons + quick_reply_choices(messages)
