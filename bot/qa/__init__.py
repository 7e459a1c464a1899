"""Question answering, LINE-free: a ``Question`` in, a ``Reply`` (texts, choices, table, decision) out.

``Answerer`` is built once at app start (featuriser, topic model, word lists) and
answers each question; ``bot.line.answer_messages`` turns the reply into LINE
messages.
"""

from bot.qa.answerer import Answerer
from bot.qa.query import Question
from bot.qa.reply import Choice, Decision, DecisionKind, Reply, Table

__all__ = ["Answerer", "Choice", "Decision", "DecisionKind", "Question", "Reply", "Table"]
