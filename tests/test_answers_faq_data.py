"""Every wording of the FAQ has its Japanese (bad FAQ data is refused at start-up: test_data_check.py)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

from bot.i18n import gettext_for
from bot.qa import Answerer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_every_message_id_has_a_japanese_translation(answerer: Answerer) -> None:
    _ = gettext_for("ja")
    for entry in answerer.index.entries.values():
        assert _(entry.ask) != entry.ask, entry.id
        only_placeholders = not re.sub(r"\{\w+\}|\s", "", entry.answer)
        assert only_placeholders or _(entry.answer) != entry.answer, entry.id


def test_every_faq_entry_has_a_japanese_translation() -> None:
    with (ROOT / "bot/translations/ja/LC_MESSAGES/qa.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for path in sorted((DATA / "faq" / "entries").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            for msgid in (entry["ask"], entry["answer"]):
                message = catalog.get(msgid)
                if message is None or not message.string:
                    missing.append(f"{path.name}: {msgid!r}")
    assert not missing
