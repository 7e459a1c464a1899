"""What the topic model sees of a text: a bag of string features, the same for examples and questions
(but for katakana spelling words, below).

Four kinds, because each one rescues a different way trainees type:

* ``c:`` character 1-3-grams of the kana-folded text: typos, wrong kanji
  (修了症), half-width kana and words Sudachi splits oddly still share most
  of their n-grams with the right spelling;
* ``w:`` SudachiPy normalised forms (long and short split, one count each):
  申込/申し込み/申込み and 〆切/締め切り are one feature;
* ``s:`` SudachiPy synonym group ids: 費用 and 料金 meet without a word list;
* ``r:`` reading bigrams of the whole text: a word typed in hiragana
  (しゅうりょうしょう) meets its kanji spelling by sound;
* ``e:`` English words and word pairs, crudely singularised; an English word
  Sudachi knows also gives its synonym group ids and katakana form (``s:``,
  ``w:``), so "payment deadline" meets 支払期限 and "smartphone" スマホ;
* ``p:place`` for each venue place the text named and ``p:date`` for each date word
  (今日, 来週: ``date_words``), both put in by ``examples.TopicText``.

A katakana run Sudachi does not know (ジュコウリョウ, which is what half-width
ｼﾞｭｺｳﾘｮｳ becomes) gives the ``w:`` and ``s:`` of the model's words it spells
(受講料), and a katakana word that spells another of them (イクラ: 幾ら) gives that
word too (``Featuriser.with_spelled_words``; questions only, the examples are
featurised without it, so the trained model does not depend on it).

Function words and symbols are left out of ``w:``; nothing else is filtered:
which words matter is the model's job, learnt from the examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sudachipy import Dictionary, Morpheme, SplitMode, Tokenizer

from bot.qa.date_words import DATE_TOKEN
from bot.textfold import fold_width_and_case, hiragana_to_katakana

_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
_EN_WORD = re.compile(r"[a-z][a-z0-9]*")
_SPACES = re.compile(r"\s+")
_KATAKANA = re.compile(r"[ァ-ヺー]{2,}")
_Spelled = tuple[str, tuple[str, ...]]  # a word and its synonym group features (s:...)
# The longest reading looked for inside an unknown katakana run; longer example words are rare.
_LONGEST_SPELLING = 12
# Stands for any venue place in a topic text; becomes the one feature ``p:place``.
PLACE_TOKEN = "〈場所〉"


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Featuriser:
    """Text to features; the Sudachi dictionary is loaded once (not thread-safe, like Sudachi)."""

    def __init__(self, sudachi: Tokenizer | None = None, spellings: dict[str, tuple[_Spelled, ...]] | None = None
                 ) -> None:
        self._sudachi = sudachi or Dictionary(dict="core").tokenizer()
        self._spellings = spellings or {}  # katakana reading -> the words it spells
        self._devoiced: dict[str, tuple[_Spelled, ...]] = {}  # the same without voicing marks
        for sound, spelled in self._spellings.items():
            self._devoiced.setdefault(_devoiced(sound), spelled)

    def with_spelled_words(self, words: Iterable[str]) -> Featuriser:
        """A featuriser that also reads katakana as these words spelled out (the trained model's ``w:``
        words): Sudachi does not know ジュコウリョウ or シュウゴウケンシュウ, and reads イクラ as the
        fish, so half-width kana questions lost their words. Only words the model knows are worth
        finding; one-kana readings are left out, as they would match inside any run. A voiced kana
        typed for an unvoiced one (ノウブ for 納付) is found when nothing spells the run exactly.
        Shares the Sudachi dictionary."""
        spellings: dict[str, list[_Spelled]] = {}
        for word in words:
            if word.isascii():
                continue
            morphemes = self._sudachi.tokenize(word, SplitMode.C)
            if len(morphemes) != 1 or morphemes[0].normalized_form() != word or morphemes[0].is_oov():
                continue
            sound = morphemes[0].reading_form()
            if len(sound) >= 2:
                # The word and its short units, as a question typed in kanji would give (受講料: 受講, 料).
                short = morphemes[0].split(SplitMode.A)
                units = (morphemes[0], *(short if len(short) > 1 else ()))
                spellings.setdefault(sound, []).extend(
                    (unit.normalized_form(), tuple(f"s:{group}" for group in unit.synonym_group_ids()))
                    for unit in units)
        return Featuriser(self._sudachi, {sound: tuple(found) for sound, found in spellings.items()})

    def reading(self, text: str) -> str:
        """The katakana reading of a whole text (主任ケアマネ -> シュニンケアマネ)."""
        morphemes = self._sudachi.tokenize(fold_width_and_case(text), SplitMode.C)
        return "".join(_reading(m.surface(), m.reading_form()) for m in morphemes)

    def features(self, text: str) -> list[str]:
        """The features of one text (already stripped of training names and places)."""
        found: list[str] = ["p:place"] * text.count(PLACE_TOKEN) + ["p:date"] * text.count(DATE_TOKEN)
        plain = _SPACES.sub(" ", fold_width_and_case(text.replace(PLACE_TOKEN, " ").replace(DATE_TOKEN, " "))).strip()
        folded = hiragana_to_katakana(plain)
        compact = folded.replace(" ", "")
        for n in (1, 2, 3):
            found.extend("c:" + compact[i : i + n] for i in range(len(compact) - n + 1))
        readings: list[str] = []
        seen: set[str] = set()
        # One analysis: the long units (mode C), and the short ones (mode A) split out of them,
        # which is what a second tokenisation in mode A would give, without building it again.
        long_units = self._sudachi.tokenize(plain, SplitMode.C) if plain else ()
        short_units = [part for unit in long_units for part in (unit.split(SplitMode.A) or (unit,))]
        for morpheme in (*long_units, *short_units):
            pos = morpheme.part_of_speech()[0]
            surface = morpheme.surface()
            if pos in _SKIPPED_POS:
                continue
            if surface.isascii():
                if not morpheme.is_oov():
                    found.extend(_english_in_japanese(morpheme))
                continue
            word = morpheme.normalized_form()
            spelled = self._spelled(surface, morpheme.is_oov())
            for spelled_word, groups in spelled:
                if spelled_word not in seen:
                    seen.add(spelled_word)
                    found.append("w:" + spelled_word)
                    found.extend(groups)
            if spelled and morpheme.is_oov():
                continue  # ジュコウリョウ is 受講料; the unknown word itself would only count as unknown
            if word not in seen:
                seen.add(word)
                found.append("w:" + word)
                found.extend(f"s:{group}" for group in morpheme.synonym_group_ids())
        for morpheme in long_units:
            if morpheme.part_of_speech()[0] not in ("補助記号", "空白"):
                readings.append(_reading(morpheme.surface(), morpheme.reading_form()))
        sound = "".join(readings).replace(" ", "")
        found.extend("r:" + sound[i : i + 2] for i in range(len(sound) - 1))
        words = [_singular(w) for w in _EN_WORD.findall(plain)]
        found.extend("e:" + w for w in words)
        found.extend(f"e:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
        return found


    def _spelled(self, surface: str, unknown: bool) -> list[_Spelled]:
        """The features of the example words a katakana word spells: the whole word for a word Sudachi
        knows (イクラ -> 幾ら), else the pieces covering most of it (シュウゴウケンシュウ -> 集合, 研修)."""
        if not self._spellings or not _KATAKANA.fullmatch(surface):
            return []
        if not unknown:
            return list(self._spellings.get(surface, ()))
        # best[i]: (kana covered, -pieces, pieces) for the first i kana, by dynamic programming.
        best: list[tuple[int, int, tuple[str, ...]]] = [(0, 0, ())] * (len(surface) + 1)
        for end in range(1, len(surface) + 1):
            best[end] = best[end - 1]
            for start in range(max(0, end - _LONGEST_SPELLING), end - 1):
                if self._spelling(surface[start:end]):
                    covered, pieces, words = best[start]
                    candidate = (covered + end - start, pieces - 1, (*words, surface[start:end]))
                    best[end] = max(best[end], candidate, key=lambda b: (b[0], b[1]))
        return [spelled for sound in best[-1][2] for spelled in self._spelling(sound)]

    def _spelling(self, sound: str) -> tuple[_Spelled, ...]:
        return self._spellings.get(sound) or self._devoiced.get(_devoiced(sound), ())


_VOICED = str.maketrans("ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ", "カキクケコサシスセソタチツテトハヒフヘホハヒフヘホ")


def _devoiced(sound: str) -> str:
    """Katakana without voicing marks (ノウブ -> ノウフ)."""
    return sound.translate(_VOICED)


def _english_in_japanese(morpheme: Morpheme) -> list[str]:
    """An English word the dictionary knows, as its Japanese synonyms and katakana form: deadline
    meets 締切, payment 支払い, smartphone スマホ, email メール, which the examples say mostly in
    Japanese. Its spelling is an ``e:`` feature already."""
    found = [f"s:{group}" for group in morpheme.synonym_group_ids()]
    word = morpheme.normalized_form()
    if not word.isascii():
        found.append("w:" + word)
    return found


def _reading(surface: str, reading: str) -> str:
    """Katakana reading; latin and digits keep their spelling (Sudachi reads '?' as 'キゴウ')."""
    if reading == "キゴウ" or not reading or surface.isascii():
        return hiragana_to_katakana(surface)
    return reading
