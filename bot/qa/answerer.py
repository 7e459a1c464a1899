"""The question-answering engine: one object built at start-up, one call per question.

``Answerer.answer`` runs a question through the three steps, each in its module:
``query`` reads it (training, language, route), ``decide`` chooses what to do
and ``compose`` words the reply. Everything that can be built before the first
question is built once, in ``index``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path

from bot.knowledge import Knowledge
from bot.qa.compose import Composer
from bot.qa.decide import decide
from bot.qa.index import FaqIndex
from bot.qa.query import Question, Reader, prepare, read
from bot.qa.reply import Reply
from bot.qa.topic_model import TopicModel
from bot.textfold import fold_width_and_case


# Readings of recent texts kept (a few hundred bytes each); a reading depends on no clock or database.
READINGS_KEPT = 4096


def _kept_readings(index: FaqIndex) -> Reader:
    """``read`` on ``index``, remembering the latest ``READINGS_KEPT`` distinct questions' readings."""
    return lru_cache(maxsize=READINGS_KEPT)(partial(read, index))


class Answerer:
    """Builds the FAQ index once; answers many questions."""

    def __init__(self, knowledge: Knowledge, model_cache: Path | None = None) -> None:
        """Built from knowledge that start-up has checked (``bot.qa.faq_check``); the topic
        model is read from ``model_cache`` when it holds one for these examples (else trained, saved there)."""
        self.index = FaqIndex.build(knowledge, model_cache)
        self._composer = Composer(self.index)
        self._reader = _kept_readings(self.index)
        self._warm_up()

    def with_model(self, model: TopicModel) -> Answerer:
        """The same engine with another topic model (cross-validation trains one per fold)."""
        other = object.__new__(Answerer)
        other.index = replace(self.index, model=model)
        other._composer = Composer(other.index)
        other._reader = _kept_readings(other.index)
        return other

    def answer(self, question: Question) -> Reply:
        """Answer one question; never raises for odd input."""
        query = prepare(question, self.index, self._reader)
        return self._composer.compose(query, decide(query, self.index))

    def is_surely_clinical(self, text: str) -> bool:
        """The word lists' verdict alone: for where the bot otherwise stays quiet (a chat with staff).

        The learned clinical class also fires on short texts it has never seen
        (「通知設定」 reads like a ventilator setting), which is right when the bot
        answers anyway and wrong when it would interrupt a clerk's conversation.
        """
        return self.index.router.is_clinical(fold_width_and_case(text))

    def _warm_up(self) -> None:
        """Answer a question in each language now: catalogs, Babel locale data and
        first-call costs load at start-up, not while the first trainee waits."""
        some_day = datetime(2000, 1, 1, tzinfo=UTC)
        for locale, text in (("ja", "締切"), ("en", "deadline")):
            for training_id in self.index.knowledge.trainings:
                self.answer(Question(text=f"{self.index.short_name(training_id, locale)} {text}", locale=locale,
                                     now=some_day))
