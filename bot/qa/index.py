"""Everything answering needs that can be built before the first question, built once.

From the knowledge and ``data/faq/``: the FAQ entries (each template checked
against the known facts, so a typo fails at start-up), the tokeniser, the
router, the rewrites, the training resolver, one BM25 ranker per language over
every phrasing, and the ambiguous words of the lexicon.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import Edition, FaqEntry, Knowledge, TrainingNames
from bot.qa.language import has_japanese
from bot.qa.places import kana_place_spellings
from bot.qa.ranking import EntryRanker
from bot.qa.rewrite import Rewriter
from bot.qa.routing import Router
from bot.qa.tokenise import Terms, Tokeniser
from bot.qa.training_resolution import TrainingResolver
from bot.textfold import fold_width_and_case, fold_width_case_and_kana

OVERVIEW_ENTRY = "overview"


@dataclass(frozen=True)
class AmbiguousWord:
    """A word that alone could mean several entries ("配信": live or on-demand?)."""

    words: frozenset[str]
    entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class FaqIndex:
    """The FAQ ready to answer from; read-only once built."""

    knowledge: Knowledge
    entries: dict[str, FaqEntry]  # by id, in file order
    names: dict[str, TrainingNames]
    tokeniser: Tokeniser
    router: Router
    rewriter: Rewriter
    resolver: TrainingResolver
    kana_places: tuple[tuple[str, str], ...]  # katakana reading -> kanji spelling
    japanese: EntryRanker
    english: EntryRanker
    ambiguous: tuple[AmbiguousWord, ...]

    @classmethod
    def build(cls, knowledge: Knowledge) -> FaqIndex:
        """Every index over the FAQ that start-up loaded and checked (``bot.qa.faq_check``)."""
        faq = knowledge.faq
        tokeniser = Tokeniser(frozenset(faq.lexicon.topic_free_words))
        rewriter = Rewriter(faq.lexicon.rewrites, knowledge)
        topic_words = {fold_width_case_and_kana(k) for entry in faq.entries for k in entry.keywords}
        resolver = TrainingResolver(knowledge, knowledge.training_names, tokeniser.reading, topic_words)

        def without_names(phrasing: str) -> str:
            return rewriter.rewrite(resolver.named(fold_width_and_case(phrasing))[1])

        ja: list[tuple[str, Terms]] = []
        en: list[tuple[str, Terms]] = []
        for entry in faq.entries:
            for phrasing in entry.questions.ja:
                ja.append((entry.id, tokeniser.japanese(without_names(phrasing))))
            for phrasing in entry.questions.en:
                en.append((entry.id, tokeniser.english(without_names(phrasing))))
            if entry.keywords:
                latin = [k for k in entry.keywords if not has_japanese(k)]
                # Latin keywords go to the Japanese index too: trainees type
                # CPU, Zoom or URL inside Japanese questions ("ECT研修 CPU").
                ja.append((entry.id, tokeniser.japanese(rewriter.rewrite(" ".join(entry.keywords)))))
                if latin:
                    en.append((entry.id, tokeniser.english(" ".join(latin))))
        ambiguous = tuple(
            AmbiguousWord(frozenset(tokeniser.japanese(rewriter.rewrite(term)).words), tuple(entry_ids))
            for term, entry_ids in faq.lexicon.ambiguous.items()
        )
        return cls(
            knowledge=knowledge,
            entries={entry.id: entry for entry in faq.entries},
            names=knowledge.training_names,
            tokeniser=tokeniser,
            router=Router(faq.lexicon),
            rewriter=rewriter,
            resolver=resolver,
            kana_places=kana_place_spellings(knowledge, tokeniser.reading),
            japanese=EntryRanker(ja),
            english=EntryRanker(en),
            ambiguous=ambiguous,
        )

    def applies(self, entry_id: str, training_id: str) -> bool:
        """True when the entry is about every training or names this one."""
        entry = self.entries[entry_id]
        return not entry.trainings or training_id in entry.trainings

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

