"""Reading a question: from the text as typed to what the decision needs.

For every question (``prepare``): kana place names in kanji, the text folded,
which training it is about (named > this conversation's > enrolment >
subscription > the one training held at a place the text names), which
language it is in and whether it is a question at all (clinical, greeting,
thanks, menu, small talk by the word lists, another training named), the
topic text the model reads (names out, places as one token) and what it says
about time (date words, あと何日, the dated facts it names, 最後の/次の).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from datetime import datetime, timedelta

from bot.qa.index import FaqIndex
from bot.qa.language import has_japanese, looks_english
from bot.qa.places import with_kanji_places
from bot.qa.routing import Route
from bot.qa.time_slots import TimeSlots
from bot.qa.training_resolution import Resolution
from bot.textfold import fold_width_and_case

# A previous question this recent is the conversation going on: its training
# wins over enrolments and subscriptions, and follow-ups (「それはいつ？」) mean its topic.
CONVERSATION_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class Question:
    """One incoming question with what the bot knows about the asker."""

    text: str
    locale: str
    now: datetime
    linked_edition_ids: tuple[str, ...] = ()
    subscribed_training_ids: tuple[str, ...] = ()
    last_training_id: str | None = None  # the previous question's training and entry...
    last_entry_id: str | None = None
    last_asked_at: datetime | None = None  # ...and when it was asked (None: treat as recent)

    @property
    def in_conversation(self) -> bool:
        """True when the previous question is recent enough to be the conversation going on."""
        return self.last_asked_at is None or self.now - self.last_asked_at <= CONVERSATION_WINDOW


@dataclass(frozen=True)
class Query:
    """A question read once."""

    question: Question  # as asked, with kana place names in kanji
    text: str  # the question width and case folded
    resolution: Resolution
    locale: str  # the language to answer in
    route: Route
    topic: str  # what the model reads: no training names, places as one token
    time: TimeSlots  # date words, a countdown, the dated facts named, an ordinal


@dataclass(frozen=True)
class Reading:
    """What a question's text says, given the asker's trainings: everything in a Query but the clock.

    It depends on nothing else (no clock, no database), so the engine keeps recent
    readings: after an announcement, many trainees send the same words.
    """

    text: str  # as asked, with kana place names in kanji
    folded: str
    resolution: Resolution
    locale: str
    route: Route
    topic: str
    time: TimeSlots


def read(index: FaqIndex, text: str, locale: str, linked_edition_ids: tuple[str, ...],
         subscribed_training_ids: tuple[str, ...], conversation: str | None) -> Reading:
    """Read a text: its training (``conversation``: the training of the conversation going on), language,
    route and topic text."""
    text = with_kanji_places(text, index.kana_places)
    folded = fold_width_and_case(text)
    resolution = index.resolver.resolve(folded, linked_edition_ids, subscribed_training_ids, conversation)
    if resolution.training_id is None:
        held_at = index.topic.place_trainings(folded)
        if len(held_at) == 1:
            # 「広島の日程」: only one training is held there; the place names it.
            training_id = held_at.pop()
            resolution = replace(resolution, training_id=training_id, source="place", candidates=(training_id,))
    route = index.router.route(folded) if folded else Route.MENU
    # 「ありがとう、締切は？」 asks 「締切は？」: the thanks before a question is no topic.
    asked = index.router.after_opening(folded) if route is Route.QUESTION else folded
    topic = index.topic.of(asked, resolution.training_id)
    if route is Route.QUESTION and resolution.source != "named" and index.router.names_another_training(topic):
        route = Route.OFF_TOPIC  # 「喀痰吸引研修の申込締切」: another training's question
    return Reading(text, folded, resolution, _locale(text, locale, resolution.remainder), route, topic,
                   index.time.read(folded, topic))


# ``read`` with its index given: (text, locale, linked editions, subscribed trainings, conversation's training).
Reader = Callable[[str, str, tuple[str, ...], tuple[str, ...], str | None], Reading]


def prepare(question: Question, index: FaqIndex, reader: Reader | None = None) -> Query:
    """Read one question: its training, language, route and topic text (``reader``: a cache of ``read``)."""
    conversation = question.last_training_id if question.in_conversation else None
    reading = (reader or partial(read, index))(question.text, question.locale, tuple(question.linked_edition_ids),
                                               tuple(question.subscribed_training_ids), conversation)
    return Query(replace(question, text=reading.text), reading.folded, reading.resolution, reading.locale,
                 reading.route, reading.topic, reading.time)


def _locale(text: str, asker_locale: str, remainder: str) -> str:
    """Japanese if any kana or kanji is left once training names are out: 「主任介護支援専門員研修」
    inside an English question does not make it Japanese."""
    if has_japanese(remainder):
        return "ja"
    if looks_english(remainder):
        return "en"
    if has_japanese(text):
        return "ja"
    return "en" if asker_locale == "en" else "ja"
