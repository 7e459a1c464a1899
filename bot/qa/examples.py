"""The topic model's training examples, and the one way both examples and questions become its input.

An example and a question go through ``TopicText.of`` alike: kana place names
in kanji, training and course names taken out (the training is a slot, decided
apart from the topic, so 「ECMOの費用」 and 「クロザピンの費用」 are one
example of the fee entry), every venue place replaced by one place token
(「広島の日程」 and 「札幌の日程」 are one question), every date word by one date
token (「来週の日程」 and 「今月の日程」) and municipalities by 区市町村. What is left is what the question asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import Knowledge
from bot.knowledge.faq import GUARD_LABELS
from bot.qa.date_words import DateWords
from bot.qa.features import PLACE_TOKEN, Featuriser
from bot.qa.places import named_after, place_words, with_kanji_places
from bot.qa.rewrite import Rewriter
from bot.qa.training_resolution import TrainingResolver
from bot.textfold import fold_width_and_case, hiragana_to_katakana

_AFTER_NAME = re.compile(
    r"(?:^|(?<=\s))(?:研修|けんしゅう|講習|training|course|programme|program)(?=\W|[のはでにをがって]|$)"
)


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # an entry id or a guard label


def training_examples(knowledge: Knowledge) -> list[Example]:
    """Every example: each entry's phrasings (ja and en) and the example files, guard classes included."""
    found: list[Example] = []
    for entry in knowledge.faq.entries:
        found.extend(Example(text, entry.id) for text in (*entry.questions.ja, *entry.questions.en))
        found.extend(Example(text, entry.id) for text in knowledge.faq.examples.get(entry.id, ()))
    for label in GUARD_LABELS:
        found.extend(Example(text, label) for text in knowledge.faq.examples.get(label, ()))
    return found


class TopicText:
    """Strips a text down to its topic; built once from the knowledge."""

    def __init__(self, knowledge: Knowledge, resolver: TrainingResolver,
                 kana_places: tuple[tuple[str, str], ...]) -> None:
        self._resolver = resolver
        self._kana_places = kana_places
        self._municipalities = Rewriter(knowledge)
        self.date_words = DateWords(knowledge.faq.time_words.date_words)
        self._place_trainings: dict[str, set[str]] = {}
        region_words: dict[str, set[str]] = {}
        for edition in knowledge.editions.values():
            own = place_words(edition)
            for word in own:
                self._place_trainings.setdefault(word, set()).add(edition.training.id)
            region_words.setdefault(edition.training.id, set()).update(
                set(place_words(edition, knowledge.faq.regions)) - set(own))
        words = set(self._place_trainings)
        self._places = _longest_first(words)
        # A region's city (大阪, 名古屋) is a place only in a question about a training held by region (ECMO):
        # 「埼玉に登録しているけど都内で勤務」 is a 主任 question, and 埼玉 names no training.
        self._region_places = {t: pattern for t, found in region_words.items()
                               if (pattern := _longest_first(found - words)) is not None}

    def _with_place_tokens(self, plain: str, pattern: re.Pattern[str]) -> str:
        folded = hiragana_to_katakana(plain)
        for start, end in reversed([m.span() for m in pattern.finditer(folded)]):
            plain = f"{plain[:start]} {PLACE_TOKEN} {plain[end:]}"
        return plain

    def named_training(self, text: str) -> str | None:
        """The training an example names (or whose course-only word it uses), as a question's would be read:
        an example is featurised as that question (a city of a region is a place for ECMO only)."""
        return self._resolver.resolve(fold_width_and_case(text), (), (), None).training_id

    def place_trainings(self, text: str) -> set[str]:
        """The trainings held at the venue places the text names (広島 -> ECMO): a slot of its own. A landmark or
        surname (東京タワー, 前橋です) names no training; the topic keeps its place token all the same."""
        if self._places is None:
            return set()
        folded = hiragana_to_katakana(fold_width_and_case(with_kanji_places(text, self._kana_places)))
        return {t for match in self._places.finditer(folded) if not named_after(folded, match.end())
                for t in self._place_trainings[match.group(0)]}

    def signature(self) -> list[object]:
        """What reading a text depends on besides the code: names, kana places, place words, municipalities,
        date words."""
        return [self._resolver.signature(), list(self._kana_places),
                self._places.pattern if self._places else "", self._municipalities.signature(),
                self.date_words.signature(), sorted((t, p.pattern) for t, p in self._region_places.items())]

    def of(self, text: str, training_id: str | None = None) -> str:
        """The text without training names, with one token for any venue place (and, for a training held by
        region, for a city of a region its venues serve)."""
        plain = self._resolver.named(with_kanji_places(fold_width_and_case(text), self._kana_places))[1]
        # 「ECMO研修の日程」 leaves 「研修の日程」: the word after a name is part of it. Another
        # training's name (喀痰吸引研修) keeps its 研修, which tells the model it is not ours.
        plain = _AFTER_NAME.sub(" ", plain)
        if self._places is not None:
            plain = self._with_place_tokens(plain, self._places)
        if training_id in self._region_places:
            plain = self._with_place_tokens(plain, self._region_places[training_id])
        return self._municipalities.rewrite(self.date_words.with_date_token(plain))


def _longest_first(words: set[str]) -> re.Pattern[str] | None:
    """One pattern for the words, longest first; None for none."""
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))) if words else None


def sibling_map(knowledge: Knowledge) -> dict[str, frozenset[str]]:
    """Each entry's siblings, both ways (an entry naming another makes them siblings of each other)."""
    found: dict[str, set[str]] = {}
    for entry in knowledge.faq.entries:
        for sibling in entry.siblings:
            found.setdefault(entry.id, set()).add(sibling)
            found.setdefault(sibling, set()).add(entry.id)
    return {entry_id: frozenset(others) for entry_id, others in found.items()}


def featurise_examples(examples: list[Example], topic: TopicText, featuriser: Featuriser) -> list[list[str]]:
    return [featuriser.features(topic.of(example.text, topic.named_training(example.text))) for example in examples]
