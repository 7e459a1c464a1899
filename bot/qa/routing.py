"""Questions routed before the topic model: clinical, greetings, thanks, menu, off-topic.

A clinical question must never reach the FAQ ranking, because a confident
fact from the nearest entry ("ECTの中級では適応判断を学びます") would read
as medical advice. Word lists live in ``data/faq/lexicon.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from bot.knowledge import Lexicon
from bot.textfold import fold_width_and_case, fold_width_case_and_kana, hiragana_to_katakana


class Route(StrEnum):
    """What kind of message this is, before ranking."""

    CLINICAL = "clinical"
    GREETING = "greeting"
    THANKS = "thanks"
    MENU = "menu"
    OFF_TOPIC = "out_of_scope"
    QUESTION = "question"


def _folded(words: list[str]) -> tuple[str, ...]:
    return tuple(fold_width_case_and_kana(word) for word in words if word.strip())


class Router:
    """Classifies a text with the lexicon; built once."""

    def __init__(self, lexicon: Lexicon, training_aliases: Iterable[str] = ()) -> None:
        """``training_aliases``: the trainings' own names (主任研修, ECMO), which say a question is about a
        training as 研修 does."""
        self._clinical = _any_of(_folded(lexicon.clinical_terms))
        self._soft = _any_of(_folded(lexicon.clinical_soft_terms))
        self._exempt = _folded(lexicon.clinical_exempt_terms)
        self._patterns = tuple(re.compile(fold_width_case_and_kana(p)) for p in lexicon.clinical_patterns)
        self._greetings = _folded(lexicon.greetings)
        self._thanks = _folded(lexicon.thanks)
        # Longest first, so that a text opens with ありがとう before ありがと.
        self._openings = tuple(sorted((*self._thanks, *self._greetings), key=len, reverse=True))
        self._menu = _folded(lexicon.menu_words)
        self._katakana_menu = tuple(w for w in map(fold_width_and_case, lexicon.menu_words) if _KATAKANA.fullmatch(w))
        self._off_topic = _any_of(_folded(lexicon.off_topic_terms))
        self._off_topic_exempt = _folded(lexicon.off_topic_exempt_terms)
        self._training_word = _any_of(_folded([*lexicon.off_topic_training_words, *training_aliases]))
        self._own_training_words = tuple(fold_width_and_case(w) for w in lexicon.own_training_words if w.strip())

    def route(self, text: str) -> Route:
        """The route for one question text."""
        folded = fold_width_case_and_kana(text)
        if self.is_clinical(folded):
            return Route.CLINICAL
        bare = _bare(folded)
        written = fold_width_and_case(text).strip()
        starts_a_longer_word = any(_continues_in_katakana(written, word) for word in self._katakana_menu)
        if (any(_short_phrase(bare, folded, word) for word in self._menu) and not starts_a_longer_word) or any(
            word in folded and len(bare) <= len(_SIGNS.sub("", word)) + MENU_PHRASE_ROOM
            for word in self._menu if len(word) >= MIN_MENU_PHRASE
        ):
            return Route.MENU
        opening = self._opening(bare, folded)
        if opening is not None and not _asks_after(bare, folded, opening[1]):
            return opening[0]
        if self._off_topic.search(folded) and not self._about_what_happens_to_a_training(folded):
            return Route.OFF_TOPIC  # 「研修当日の天気は？」, but not 「主任研修、台風で中止？」
        return Route.QUESTION

    def opening(self, text: str) -> Route | None:
        """THANKS or GREETING when the text opens with one, even if a question follows: 「こんにちは！元気？」
        is still a greeting when the question after it is no question about the trainings."""
        folded = fold_width_case_and_kana(text)
        opening = self._opening(_bare(folded), folded)
        return opening[0] if opening else None

    def after_opening(self, text: str) -> str:
        """The text (width and case folded) without the thanks or greeting it opens with, its polite ending and
        the signs after it: 「ありがとうございます。締切は？」 asks 「締切は？」, and the thanks word would make the
        model read small talk. Unchanged when it opens with none."""
        written = fold_width_and_case(text).lstrip()
        folded = hiragana_to_katakana(written)  # one character for one: spans agree with ``written``
        word = next((word for word in self._openings if _opens_with(folded, word)), None)
        if word is None:
            return written
        tail = _POLITE_TAIL.match(folded, len(word))
        return written[tail.end() if tail else len(word):]

    def _opening(self, bare: str, folded: str) -> tuple[Route, str] | None:
        """The route and word of a thanks or greeting the message opens with, within a short phrase's room."""
        for route, words in ((Route.THANKS, self._thanks), (Route.GREETING, self._greetings)):
            word = next((word for word in words if bare and _short_phrase(bare, folded, word)), None)
            if word is not None:
                return route, word
        return None

    def _about_what_happens_to_a_training(self, folded: str) -> bool:
        """True when the text asks what happens to a training (called off, changed, in a storm): such a word
        and a word of a training both (「野球の試合が中止」 is about the game)."""
        return any(word in folded for word in self._off_topic_exempt) and self._training_word.search(folded) is not None

    def names_another_training(self, topic: str) -> bool:
        """True when the text (our training names already out) names a training that is not ours:
        喀痰吸引研修, BLS講習, 看護師国家試験; 集合研修 or 更新研修 are parts of ours."""
        for match in _TRAINING_NAME.finditer(fold_width_and_case(topic)):
            # 「集合研修コース」 is the course of 集合研修: the name before its last 研修 is what is named.
            name = _TRAINING_SUFFIXES.sub("", match.group(1))
            if not any(name.endswith(word) for word in self._own_training_words):
                return True
        return False

    def is_clinical(self, folded: str) -> bool:
        """True for questions about treatment, medication or a patient's care."""
        if self._clinical.search(folded):
            return True
        if any(pattern.search(folded) for pattern in self._patterns):
            return True
        return not self.about_the_course(folded) and self._soft.search(folded) is not None

    def about_the_course(self, folded: str) -> bool:
        """True when the text speaks of the course itself (講義, 受講, lecture): 「副作用の管理についての
        講義はある？」 asks about a lecture, not about a patient."""
        return any(word in folded for word in self._exempt)


