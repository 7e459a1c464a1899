"""Question answering: FAQ entries as data, ranked with BM25, facts from the knowledge.

``Answerer`` is built once at app start (tokeniser, indices, word lists) and
answers each ``Question`` with an ``Answer`` of ready-to-send LINE messages.
"""

from bot.qa.answerer import Answer, Answerer, Question

__all__ = ["Answer", "Answerer", "Question"]
