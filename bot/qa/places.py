"""Which of an edition's venues a question names ("ECMO 北海道", "福岡の会場").

A training held in eight cities is asked about one city at a time. The place
words come from the edition's own venue names and regions (data, never code),
so a new edition's cities work without a lexicon change. Matching is on
folded text, so width and kana/katakana variants meet; beyond that only the
spellings the documents use, and their short forms (岐阜県 -> 岐阜,
中部地方 -> 中部).
"""

from __future__ import annotations

import re

from bot.knowledge import Edition
from bot.qa.normalise import fold

# Suffixes trainees drop when naming a place (岐阜県 -> 岐阜, 中部地方 -> 中部).
_SUFFIXES = ("地方", "都", "府", "県")
_PARTS = re.compile(r"[（）()・\s/]+")


def _keys(texts: list[str]) -> set[str]:
    keys: set[str] = set()
    for text in texts:
        for part in _PARTS.split(text):
            part = part.strip()
            if len(part) < 2:
                continue
            keys.add(part)
            for suffix in _SUFFIXES:
                if part.endswith(suffix) and len(part) - len(suffix) >= 2:
                    keys.add(part[: -len(suffix)])
    return {fold(key) for key in keys}


def place_words(edition: Edition) -> dict[str, set[str]]:
    """Folded place word -> the venue ids it names (東京 -> the Tokyo venue)."""
    words: dict[str, set[str]] = {}
    for venue in edition.venues:
        # English venue names share words (University, Center): only the
        # English region (Kanto (Tokyo)) names a place on its own.
        texts = [value for value in (venue.name.ja, venue.region.ja if venue.region else None,
                                     venue.region.en if venue.region else None) if value]
        for key in _keys(texts):
            words.setdefault(key, set()).add(venue.id)
    return words


def named_venues(edition: Edition, text: str) -> tuple[set[str], list[str]]:
    """The venue ids the text names, and the place words found (longest first).

    A word naming every venue (地方 alone, a shared city) picks nothing.
    """
    folded = fold(text)
    found: list[str] = []
    venue_ids: set[str] = set()
    total = len(edition.venues)
    for word, ids in sorted(place_words(edition).items(), key=lambda item: -len(item[0])):
        if len(ids) >= total > 1 or word not in folded:
            continue
        if any(word in longer for longer in found):
            continue
        found.append(word)
        venue_ids |= ids
    return venue_ids, found
