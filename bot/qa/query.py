"""Reading a question: from the text as typed to what the decision needs.

First for every question (``prepare``): kana place names in kanji, the text
folded, which training it is about (named > enrolment > subscription >
memory), which language it is in and whether it is a question at all (clinical,
greeting, menu, small talk). Then, for questions only (``topic_terms``): the
training's cities taken out and the rest turned into the terms to rank by.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.qa.index import FaqIndex
from bot.qa.language import has_japanese, looks_english
from bot.qa.places import named_venues, with_kanji_places
from bot.qa.routing import Route
from bot.qa.tokenise import Terms
from bot.qa.training_resolution import Resolution
from bot.textfold import fold_width_and_case, fold_width_case_and_kana


@dataclass(frozen=True)
class Question:
    """One incoming question with what the bot knows about the asker."""

    text: str
    locale: str
    now: datetime
    linked_edition_ids: tuple[str, ...] = ()
    subscribed_training_ids: tuple[str, ...] = ()
    last_training_id: str | None = None


@dataclass(frozen=True)
class Query:
    """A question read once."""

    question: Question  # as asked, with kana place names in kanji
    text: str  # the question width and case folded
    resolution: Resolution
    locale: str  # the language to answer in
    route: Route


@dataclass(frozen=True)
class TopicTerms:
    """What is left of a question to rank FAQ entries by."""

    resolution: Resolution  # its remainder without the places named
    named_place: bool  # a city of the training's venues was named
    terms: Terms
    english: bool  # ranked against the English phrasings


def prepare(question: Question, index: FaqIndex) -> Query:
    """Read one question: its training, language and route."""
    question = replace(question, text=with_kanji_places(question.text, index.kana_places))
    text = fold_width_and_case(question.text)
    resolution = index.resolver.resolve(
        text, question.linked_edition_ids, question.subscribed_training_ids, question.last_training_id
    )
    route = index.router.route(text) if text else Route.MENU
    return Query(question, text, resolution, _locale(question, resolution.remainder), route)


def topic_terms(query: Query, index: FaqIndex) -> TopicTerms:
    """The terms a question is ranked by, once its names and places are out."""
    resolution, named_place = _without_places(query, index)
    remainder = index.rewriter.rewrite(resolution.remainder)
    if query.locale == "en" and not has_japanese(remainder):
        return TopicTerms(resolution, named_place, index.tokeniser.english(remainder), english=True)
    return TopicTerms(resolution, named_place, index.tokeniser.japanese(remainder), english=False)


def _locale(question: Question, remainder: str) -> str:
    if has_japanese(question.text):
        return "ja"
    if looks_english(remainder):
        return "en"
    return "en" if question.locale == "en" else "ja"


def _without_places(query: Query, index: FaqIndex) -> tuple[Resolution, bool]:
    """Take the training's venue places out of the text to rank.

    A city (福岡, 北海道) says which session, not which topic: left in, it is
    an unknown word that drags every entry's coverage below the answer line.
    The facts pick the named city's sessions from the question text.
    """
    resolution = query.resolution
    if resolution.training_id is None:
        return resolution, False
    edition = index.edition(resolution.training_id, query.question.linked_edition_ids)
    if edition is None or not edition.venues:
        return resolution, False
    _venues, words = named_venues(edition, resolution.remainder)
    if not words:
        return resolution, False
    remainder = fold_width_and_case(resolution.remainder)
    for word in words:
        # Kana folding maps a width-and-case folded text one character to one,
        # so the folded match's position cuts the text as typed (kana stay kana: いつ).
        start = fold_width_case_and_kana(remainder).find(word)
        if start >= 0 and len(fold_width_case_and_kana(remainder)) == len(remainder):
            remainder = f"{remainder[:start]} {remainder[start + len(word):]}"
    return replace(resolution, remainder=remainder), True
