"""Every message the secretariat's use cases, commands and web console can show a clerk has its Japanese translation."""

from __future__ import annotations

from bot.i18n import translations
from tests.helpers import clerk_facing_messages


def test_every_clerk_facing_message_is_translated_into_japanese() -> None:
    japanese = translations("ja")
    messages = clerk_facing_messages()
    assert len(messages) > 100
    assert {message: path for message, path in messages.items() if japanese.gettext(message) == message} == {}
