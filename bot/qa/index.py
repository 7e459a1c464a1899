"""Everything answering needs that can be built before the first question, built once.

From the knowledge and ``data/faq/``: the FAQ entries, the featuriser, the
router (word lists that must win whatever the model says), the training
resolver, the topic text (names and places out), which entries render for
which training, and the topic model: loaded from the cache when the examples
are unchanged, else trained (a few seconds) and cached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.i18n import gettext_for
from bot.knowledge import Edition, FaqEntry, Knowledge, TrainingNames
from bot.knowledge.faq import GUARD_LABELS
from bot.qa.coverage import Coverage, answer_coverage
from bot.qa.examples import Example, TopicText, featurise_examples, sibling_map, training_examples
from bot.qa.facts import FactContext, fact_function
from bot.qa.features import Featuriser
from bot.qa.places import kana_place_spellings
from bot.qa.routing import Route, Router
from bot.qa.time_slots import TimeReader
from bot.qa.topic_model import Siblings, TopicModel, cache_key, load_or_train, train
from bot.qa.training_resolution import TrainingResolver
from bot.textfold import fold_width_and_case, fold_width_case_and_kana

OVERVIEW_ENTRY = "overview"


class TrainingSet:
    """The examples as the model sees them, with the labels each one's named training allows."""

    def __init__(self, examples: list[Example], allowed: list[frozenset[str] | None], siblings: Siblings,
                 coverage: Coverage, topic: TopicText, featuriser: Featuriser) -> None:
        self.examples = tuple(examples)
        self.labels = [example.label for example in examples]
        self.allowed = allowed
        self.siblings = siblings
        self.coverage = coverage
        self._topic = topic
        self._featuriser = featuriser
        self._features: list[list[str]] | None = None

    @property
    def features(self) -> list[list[str]]:
        """Every example featurised (a few seconds: only when training)."""
        if self._features is None:
            self._features = featurise_examples(list(self.examples), self._topic, self._featuriser)
        return self._features

    def key(self) -> str:
        """What the cached model depends on, without featurising anything."""
        return cache_key([(e.text, e.label) for e in self.examples], [sorted(a) if a else None for a in self.allowed],
                         sorted((k, sorted(v)) for k, v in self.siblings.items()),
                         sorted((k, sorted(v)) for k, v in self.coverage.items()), self._topic.signature())

    def fit(self) -> TopicModel:
        return train(self.features, self.labels, self.siblings, self.allowed, self.coverage)


