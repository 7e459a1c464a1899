"""Which training a question is about.

Order of evidence, strongest first (from the issue):

1. a training or course named in the text, nicknames included
   (クロザピンの研修, ECTの中級, ECMO, 人工呼吸器, 主任ケアマネ, 主任研修);
   then a course or format name that only one training's data has (Cコース,
   集合研修, オンラインコース name 主任's courses; 会場 is every training's word);
2. the training of the conversation going on (a question within the last
   30 minutes; the caller passes it only when it is that recent);
3. the user's linked enrolments;
4. the user's subscriptions;
5. a curriculum subject only one training teaches (スーパービジョン, ターミナルケア: 主任's);
6. otherwise nobody knows: the answerer asks, with a button per training.

A level that points at several trainings is ambiguous; a weaker level may
break the tie only by agreeing with one of them (a trainee enrolled in two
trainings who asked about ECMO a minute ago means ECMO).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from bot.knowledge import Knowledge, TrainingNames
from bot.qa.language import has_japanese
from bot.qa.subjects import named_subjects
from bot.textfold import fold_width_and_case, fold_width_case_and_kana, hiragana_to_katakana

# A kanji name typed in kana (しゅにんけあまね) is found through its reading,
# but only readings this long: short ones (ナンジ for 難治) are ordinary words
# typed in kana (なんじから = 何時から).
MIN_READING_LENGTH = 5
# A course-only name gives away its training from this length on: the course letters
# alone (a, b: English words) and two-character words do not.
MIN_COURSE_SLOT_LENGTH = 3


@dataclass(frozen=True)
class Alias:
    """One way of naming a training (and maybe one of its courses)."""

    folded: str
    training_id: str
    course_id: str | None
    names_training: bool = True


@dataclass(frozen=True)
class Resolution:
    """The outcome: a training, or the candidates to ask about."""

    training_id: str | None
    # "named" | "course" (a course only one training has) | "place" | "entry" (the one training whose own entry
    # the model is sure of, over a place's guess: decide._owner_over_place) | "conversation" | "enrolment" |
    # "subscription" | "subject" (a subject only one training teaches) | "none"
    source: str
    candidates: tuple[str, ...]
    course_ids: tuple[str, ...]
    remainder: str  # the text with the names taken out, for ranking


def _ascii_word(alias: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])")


class TrainingResolver:
    """Finds training names in text and applies the evidence order."""

    def __init__(
        self,
        knowledge: Knowledge,
        names: dict[str, TrainingNames],
        reading: Callable[[str], str] | None = None,
        topic_words: Collection[str] = (),
    ) -> None:
        """``reading`` gives the katakana reading of a name; ``topic_words`` are folded
        FAQ keywords: a course-only alias that is also one ("会場", "オンライン")
        stays in the text for ranking, others ("Aコース") are taken out."""
        self._knowledge = knowledge
        self._topic_words = frozenset(topic_words)
        aliases: dict[str, Alias] = {}
        owners: dict[str, set[str]] = {}  # every training any alias spelt this way belongs to

        def add(name: str, training_id: str, course_id: str | None, names_training: bool = True) -> None:
            folded = fold_width_case_and_kana(name)
            spoken = hiragana_to_katakana(reading(name)) \
                if reading is not None and has_japanese(name) and not folded.isascii() else ""
            for spelling in (folded, spoken if len(spoken) >= MIN_READING_LENGTH else ""):
                if spelling:
                    owners.setdefault(spelling, set()).add(training_id)
                    aliases.setdefault(spelling, Alias(spelling, training_id, course_id, names_training))

        for training_id, training in knowledge.trainings.items():
            extra = names.get(training_id)
            for course_id, course_names in (extra.course_aliases if extra else {}).items():
                for name in course_names:
                    add(name, training_id, course_id)
            training_names = [
                fold_width_case_and_kana(n) for n in (*training.aliases, *(extra.aliases if extra else ()))
            ]
            for edition in knowledge.editions_of(training_id):
                for course in edition.all_courses():
                    for name in (*course.aliases, course.name.ja, course.name.en or ""):
                        if fold_width_case_and_kana(name) in training_names:
                            # 「ECMO研修の時間」 asks about the training: a course spelt like the training's own
                            # name (ECMO, 人工呼吸器) is named only with its course word (ECMOコース).
                            continue
                        # "Aコース" or "会場" name a course only once the training is
                        # known; "ECT中級" names the training too.
                        strong = any(n in fold_width_case_and_kana(name) for n in training_names if len(n) >= 2)
                        add(name, training_id, course.id, strong)
            for name in (*training.aliases, training.name.ja, *(extra.aliases if extra else ())):
                add(name, training_id, None)
            if training.name.en:
                add(training.name.en, training_id, None)
        # Longest first, so 主任ケアマネ wins over ケアマネ and ECT中級 over ECT.
        self._aliases = sorted(aliases.values(), key=lambda a: len(a.folded), reverse=True)
        # Topic words in kana too (カイジョウ is 会場): a word every training uses names none.
        spoken_topics = {hiragana_to_katakana(reading(w)) for w in self._topic_words} if reading else set()
        self._course_slot = frozenset(
            a.folded for a in self._aliases
            if not a.names_training and len(owners[a.folded]) == 1 and len(a.folded) >= MIN_COURSE_SLOT_LENGTH
            and a.folded not in self._topic_words and a.folded not in spoken_topics)
        self._patterns = {
            a.folded: _ascii_word(a.folded) if a.folded.isascii() else re.compile(re.escape(a.folded))
            for a in self._aliases
        }

    def signature(self) -> list[tuple[str, str, str | None, bool]]:
        """Every alias, for the topic model's cache key (a new nickname changes what it reads)."""
        return [(a.folded, a.training_id, a.course_id, a.names_training) for a in self._aliases] + [
            ("topic-words", ",".join(sorted(self._topic_words)), None, False),
            ("course-slot", ",".join(sorted(self._course_slot)), None, False)]

    def course_trainings(self, found: list[Alias]) -> tuple[str, ...]:
        """The trainings the course-only names among ``found`` give away (Cコース, 集合研修: 主任)."""
        return tuple(dict.fromkeys(a.training_id for a in found if a.folded in self._course_slot))

    def named(self, text: str, blank_courses_of: str | None = None) -> tuple[list[Alias], str]:
        """Aliases found in the text (longest match wins) and the text without them.

        Matching runs on the kana-folded text; ``hiragana_to_katakana`` maps one
        character to one, so the same spans are blanked in the width-and-case
        folded text, which keeps its hiragana for the tokeniser. Course-only aliases of ``blank_courses_of``
        are blanked too unless they are topic words themselves.
        """
        plain = list(fold_width_and_case(text))
        folded = hiragana_to_katakana("".join(plain))
        found: list[Alias] = []
        for alias in self._aliases:
            if alias.folded not in folded:
                continue  # a substring test first: most texts name one or two of some 200 aliases
            spans = [m.span() for m in self._patterns[alias.folded].finditer(folded)]
            if not spans:
                continue
            found.append(alias)
            blank = alias.names_training or (
                alias.training_id == blank_courses_of and alias.folded not in self._topic_words
            )
            if not blank:
                continue
            for start, end in spans:
                folded = folded[:start] + " " * (end - start) + folded[end:]
                plain[start:end] = [" "] * (end - start)
        return found, re.sub(r"\s+", " ", "".join(plain)).strip()

    def resolve(
        self,
        text: str,
        linked_edition_ids: tuple[str, ...],
        subscribed_training_ids: tuple[str, ...],
        conversation_training_id: str | None,
    ) -> Resolution:
        """Apply the evidence order to one question."""
        found, remainder = self.named(text)
        named = tuple(dict.fromkeys(a.training_id for a in found if a.names_training))
        courses = tuple(dict.fromkeys(a.course_id for a in found if a.course_id and a.names_training))
        subscribed = tuple(t for t in dict.fromkeys(subscribed_training_ids) if t in self._knowledge.trainings)
        enrolled = self._trainings_of_editions(linked_edition_ids)
        by_course = self.course_trainings(found)
        if enrolled:
            # A format word only one training's data has (集合研修, Bコース) still means the asker's
            # own training when they are enrolled in another: it is not a name.
            by_course = tuple(t for t in by_course if t in enrolled)
        levels: list[tuple[str, tuple[str, ...]]] = [
            ("named", named),
            ("course", by_course),
            ("conversation",
             (conversation_training_id,) if conversation_training_id in self._knowledge.trainings else ()),
            ("enrolment", enrolled),
            ("subscription", subscribed),
        ]
        # Weakest: only 主任 has a curriculum, and a trainee of another training may ask of a topic its
        # subject titles hold (「特別講義はありますか」 from an ECMO subscriber is ECMO's question). Read only
        # when no stronger level settles it alone: most questions never pay for it.
        if all(len(candidates) != 1 for _, candidates in levels):
            levels.append(("subject", self._trainings_teaching_a_subject_named(remainder)))
        for depth, (source, candidates) in enumerate(levels):
            if len(candidates) == 1:
                # A course-only alias that is also a topic word ("会場", "オンライン")
                # is read as the topic, not as a choice of course.
                courses += tuple(a.course_id for a in found
                                 if not a.names_training and a.training_id == candidates[0] and a.course_id
                                 and a.folded not in self._topic_words)
                if courses:
                    remainder = self.named(text, blank_courses_of=candidates[0])[1]
                return Resolution(candidates[0], source, candidates, courses, remainder)
            if len(candidates) > 1:
                for _, weaker in levels[depth + 1 :]:
                    agreeing = [t for t in weaker if t in candidates]
                    if len(agreeing) == 1:
                        return Resolution(agreeing[0], source, candidates, courses, remainder)
                return Resolution(None, source, candidates, courses, remainder)
        return Resolution(None, "none", tuple(self._knowledge.trainings), courses, remainder)

    def _trainings_teaching_a_subject_named(self, text: str) -> tuple[str, ...]:
        """The trainings whose curriculum has a subject the text names (「スーパービジョンの科目は何時間？」 is
        主任's: no other training teaches it)."""
        return tuple(training_id for training_id in self._knowledge.trainings
                     if any(named_subjects(edition, text).ids for edition in self._knowledge.editions_of(training_id)))

    def _trainings_of_editions(self, edition_ids: tuple[str, ...]) -> tuple[str, ...]:
        found = []
        for edition_id in edition_ids:
            edition = self._knowledge.editions.get(edition_id)
            if edition is not None:
                found.append(edition.training.id)
        return tuple(dict.fromkeys(found))
