"""Message catalogs: Japanese first, English second.

Catalogs are gettext ``.po`` files under ``bot/translations/<locale>/LC_MESSAGES/``,
one file per domain (each area of the bot owns its own domain, so no two areas
edit the same file). Message ids are English; the Japanese catalog must translate
every id. The ``.po`` files are compiled in memory with Babel when the app starts,
so no compiled ``.mo`` file is ever stale or committed.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DEFAULT_LOCALE = "ja"
SUPPORTED_LOCALES = ("ja", "en")

Gettext = Callable[[str], str]


def normalise_locale(language: str | None) -> str:
    """Map a LINE profile language tag (``ja``, ``en-US``...) to a supported locale."""
    if not language:
        return DEFAULT_LOCALE
    base = language.replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LOCALES else "en"


def _compile(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """All domains of one locale merged into one translations object."""
    merged: gettext.NullTranslations = gettext.NullTranslations()
    folder = TRANSLATIONS_DIR / locale / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")):
        compiled = _compile(po_path)
        compiled.add_fallback(merged)
        merged = compiled
    return merged


def gettext_for(locale: str) -> Gettext:
    """The ``_`` function for one locale."""
    return translations(normalise_locale(locale)).gettext