@dataclass(frozen=True)
class FaqIndex:
    """The FAQ ready to answer from; read-only once built."""

    knowledge: Knowledge
    entries: dict[str, FaqEntry]  # by id, in file order
    names: dict[str, TrainingNames]
    featuriser: Featuriser
    router: Router
    resolver: TrainingResolver
    kana_places: tuple[tuple[str, str], ...]  # katakana reading -> kanji spelling
    topic: TopicText
    time: TimeReader  # date words, countdowns, dated events and ordinals of a question
    model: TopicModel
    siblings: Siblings  # entries answered together when the model hesitates between them
    coverage: Coverage  # entries an entry's answer answers too (what it carries, facts it states)
    renders: frozenset[tuple[str, str]]  # (entry id, training id) whose answer has at least one fact
    training: TrainingSet  # what the model was trained on, for cross-validation
    build_seconds: float
    _answerable: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, knowledge: Knowledge, model_cache: Path | None = None) -> FaqIndex:
        """Every index over the FAQ that start-up loaded and checked (``bot.qa.faq_check``)."""
        started = time.perf_counter()
        featuriser = Featuriser()
        # A course-only alias that is also a topic word (会場, オンライン) stays in the text.
        topic_words = {fold_width_case_and_kana(k) for entry in knowledge.faq.entries for k in entry.keywords}
        resolver = TrainingResolver(knowledge, knowledge.training_names, featuriser.reading, topic_words)
        kana_places = kana_place_spellings(knowledge, featuriser.reading)
        topic = TopicText(knowledge, resolver, kana_places)
        examples = training_examples(knowledge)
        siblings = sibling_map(knowledge)
        renders = _rendering(knowledge)
        entries = {entry.id: entry for entry in knowledge.faq.entries}
        aliases = [alias for names in knowledge.training_names.values() for alias in names.aliases]
        router = Router(knowledge.faq.lexicon, aliases)
        allowed = [_GUARDS_ONLY if _routed_away(router, resolver, topic, example.text)
                   else _allowed(resolver, example.text, entries, renders) for example in examples]
        coverage = answer_coverage(knowledge, lambda e, t: _applies(entries[e], t, renders))
        training = TrainingSet(examples, allowed, siblings, coverage, topic, featuriser)
        model = load_or_train(training.key(), model_cache, training.fit)
        return cls(
            knowledge=knowledge,
            entries=entries,
            names=knowledge.training_names,
            # Questions typed in katakana (half-width kana) spell the words the model knows.
            featuriser=featuriser.with_spelled_words(f[2:] for f in model.vocabulary if f.startswith("w:")),
            router=router,
            resolver=resolver,
            kana_places=kana_places,
            topic=topic,
            time=TimeReader(knowledge.faq.time_words, topic.date_words),
            model=model,
            siblings=siblings,
            coverage=coverage,
            renders=renders,
            training=training,
            build_seconds=time.perf_counter() - started,
        )

    def applies(self, entry_id: str, training_id: str) -> bool:
        """True when the entry can be answered for this training: it is not limited to other
        trainings and its answer finds at least one fact in the training's edition."""
        return _applies(self.entries[entry_id], training_id, self.renders)

    def answerable(self, training_id: str) -> frozenset[str]:
        """Every entry that ``applies`` to the training (general entries included)."""
        found = self._answerable.get(training_id)
        if found is None:
            found = frozenset(e for e in self.entries if self.applies(e, training_id))
            self._answerable[training_id] = found
        return found

    def edition(self, training_id: str, linked_edition_ids: tuple[str, ...]) -> Edition | None:
        """The edition a question about the training means: the asker's own, else the latest."""
        editions = self.knowledge.editions_of(training_id)
        linked = [e for e in editions if e.id in linked_edition_ids]
        if linked:
            return linked[-1]
        return editions[-1] if editions else None

    def short_name(self, training_id: str, locale: str) -> str:
        """The name trainees use (クロザピン研修), else the training's full name."""
        names = self.names.get(training_id)
        if names is not None:
            return names.short_name_en if locale == "en" else names.short_name
        return self.knowledge.trainings[training_id].name.in_locale(locale)


def _applies(entry: FaqEntry, training_id: str, renders: frozenset[tuple[str, str]]) -> bool:
    if entry.trainings and training_id not in entry.trainings:
        return False
    return not entry.needs_training or (entry.id, training_id) in renders


_GUARDS_ONLY = frozenset(GUARD_LABELS)


def _routed_away(router: Router, resolver: TrainingResolver, topic: TopicText, text: str) -> bool:
    """True when the word lists decide the example before the model does (a clinical word, small
    talk, another training's name: ``query.prepare``): the calibration must not count the model's
    guess on it, which nobody is ever shown."""
    folded = fold_width_and_case(text)
    if router.route(folded) is not Route.QUESTION:
        return True
    named = any(alias.names_training for alias in resolver.named(folded)[0])
    return not named and router.names_another_training(topic.of(folded))


def _allowed(resolver: TrainingResolver, text: str, entries: dict[str, FaqEntry],
             renders: frozenset[tuple[str, str]]) -> frozenset[str] | None:
    """The entries an example's named training (or a course only it has) can have, as the decision masks
    them (None: none named)."""
    found = resolver.named(text)[0]
    named = {alias.training_id for alias in found if alias.names_training} or set(resolver.course_trainings(found))
    if len(named) != 1:
        return None
    training_id = named.pop()
    return frozenset(GUARD_LABELS) | {e for e, entry in entries.items() if _applies(entry, training_id, renders)}


def _rendering(knowledge: Knowledge) -> frozenset[tuple[str, str]]:
    """(entry, training) pairs whose template finds a fact in the training's latest edition.

    Facts are structural (a fee, a venue list): whether one exists does not depend
    on the day, so one fixed day decides it at start-up.
    """
    some_day = datetime(2000, 1, 1, tzinfo=UTC)
    pairs = set()
    for training_id in knowledge.trainings:
        editions = knowledge.editions_of(training_id)
        if not editions:
            continue
        context = FactContext(edition=editions[-1], locale="ja", now=some_day, gettext=gettext_for("ja"))
        for entry in knowledge.faq.entries:
            names = [n for n in entry.placeholders() if n != "training"]
            if any((f := fact_function(n)) is not None and f(context) is not None for n in names):
                pairs.add((entry.id, training_id))
    return frozenset(pairs)
