"""Municipality names become the one word 区市町村, in examples and questions alike.

"世田谷区だと" then meets the examples about 区市町村 (where to submit, whose
recommendation), whichever of the editions' submission offices it names.
"""

from __future__ import annotations

import re

from bot.knowledge import Knowledge
from bot.textfold import fold_width_and_case, fold_width_case_and_kana, hiragana_to_katakana

PLACE_WORD = "区市町村"


class Rewriter:
    """The municipality names of every edition, longest first; built once."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._pairs = _place_names(knowledge)

    def signature(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def rewrite(self, text: str) -> str:
        """The text, width and case folded, with every municipality named as 区市町村."""
        plain = fold_width_and_case(text)
        folded = fold_width_case_and_kana(plain)
        for variant, canonical in self._pairs:
            start = folded.find(variant)
            while start >= 0:
                end = start + len(variant)
                # Folded again so plain and folded stay the same length.
                plain = fold_width_and_case(f"{plain[:start]} {canonical} {plain[end:]}")
                folded = hiragana_to_katakana(plain)
                start = folded.find(variant, start + len(canonical) + 1)
        return re.sub(r"\s+", " ", plain).strip()


def _place_names(knowledge: Knowledge) -> tuple[tuple[str, str], ...]:
    """Municipality names from the editions' submission offices (世田谷区, 世田谷) -> 区市町村."""
    names: set[str] = set()
    for edition in knowledge.editions.values():
        for office in edition.application.submit_offices:
            names.add(fold_width_case_and_kana(office.municipality))
            stem = office.municipality[:-1]
            if office.municipality[-1] in "区市町村" and len(stem) >= 2:
                names.add(fold_width_case_and_kana(stem))
    return tuple((name, PLACE_WORD) for name in sorted(names, key=len, reverse=True))
