"""Deciding what to do with a question: answer an entry, ask, suggest, redirect or decline.

1. route before ranking: clinical questions get the consultation desk, greetings
   and "menu" get the list of what the bot knows, obvious small talk is declined;
2. rank FAQ entries with the training names (and named cities) taken out;
3. answer when the best entry explains the question well, offer "did you mean"
   buttons when it partly does, and say honestly what the bot covers when
   nothing does;
4. an entry that needs a training nobody named asks which one, unless only
   one training has it at all.

The outcome is a ``Verdict``: what to say is ``compose``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.qa.index import OVERVIEW_ENTRY, FaqIndex
from bot.qa.query import Query, TopicTerms, topic_terms
from bot.qa.ranking import Candidate
from bot.qa.routing import Route
from bot.qa.training_resolution import Resolution

# Thresholds on coverage (share of the question the entry explains).
ANSWER_COVERAGE = 0.65
SUGGEST_COVERAGE = 0.2
# The winner must beat the runner-up by this factor to be answered outright
# when its coverage is not decisive.
CLEAR_MARGIN = 1.25
DECISIVE_COVERAGE = 0.8
# Confidence given to a choice between the meanings of one ambiguous word.
AMBIGUOUS_WORD_CONFIDENCE = 0.5
VENUE_ENTRY = "venue"


@dataclass(frozen=True)
class AnswerEntry:
    """Answer with an entry's facts for one training (or none, for general entries)."""

    entry_id: str
    training_id: str | None
    course_ids: tuple[str, ...]
    confidence: float


@dataclass(frozen=True)
class AskTraining:
    """The entry is clear but needs a training: ask which, a button per training."""

    entry_id: str
    training_ids: tuple[str, ...]
    confidence: float


@dataclass(frozen=True)
class ChooseTopic:
    """A bare ambiguous word ("配信"): ask which of its meanings, a button each."""

    entry_ids: tuple[str, ...]
    training_id: str | None
    confidence: float = AMBIGUOUS_WORD_CONFIDENCE


@dataclass(frozen=True)
class DidYouMean:
    """The best entries partly explain the question: offer them, with the secretariat's contact."""

    entry_ids: tuple[str, ...]
    training_id: str | None
    contact_training_ids: tuple[str, ...]  # whose secretariat to name
    confidence: float


@dataclass(frozen=True)
class Redirect:
    """A clinical question: never answered, the consultation desk instead."""

    training_id: str | None
    confidence: float = 1.0  # the lexicon's word lists decide, not the ranking


@dataclass(frozen=True)
class ShowMenu:
    """A greeting, "menu" or an empty message: what the bot can answer."""

    greeting: bool
    training_id: str | None
    confidence: float = 1.0


@dataclass(frozen=True)
class OutOfScope:
    """Nothing in the FAQ explains the question: say what the bot covers."""

    training_id: str | None
    confidence: float


Verdict = AnswerEntry | AskTraining | ChooseTopic | DidYouMean | Redirect | ShowMenu | OutOfScope


def decide(query: Query, index: FaqIndex) -> Verdict:
    """The verdict on one question."""
    resolution = query.resolution
    if query.route is Route.CLINICAL:
        return Redirect(resolution.training_id)
    if query.route in (Route.GREETING, Route.MENU):
        return ShowMenu(query.route is Route.GREETING, resolution.training_id)
    if query.route is Route.OFF_TOPIC:
        return OutOfScope(resolution.training_id, 0.0)
    topic = topic_terms(query, index)
    resolution = topic.resolution
    if topic.named_place and not topic.terms.words:
        # "ECMO 北海道": a place alone asks when and where it is held there.
        return _entry(VENUE_ENTRY, resolution, 1.0, index)
    ambiguous = _ambiguous_entries(topic, index)
    if len(ambiguous) > 1:
        return ChooseTopic(ambiguous, resolution.training_id)
    candidates = _rank(topic, index)
    if len(ambiguous) == 1:
        candidates = [Candidate(ambiguous[0], 1.0, 1.0)]
    if not candidates:
        if resolution.source == "named" and not _has_words(resolution.remainder):
            return _entry(OVERVIEW_ENTRY, resolution, 1.0, index)
        return OutOfScope(resolution.training_id, 0.0)
    top = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    clear = top.coverage >= DECISIVE_COVERAGE or top.score >= CLEAR_MARGIN * runner_up
    confidence = round(min(1.0, top.coverage * (1.0 if clear else 0.8)), 3)
    if top.coverage >= ANSWER_COVERAGE and clear:
        return _entry(top.entry_id, resolution, confidence, index)
    if top.coverage >= SUGGEST_COVERAGE:
        offered = [c for c in candidates if c.coverage >= SUGGEST_COVERAGE * 0.5][:3] or candidates[:1]
        contacts = (resolution.training_id,) if resolution.training_id else resolution.candidates
        return DidYouMean(tuple(c.entry_id for c in offered), resolution.training_id, contacts, confidence)
    return OutOfScope(resolution.training_id, confidence)


def _entry(entry_id: str, resolution: Resolution, confidence: float, index: FaqIndex) -> AnswerEntry | AskTraining:
    """Answer the entry, or ask which training when it needs one and several could be meant."""
    training_id = resolution.training_id
    if index.entries[entry_id].needs_training and training_id is None:
        trainings = resolution.candidates or tuple(index.knowledge.trainings)
        applicable = [t for t in trainings if index.applies(entry_id, t)]
        if len(applicable) != 1:
            return AskTraining(entry_id, tuple(applicable) or tuple(trainings), confidence)
        # Only one training has this at all (区市町村の推薦): no need to ask.
        training_id = applicable[0]
    return AnswerEntry(entry_id, training_id, resolution.course_ids, confidence)


def _rank(topic: TopicTerms, index: FaqIndex) -> list[Candidate]:
    ranked = (index.english if topic.english else index.japanese).rank(topic.terms)
    training_id = topic.resolution.training_id
    if training_id is None:
        return ranked
    return [c for c in ranked if index.applies(c.entry_id, training_id)]


def _ambiguous_entries(topic: TopicTerms, index: FaqIndex) -> tuple[str, ...]:
    """The entries a bare ambiguous word could mean ("配信": live or on-demand?),
    kept to those that apply to the training; empty when the question says more."""
    if topic.english or not topic.terms.words:
        return ()
    words = set(topic.terms.words)
    training_id = topic.resolution.training_id
    for ambiguous in index.ambiguous:
        if words <= ambiguous.words:
            return tuple(e for e in ambiguous.entry_ids if training_id is None or index.applies(e, training_id))
    return ()


def _has_words(text: str) -> bool:
    return re.search(r"[^\s\W_]", text) is not None and bool(
        re.sub(r"[のはをがにでとへもってやかね?？!！。、\s]", "", text)
    )
