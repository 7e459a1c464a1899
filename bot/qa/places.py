"""Which of an edition's venues a question names ("ECMO 北海道", "福岡の会場").

A training held in eight cities is asked about one city at a time. The place
words come from the edition's own venue names and regions (data, never code),
so a new edition's cities work without a lexicon change. Matching is on
folded text, so width and kana/katakana variants meet; beyond that the
spellings the documents use, their short forms (岐阜県 -> 岐阜, 中部地方 -> 中部),
and the places of a region the venues are held for (``data/faq/regions.yaml``:
大阪 and 関西 name the 近畿 venue in 京都, 名古屋 the 中部 one in 大垣).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from bot.knowledge import Edition, Knowledge
from bot.knowledge.regions import Region
from bot.textfold import fold_width_and_case, fold_width_case_and_kana

# Suffixes trainees drop when naming a place (岐阜県 -> 岐阜, 中部地方 -> 中部).
_SUFFIXES = ("地方", "都", "府", "県")
_PARTS = re.compile(r"[（）()・\s/]+")
# Institution words after the city in a venue name (札幌医科大学 -> 札幌,
# 京都府立医科大学 -> 京都): trainees name the city, not the institution.
_INSTITUTION = re.compile(r"(府立|県立|市立|市民|医科大学|大学|病院)")
# What follows a place word when it is a name, not a place (folded to katakana): 「前橋です」「郡山と申します」
# 「浜松さん」 are the asker's or someone's surname, 東海林 a surname, 東海大学 a university, 東京タワー and
# 札幌ドーム landmarks.
_NAME_AFTER = re.compile(r"デス|ト申シマス|ト言イマス|サン|サマ|様|先生|林|大学|タワー|ドーム|ディズニー")
# A place named to be left out (「東京以外で年内に受けられる回」, "except Tokyo"): the other venues are meant.
_BUT_AFTER = re.compile(fold_width_case_and_kana(r"^(以外|を除|除く|除い|じゃな|ではな|は除)"))
_BUT_BEFORE = re.compile(r"(other than|except|apart from|outside|besides)\s+(the\s+)?$")
# Kana spellings shorter than this are too likely to occur inside other words.
_MIN_VENUE_READING = 3
_MIN_MUNICIPALITY_READING = 4


def _keys(texts: list[str]) -> set[str]:
    keys: set[str] = set()
    for text in texts:
        for part in _PARTS.split(text):
            part = part.strip()
            if len(part) < 2:
                continue
            keys.add(part)
            city = _INSTITUTION.split(part)[0]
            if 2 <= len(city) < len(part):
                keys.add(city)
            for suffix in _SUFFIXES:
                if part.endswith(suffix) and len(part) - len(suffix) >= 2:
                    keys.add(part[: -len(suffix)])
    return {fold_width_case_and_kana(key) for key in keys}


# A venue as place words see it: id, Japanese name, Japanese region, English region.
_VenueTexts = tuple[tuple[str, str, str | None, str | None], ...]
_RegionPlaces = tuple[tuple[str, tuple[str, ...]], ...]


def place_words(edition: Edition, regions: tuple[Region, ...] = ()) -> dict[str, set[str]]:
    """Folded place word -> the venue ids it names (東京 -> the Tokyo venue; with ``regions``, 大阪 -> the
    venue of 近畿地方（京都府）). A word the venues name themselves keeps their meaning."""
    return {word: set(ids) for word, ids in _place_words(*_plain(edition, regions))}


def _plain(edition: Edition, regions: tuple[Region, ...]) -> tuple[_VenueTexts, _RegionPlaces]:
    venues = tuple((v.id, v.name.ja, v.region.ja if v.region else None, v.region.en if v.region else None)
                   for v in edition.venues)
    return venues, tuple((r.name, tuple(r.places)) for r in regions)


@lru_cache(maxsize=32)
def _place_words(venues: _VenueTexts, regions: _RegionPlaces) -> tuple[tuple[str, frozenset[str]], ...]:
    """Place words longest first, each with its venue ids: a pure function of the venues and regions, worked
    out once (a question naming a place asks several facts for its venues)."""
    words: dict[str, set[str]] = {}
    for venue_id, name, region_ja, region_en in venues:
        # English venue names share words (University, Center): only the
        # English region (Kanto (Tokyo)) names a place on its own.
        for key in _keys([value for value in (name, region_ja, region_en) if value]):
            words.setdefault(key, set()).add(venue_id)
    for region_name, places in regions:
        held = {venue_id for venue_id, _name, region_ja, _en in venues if region_ja and region_name in region_ja}
        for place in places if held else ():
            words.setdefault(fold_width_case_and_kana(place), set(held))
    return tuple((word, frozenset(ids)) for word, ids in sorted(words.items(), key=lambda item: -len(item[0])))


def named_venues(edition: Edition, text: str, regions: tuple[Region, ...] = ()) -> tuple[set[str], list[str]]:
    """The venue ids the text names (``regions``: the places of each region too), and the place words
    found (longest first).

    A word naming every venue (地方 alone, a shared city) picks nothing; a place named to be left out
    (東京以外, except Tokyo) picks every other venue.
    """
    folded = fold_width_case_and_kana(text)
    found: list[str] = []
    venue_ids: set[str] = set()
    left_out: set[str] = set()
    total = len(edition.venues)
    for word, ids in _place_words(*_plain(edition, regions)):
        if len(ids) >= total > 1 or word not in folded or not _as_a_place(word, folded):
            continue
        if any(word in longer for longer in found):
            continue
        found.append(word)
        start = folded.find(word)
        if _BUT_AFTER.match(folded[start + len(word):]) or _BUT_BEFORE.search(folded[:start]):
            left_out |= ids
        else:
            venue_ids |= ids
    if left_out and not venue_ids:
        venue_ids = {venue.id for venue in edition.venues} - left_out
    return venue_ids, found


def named_after(folded: str, end: int) -> bool:
    """True when what follows a place word at ``end`` of katakana-folded text makes it a name (前橋です,
    東京タワー), not a place."""
    return _NAME_AFTER.match(folded, end) is not None


def _as_a_place(word: str, folded: str) -> bool:
    """True when the word stands somewhere in the text as a place, not as a name (前橋です, 東海林, 東海大学)."""
    start = folded.find(word)
    while start >= 0:
        if not named_after(folded, start + len(word)):
            return True
        start = folded.find(word, start + 1)
    return False


def kana_place_spellings(knowledge: Knowledge, reading: Callable[[str], str]) -> tuple[tuple[str, str], ...]:
    """Katakana reading -> kanji spelling of every venue place and municipality, longest first.

    Trainees type place names in kana on a phone (ふくおか, はちおうじ市); the
    documents spell them in kanji. Readings come from the tokeniser's
    dictionary, the names from the editions, so no place list is kept in code.
    """
    spellings: dict[str, str] = {}

    def add(name: str, shortest: int) -> None:
        kana = fold_width_case_and_kana(reading(name))
        if len(kana) >= shortest and kana != fold_width_case_and_kana(name):
            spellings.setdefault(kana, name)

    for edition in knowledge.editions.values():
        for venue in edition.venues:
            texts = [venue.name.ja, venue.region.ja if venue.region else None]
            for text in texts:
                for part in _PARTS.split(text or ""):
                    city = _INSTITUTION.split(part.strip())[0]
                    if len(city) >= 2:
                        add(city, _MIN_VENUE_READING)
                        for suffix in _SUFFIXES:
                            if city.endswith(suffix) and len(city) - len(suffix) >= 2:
                                add(city[: -len(suffix)], _MIN_VENUE_READING)
        for office in edition.application.submit_offices:
            name = office.municipality
            add(name, _MIN_MUNICIPALITY_READING)
            if name[-1] in "区市町村" and len(name) >= 3:
                add(name[:-1], _MIN_MUNICIPALITY_READING)
    return tuple(sorted(spellings.items(), key=lambda item: -len(item[0])))


@lru_cache(maxsize=8)
def _any_spelling(spellings: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One pattern for every kana spelling (a pure function of the data's spellings, compiled once)."""
    return re.compile("|".join(re.escape(kana) for kana, _ in spellings))


def with_kanji_places(text: str, spellings: tuple[tuple[str, str], ...]) -> str:
    """The text with kana place names in their kanji spelling (ふくおか -> 福岡);
    unchanged when none occurs, so ordinary questions keep their exact wording."""
    plain = fold_width_and_case(text)
    folded = fold_width_case_and_kana(plain)
    if not spellings or _any_spelling(spellings).search(folded) is None:
        return text  # the usual case, found in one pass instead of a search per spelling
    changed = False
    for kana, kanji in spellings:
        start = folded.find(kana)
        while start >= 0:
            plain = plain[:start] + kanji + plain[start + len(kana):]
            folded = fold_width_case_and_kana(plain)
            changed = True
            start = folded.find(kana, start + len(kanji))
    return plain if changed else text
