"""Every domain's catalog is merged into one per locale, so one message id must mean one thing.

If two domains translate the same English id differently, whichever file loads
last wins everywhere: a console status read 送信済み instead of 配信済み that way.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from babel.messages.pofile import read_po

from bot.i18n import SUPPORTED_LOCALES, TRANSLATIONS_DIR


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_message_id_is_translated_two_ways(locale: str) -> None:
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for po_path in sorted((TRANSLATIONS_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string:
                    translations[str(message.id)][po_path.stem] = str(message.string)
    clashes = {msgid: domains for msgid, domains in translations.items() if len(set(domains.values())) > 1}
    assert clashes == {}
