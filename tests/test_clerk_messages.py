"""Every message the secretariat's use cases, commands and web console can show a clerk has its Japanese translation."""

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
    *ROOT.glob("bot/console/**/*.py"),
])
CONSOLE_TEMPLATES = sorted(ROOT.glob("bot/console/templates/**/*.html"))
KEYWORDS = {"_": None, "gettext": None, "_l": None}


def test_every_clerk_facing_message_is_translated_into_japanese() -> None:
    japanese = translations("ja")
    messages = {message: path.relative_to(ROOT) for path in CLERK_FACING
                for _line, message, _comments, _context in extract_from_file("python", path, keywords=KEYWORDS)}
    messages.update({message: path.relative_to(ROOT) for path in CONSOLE_TEMPLATES
                     for _line, message, _comments, _context in extract_from_file("jinja2", path)})
    assert len(messages) > 100
    assert {message: path for message, path in messages.items() if japanese.gettext(message) == message} == {}
