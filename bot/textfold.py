"""Text folding: the one place that decides when two spellings count as the same.

People type on phones and export CSVs from Excel on Japanese Windows, so one
word arrives as half-width katakana (ｼｭｳﾘｮｳｼｮｳ), full-width latin (ＥＣＭＯ),
upper or lower case, hiragana for katakana, with dashes of every shape. Each
kind of text is compared in its own folded form, and each form has its own name:

- ``fold_width_and_case``: width (NFKC), case, dashes and tildes, runs of spaces.
  Questions and FAQ phrasings; hiragana stays, because the tokeniser reads it.
- ``hiragana_to_katakana``: hiragana to katakana, nothing else.
- ``fold_width_case_and_kana``: both of the above, the loosest form; training
  names, keywords and places found in a question.
- ``fold_header``: width, case, spaces and separators (``_ - ・ .``) dropped;
  CSV header cells and the course names typed in roster cells.
- ``clean_cell``: width and outer spaces; CSV cell values such as application numbers.
- ``fold_link_code``: width, separators dropped, upper case; a typed link code.

NFKC already folds width (half-width kana to full, full-width latin to ASCII),
which is why no conversion library is needed; hiragana to katakana is a fixed
code-point offset.
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

# What separates the words of a header: E-mail, E_MAIL and Ｅメール・アドレス are one name.
_HEADER_SEPARATORS = re.compile(r"[\s_\-・.]+")
# Separators people type between the groups of a link code (ASCII after NFKC, plus
# the katakana long-vowel mark a Japanese keyboard produces for "-").
_CODE_SEPARATORS = re.compile(r"[\s\-‐‑–—ー_]+")


def fold_width_and_case(text: str) -> str:
    """NFKC, lower case, one kind of dash and tilde, single spaces, trimmed."""
    folded = unicodedata.normalize("NFKC", text).translate(_WAVES).lower()
    return _SPACES.sub(" ", folded).strip()


def hiragana_to_katakana(text: str) -> str:
    """Hiragana to katakana, everything else untouched (くろざぴん -> クロザピン)."""
    return text.translate(_HIRA_TO_KATA)


def fold_width_case_and_kana(text: str) -> str:
    """The loosest comparable form of question text: width, case and kana folded.

    Finds nicknames and keywords however they were typed ("ｸﾛｻﾞﾋﾟﾝ",
    "くろざぴん" and "クロザピン" all fold the same). Spaces are kept so
    English words keep their boundaries ("ect" must not match "select").
    """
    return hiragana_to_katakana(fold_width_and_case(text))


def fold_header(text: str) -> str:
    """A CSV header (or a name typed in a cell) for comparison: width, case, spaces and separators."""
    return _HEADER_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def clean_cell(cell: str) -> str:
    """Width-folded and trimmed: Excel on Japanese Windows often writes Ｎ－００１ for N-001."""
    return unicodedata.normalize("NFKC", cell).strip()


def fold_link_code(typed: str) -> str:
    """What the user typed, as a stored link code would look: width, case and separators folded."""
    return _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