# A name of a training: two or more kanji, katakana or latin characters before 研修, 講習...
_TRAINING_NAME = re.compile(r"([\u4e00-\u9fff\u30a1-\u30faーa-z0-9]{2,})(?:研修|講習|講座|試験|セミナー|コース)")
_TRAINING_SUFFIXES = re.compile(r"(?:研修|講習|講座|セミナー)+$")


# A menu word this long asks what the bot does wherever it stands (「このbotは何ができる？」); a shorter one
# (help, 使い方, メニュー) only as the message or its start: 「Zoomの使い方」 and "Does the secretariat help
# with network problems?" are questions.
MIN_MENU_PHRASE = 5
# ...in a message at most this much longer than it (「このbotは何ができるの？」): "What can you do if you miss a
# lecture?" and 「研修で何ができるようになりますか」 are questions.
MENU_PHRASE_ROOM = 7
# Spaces, signs, long-vowel marks and laughter, left out when a short message is compared with a word.
_SIGNS = re.compile(r"[\s!！?？。、.,~ー〜笑]+")
# A greeting, thanks or menu word with at most this much after it is the message (「ありがとうございました」).
SHORT_PHRASE_ROOM = 6
# ...unless at least this many characters (signs left out) follow the word and the message holds a question
# mark: two, so that 「元気？」 after こんにちは is read as asked.
MIN_ASKED_AFTER_A_GREETING = 2
# A thanks or greeting word shorter than this must end where a word ends: 「りょ」 is 了解, but
# 「りょうきん」 (料金) starts with it, as "which city" starts with "hi" once its w is read as laughter.
MIN_WORD_WITH_ENDING = 3


_KATAKANA = re.compile(r"[\u30a1-\u30faー]+")
# What may follow a thanks or greeting before the question it opens (kana folded): a polite ending and signs.
_POLITE_TAIL = re.compile(r"(?:ゴザイマス|ゴザイマシタ|デス|マス)?[\s!！?？。、.,~ー〜笑]*")


def _continues_in_katakana(written: str, word: str) -> bool:
    """True when the message starts with a katakana word and goes on in katakana: 「ヘルプデスクは？」 asks for
    the help desk, not for the menu (the kana fold makes every kana alike, so the text as written decides)."""
    return written.startswith(word) and _KATAKANA.match(written, len(word)) is not None


def _short_phrase(bare: str, folded: str, word: str) -> bool:
    """「ありがとうございました」 is the thanks word and a polite ending, not a question. A short word
    is the whole message (「りょ」), or a latin one followed by a space or a sign ("ok thanks", "hi!")."""
    word = _SIGNS.sub("", word)  # as the message was read: メニュー is メニュ there
    if not bare.startswith(word) or len(bare) > len(word) + SHORT_PHRASE_ROOM:
        return False
    if len(word) >= MIN_WORD_WITH_ENDING or bare == word:
        return True
    return word.isascii() and re.match(rf"{re.escape(word)}(?![a-z0-9])", folded.strip()) is not None


def _bare(folded: str) -> str:
    """The folded text without spaces, signs and laughter (笑, www), as a short message is compared with a word;
    a w goes only at the end: inside "which" it is a letter of the word."""
    return re.sub(r"[wｗ]+$", "", _SIGNS.sub("", folded))


def _opens_with(folded: str, word: str) -> bool:
    """True when the text starts with the word as a word of its own: 「りょうきん」 does not open with 「りょ」, nor
    "hiroshima" with "hi"."""
    if not folded.startswith(word):
        return False
    if word.isascii():
        return re.match(r"[a-z0-9]", folded[len(word):]) is None
    return len(word) >= MIN_WORD_WITH_ENDING


def _asks_after(bare: str, folded: str, word: str) -> bool:
    """True when words follow a greeting or thanks and the message holds a question mark: 「おはよう、研修の日程は？」
    is a question, though its bare form fits in a short phrase's room."""
    rest = bare[len(_SIGNS.sub("", word)):]
    return len(rest) >= MIN_ASKED_AFTER_A_GREETING and ("?" in folded or "？" in folded)


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of the words (a loop over a few hundred words cost more than the
    rest of reading a question): substrings for Japanese, whole words for latin terms ("dose" is
    not in "closed"). Matches nothing when the list is empty."""
    alternatives = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w) for w in words]
    return re.compile("|".join(alternatives) or r"(?!)")
