"""Text normalisation for matching: one canonical spelling per way of typing.

Trainees type on phones between shifts: half-width katakana (ｼｭｳﾘｮｳｼｮｳ),
full-width latin (ＥＣＭＯ), upper or lower case, hiragana for words usually
written in katakana or kanji. Matching compares canonical forms, so every
comparison in the answerer goes through the functions here. NFKC already folds
width (half-width kana to full, full-width latin to ASCII), which is why no
conversion library is needed; the only extra fold is hiragana to katakana,
a fixed code-point offset.
"""

from __future__ import annotations

import re
import unicodedata

_HIRAGANA_START = 0x3041
_HIRAGANA_END = 0x3096
_KANA_OFFSET = 0x60
_HIRA_TO_KATA = {code: code + _KANA_OFFSET for code in range(_HIRAGANA_START, _HIRAGANA_END + 1)}
# Iteration marks ゝゞ become their katakana twins ヽヾ.
_HIRA_TO_KATA.update({0x309D: 0x30FD, 0x309E: 0x30FE})

# Dashes and wave dashes people use for ranges or long vowels, folded to one form
# so "〜", "～" and "~" compare equal.
_WAVES = str.maketrans({"〜": "~", "～": "~", "－": "-", "―": "-", "‐": "-", "−": "-"})
_SPACES = re.compile(r"\s+")

_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u3005\u3006\u30fc]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")


def normalise(text: str) -> str:
    """NFKC, lower case, one kind of dash and tilde, single spaces, trimmed."""
    folded = unicodedata.normalize("NFKC", text).translate(_WAVES).lower()
    return _SPACES.sub(" ", folded).strip()


def to_katakana(text: str) -> str:
    """Hiragana to katakana, everything else untouched (くろざぴん -> クロザピン)."""
    return text.translate(_HIRA_TO_KATA)


def fold(text: str) -> str:
    """The loosest comparable form: normalised and in katakana.

    Used to find nicknames and keywords however they were typed
    ("ｸﾛｻﾞﾋﾟﾝ", "くろざぴん" and "クロザピン" all fold the same). Spaces are
    kept so English words keep their boundaries ("ect" must not match "select").
    """
    return to_katakana(normalise(text))


def has_japanese(text: str) -> bool:
    """True when the text contains any kana or kanji."""
    return _JAPANESE_CHAR.search(text) is not None


def looks_english(text: str) -> bool:
    """True for text written in English: latin words and no Japanese at all."""
    normalised = normalise(text)
    return not has_japanese(normalised) and _LATIN_WORD.search(normalised) is not None
