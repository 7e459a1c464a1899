"""The FAQ data is checked at start-up (file and line named), and every wording has its Japanese."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.i18n import gettext_for
from bot.knowledge import load_knowledge
from bot.qa import Answerer
from bot.qa.yaml_source import DataFileError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def _copy_faq(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(DATA / "faq", target)
    return target


def test_an_unknown_key_in_an_faq_file_names_file_and_line(tmp_path: Path) -> None:
    faq = _copy_faq(tmp_path)
    path = faq / "entries" / "money.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    ask: Fee\n", "    ask: Fee\n    asks: typo\n", 1),
                    encoding="utf-8")
    with pytest.raises(DataFileError, match=r"money\.yaml:\d+: entries\.0\.asks"):
        Answerer(load_knowledge(DATA), faq)


def test_a_related_entry_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    faq = _copy_faq(tmp_path)
    path = faq / "entries" / "money.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("related: [payment,", "related: [paymnt,", 1),
                    encoding="utf-8")
    with pytest.raises(DataFileError, match="unknown entry 'paymnt'"):
        Answerer(load_knowledge(DATA), faq)


def test_an_unknown_fact_in_a_template_is_refused(tmp_path: Path) -> None:
    faq = _copy_faq(tmp_path)
    path = faq / "entries" / "money.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{fee}", "{fees}", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match="unknown fact"):
        Answerer(load_knowledge(DATA), faq)


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
