"""Turn a question into the terms the ranking compares.

Two kinds of term come out of a Japanese text:

* words: SudachiPy normalised forms in both the long (C) and short (A) split,
  so 申込/申し込み/申込み and 〆切/締め切り are one term, and 修了証 also
  matches a question that only says 修了;
* sounds: katakana reading bigrams of the whole text, so a word typed in
  hiragana (しゅうりょうしょう, らいぶ) or with a typo still meets the kanji
  or katakana spelling of the same word.

English text is split on letters, lower-cased, stripped of function words and
crudely singularised; Sudachi would transliterate it into katakana, which
helps nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sudachipy import Dictionary, SplitMode

from bot.textfold import fold_width_and_case, hiragana_to_katakana

# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks.
_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号", "感動詞", "接頭辞"})

# Japanese words that occur in almost every question and say nothing about
# which answer is wanted. Question words (いつ, どこ, いくら) are kept: they
# are what separates "when" from "where" from "how much".
_JA_STOPWORDS = frozenset(
    {
        "研修", "講習", "講座", "教える", "知る", "分かる", "わかる", "です", "ます",
        "する", "為る", "ある", "有る", "いる", "居る", "なる", "成る", "くださる", "下さる", "お願い",
        "願う", "良い", "よい", "いい", "思う", "こと", "事", "もの", "物", "方", "ん", "の",
        "ね", "よ", "か", "今", "すみません", "済みません", "質問", "聞く", "訊く", "確認", "ちょっと",
        "今回", "今年", "今年度", "本", "について", "関する", "?", "!", "。", "、",
        "さん", "様", "的", "何", "ども", "たち", "等", "など", "くる", "来る", "行く", "いく",
        "ため", "為", "それ", "これ", "あれ", "その", "この", "あの", "ここ", "そこ", "私", "僕", "自分",
    }
)

_EN_STOPWORDS = frozenset(
    {
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did",
        "i", "me", "my", "we", "our", "you", "your", "it", "its", "this", "that", "these", "those",
        "to", "of", "in", "on", "for", "at", "by", "with", "from", "about", "as", "into",
        "and", "or", "but", "if", "so", "than", "then", "there", "here",
        "can", "could", "would", "should", "will", "shall", "may", "might", "must",
        "please", "tell", "know", "want", "like", "get", "give", "let", "us", "hi", "hello",
        "training", "trainings", "course", "courses", "programme", "program", "seminar",
        "any", "some", "s", "t", "pls", "plz", "thanks", "thank", "just", "also", "have", "has", "had",
    }
)

_EN_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Terms:
    """What the ranking sees of one text."""

    words: tuple[str, ...]
    sounds: tuple[str, ...]


def _bigrams(text: str) -> list[str]:
    if len(text) < 2:
        return [text] if text else []
    return [text[i : i + 2] for i in range(len(text) - 1)]


def _singular(word: str) -> str:
    """Crude English singular: enough to meet 'dates' with 'date'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Tokeniser:
    """Japanese and English term extraction; the Sudachi dictionary is loaded once."""

    def __init__(self, topic_free: frozenset[str] = frozenset()) -> None:
        """``topic_free``: extra stopwords from the lexicon (generic verbs such as 必要,
        使う, 見る) kept as data, because each one left in a short question lowers its
        coverage below the answer line ("zoom使う？" is about Zoom, not about using)."""
        self._sudachi = Dictionary(dict="core").tokenizer()
        self._topic_free = frozenset(word.lower() for word in topic_free)

    def japanese(self, text: str) -> Terms:
        """Words (normalised forms, long and short split) and reading bigrams."""
        normalised = fold_width_and_case(text)
        words: list[str] = []
        seen: set[str] = set()
        readings: list[str] = []
        for mode in (SplitMode.C, SplitMode.A):
            for morpheme in self._sudachi.tokenize(normalised, mode):
                pos = morpheme.part_of_speech()[0]
                if mode is SplitMode.C and pos not in {"補助記号", "空白"}:
                    readings.append(_reading(morpheme.surface(), morpheme.reading_form()))
                if pos in _SKIPPED_POS:
                    continue
                word = morpheme.normalized_form().lower()
                if len(word) == 1 and word.isascii():
                    # A lone latin letter is a course name (Aコース) or a typo, not a topic.
                    continue
                surface = morpheme.surface()
                if word in _JA_STOPWORDS or surface in _JA_STOPWORDS or word in seen:
                    continue
                if word in self._topic_free or surface in self._topic_free:
                    continue
                seen.add(word)
                words.append(word)
        return Terms(words=tuple(words), sounds=tuple(_bigrams("".join(readings))))

    def reading(self, text: str) -> str:
        """The katakana reading of a whole text (主任ケアマネ -> シュニンケアマネ), for kana look-ups."""
        morphemes = self._sudachi.tokenize(fold_width_and_case(text), SplitMode.C)
        return "".join(_reading(m.surface(), m.reading_form()) for m in morphemes)

    def english(self, text: str) -> Terms:
        """Content words, singularised; sounds are letter bigrams of the words for typos."""
        words = [
            _singular(word)
            for word in _EN_WORD.findall(fold_width_and_case(text))
            if word not in _EN_STOPWORDS
        ]
        sounds = [gram for word in words for gram in _bigrams(word)]
        return Terms(words=tuple(dict.fromkeys(words)), sounds=tuple(sounds))


def _reading(surface: str, reading: str) -> str:
    """Katakana reading; latin and digits keep their spelling (Sudachi reads '?' as 'キゴウ')."""
    if reading == "キゴウ" or not reading:
        return hiragana_to_katakana(surface)
    if surface.isascii():
        return surface
    return reading
