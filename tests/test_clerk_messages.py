"""Every message the secretariat's use cases and commands can show a clerk has its Japanese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

from bot.i18n import translations

ROOT = Path(__file__).resolve().parents[1]
CLERK_FACING = sorted([
    *ROOT.glob("bot/cli/*.py"),
    *ROOT.glob("bot/secretariat/*.py"),
    ROOT / "bot/credentials/importer.py",
    ROOT / "bot/roster/report.py",
    ROOT / "bot/roster/codes.py",
])


def test_every_clerk_facing_message_is_translated_into_japanese() -> None:
    japanese = translations("ja")
    messages = {message: path.relative_to(ROOT) for path in CLERK_FACING
                for _line, message, _comments, _context in extract_from_file("python", path)}
    assert len(messages) > 50
    assert {message: path for message, path in messages.items() if japanese.gettext(message) == message} == {}
