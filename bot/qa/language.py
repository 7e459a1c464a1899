"""Which language a question is written in: any kana or kanji means Japanese."""

from __future__ import annotations

import re

from bot.textfold import fold_width_and_case

_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u3005\u3006\u30fc]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")


def has_japanese(text: str) -> bool:
    """True when the text contains any kana or kanji."""
    return _JAPANESE_CHAR.search(text) is not None


def looks_english(text: str) -> bool:
    """True for text written in English: latin words and no Japanese at all."""
    folded = fold_width_and_case(text)
    return not has_japanese(folded) and _LATIN_WORD.search(folded) is not None
