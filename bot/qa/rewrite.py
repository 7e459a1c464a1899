"""Rewrite wording the FAQ does not list into wording it does, the same for phrasings and questions.

The lexicon's rewrites map variants to a canonical word (誰向け -> 対象者,
について -> nothing), and every municipality of the editions' submission offices
becomes the word 区市町村, so "世田谷区だと" meets the entry about 区市町村.
"""

from __future__ import annotations

import re

from bot.knowledge import Knowledge
from bot.textfold import fold_width_and_case, fold_width_case_and_kana, hiragana_to_katakana

PLACE_WORD = "区市町村"
_LEADING_PARTICLES = re.compile(r"^(?:の|は|で|って|に|を|が|も|と)+\s*")


class Rewriter:
    """The rewrite table, longest variant first; built once."""

    def __init__(self, rewrites: dict[str, list[str]], knowledge: Knowledge) -> None:
        self._pairs = (*_rewrite_table(rewrites), *_place_names(knowledge))

    def rewrite(self, text: str) -> str:
        """The text, width and case folded, with every variant replaced by its canonical word."""
        plain = fold_width_and_case(text)
        folded = fold_width_case_and_kana(plain)
        for variant, canonical in self._pairs:
            start = folded.find(variant)
            while start >= 0:
                end = start + len(variant)
                # Folded again so plain and folded stay the same length: folding
                # collapses the double spaces a dropped word leaves, and a stale
                # offset would cut the next rewrite mid-word (締切 めきり).
                plain = fold_width_and_case(f"{plain[:start]} {canonical} {plain[end:]}")
                folded = hiragana_to_katakana(plain)
                start = folded.find(variant, start + (len(canonical) + 1 if canonical else 0))
        plain = re.sub(r"\s+", " ", plain).strip()
        # Particles left at the start once a name is taken out (クロザピン研修「の日程」)
        # would add reading bigrams (ノニ) that match phrasings by accident.
        return _LEADING_PARTICLES.sub("", plain)


def _rewrite_table(rewrites: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    """(folded variant, canonical) pairs, longest variant first so 質問したい wins over 質問."""
    pairs = {fold_width_case_and_kana(v): canonical for canonical, variants in rewrites.items() for v in variants
             if v.strip()}
    return tuple(sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True))


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
