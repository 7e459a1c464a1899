"""What a question says about time, read once as slots apart from its topic.

「クロザピン研修の配信終了まであと何日？」 asks for a day count (countdown) to one
dated fact (on-demand end); 「今年度最後のECMO研修はいつどこ？」 for the last of the
session days; 「今日ECMO研修ってある？」 about the days a date word names. The words
are data (``data/faq/time_words.yaml``); which dated facts an edition holds and when
they fall is the answer's business (``facts.countdown``), judged on the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.schedule import EventKind
from bot.knowledge.time_words import Ordinal, TimeWords
from bot.qa.date_words import DATE_TOKEN, DateWords, DateWordSpec
from bot.qa.features import PLACE_TOKEN
from bot.textfold import fold_width_and_case

# What may be left of a question besides its time (and where) words and a place without it asking anything
# else: particles and punctuation, 研修, 回, から, なら, やる, 今年度/今年 and 「ありますか」 (「ECMO研修まであと何日
# ありますか」, 「東北の回まであと何日」, 「神戸から行くならどこ？」, 「今年度最後のECMO研修はいつどこ？」); read for a
# countdown's other words and for ``only_when_or_where``. Words before the particles: です would otherwise lose
# its で and leave す behind. English filler counts the same: function words and the words of such a question
# (please, how many, left, until, course, session, training: "How many days left until the course in Kyoto?").
_FILLER = re.compile(r"まで|から|あり|ます|です|ある|やる|なら|今年度|今年|研修|けんしゅう|残っ|いる|[のはをがにでとへもってやかねよ回?？!！。、.,\s]|"
                     r"(?<![a-z])(the|a|an|is|are|was|were|it|there|in|at|of|for|to|be|held|do|does|did|and|please|how|many|"
                     r"left|until|course|session|training)(?![a-z])")
# Particles and signs: what is left of a date-word question once its is-it-on words are out.
_PARTICLES = re.compile(r"[のはをがにでとへもってやかね?？!！。、\s]")


@dataclass(frozen=True)
class TimeSlots:
    """The time words of one question; empty when it has none."""

    date_word: DateWordSpec | None = None
    countdown: bool = False  # asks how many days (あと何日)
    asks_when: bool = False  # asks for a date (いつ, いつまで)
    events: frozenset[EventKind] = frozenset()  # the dated facts it names (配信開始, 払込期限)
    ordinal: Ordinal | None = None  # which one of several (最後の, 次の)
    other_words: bool = True  # something is left once time words and places are out (修了証はあと何日で届く)
    asks_whether_on: bool = False  # a date word and nothing else but 研修/ある: 「今月のECMO研修」「来週 研修ある？」
    only_when_or_where: bool = False  # nothing but time, is-it-on and where words beside a place or date: 「神戸からはいつ？」
    asks_where: bool = False  # a where word (どこ, 近く)
    weekdays: frozenset[int] = frozenset()  # the weekdays named (土曜日: 5, 土日: 5 and 6; 0 is Monday)


def _alternation(words: list[str], whole_latin_words: bool = False) -> re.Pattern[str]:
    """One pattern for the words, longest first; ``whole_latin_words``: a latin word matches only a whole
    word ("any" is not in "company")."""
    folded = sorted({fold_width_and_case(w) for w in words}, key=len, reverse=True)
    return re.compile("|".join(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if whole_latin_words and w.isascii()
                               else re.escape(w) for w in folded))


class TimeReader:
    """Reads the time slots of folded text (width and case folded, hiragana kept); built once."""

    def __init__(self, words: TimeWords, date_words: DateWords) -> None:
        self._date_words = date_words
        self._countdown = _alternation(words.countdown_words)
        self._when = _alternation(words.when_words, whole_latin_words=True)  # "date" is no when word in "update"
        self._kinds: dict[str, set[EventKind]] = {}
        for kind, spellings in words.events.items():
            for word in spellings:
                self._kinds.setdefault(fold_width_and_case(word), set()).add(kind)
        self._events = _alternation(list(self._kinds))
        self._ordinals = {fold_width_and_case(w): ordinal for ordinal, ws in words.ordinals.items() for w in ws}
        self._ordinal = _alternation(list(self._ordinals)) if self._ordinals else None
        self._is_it_on = _alternation(words.is_it_on_words, whole_latin_words=True)
        self._not_time = _alternation(words.not_time_words, whole_latin_words=True) if words.not_time_words else None
        self._where = _alternation(words.where_words, whole_latin_words=True) if words.where_words else None
        self._venue_nouns = _alternation(words.venue_nouns) if words.venue_nouns else None
        self._weekday_days = {fold_width_and_case(w): frozenset(item.days) for item in words.weekdays for w in item.words}
        self._weekday = _alternation(list(self._weekday_days), whole_latin_words=True) if self._weekday_days else None

    def read(self, text: str, topic: str) -> TimeSlots:
        """The slots of a question: ``text`` as asked (folded), ``topic`` what the model reads of it."""
        if self._not_time is not None:  # 有効期限 is no deadline: its 期限 is read as nothing
            text, topic = self._not_time.sub(" ", text), self._not_time.sub(" ", topic)
        countdown = self._countdown.search(text) is not None
        named = [self._kinds[m.group(0)] for m in self._events.finditer(text)]  # longest first: 配信開始, not 配信
        # A word of one kind (配信終了, ends) says more than one of several (動画: its start and its end).
        events = set().union(*(kinds for kinds in named if len(kinds) == 1)) or set().union(*named)
        ordinal = None
        if self._ordinal is not None and (found := self._ordinal.search(text)) is not None:
            ordinal = self._ordinals[found.group(0)]
        rest = topic.replace(DATE_TOKEN, " ").replace(PLACE_TOKEN, " ")
        for pattern in (self._countdown, self._when, self._events, self._ordinal):
            if pattern is not None:
                rest = pattern.sub(" ", rest)
        only_on = self._is_it_on.sub(" ", topic.replace(DATE_TOKEN, " "))
        asked = self._is_it_on.sub(" ", rest)
        for pattern in (self._where, self._venue_nouns):
            if pattern is not None:
                asked = pattern.sub(" ", asked)
        return TimeSlots(
            date_word=self._date_words.find(text),
            countdown=countdown,
            asks_when=countdown or self._when.search(text) is not None,
            events=frozenset(events),
            ordinal=ordinal,
            other_words=bool(_FILLER.sub("", rest)),
            asks_whether_on=DATE_TOKEN in topic and not _PARTICLES.sub("", only_on),
            only_when_or_where=not _FILLER.sub("", asked),
            asks_where=self._where is not None and self._where.search(text) is not None,
            weekdays=frozenset().union(*(self._weekday_days[m.group(0)] for m in self._weekday.finditer(text)))
            if self._weekday is not None else frozenset(),
        )
