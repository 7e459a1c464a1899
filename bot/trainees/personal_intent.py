"""Which personal question a message asks, if any: 「私の研修」, 「受講URLをもう一度送って」, 「申込状況は？」.

Matched against the phrases in ``data/faq/personal_questions.yaml`` after the same
folding the answering engine applies to questions (width, case, kana), so
「ＺＯＯＭのりんく」 and 「Zoomのリンク」 are one phrase. Kept apart from the FAQ
engine on purpose: the answer depends on who asks, and the phrases can later
become classes of a learned model without touching the handlers.
"""

from __future__ import annotations

from functools import lru_cache

from bot.knowledge.personal_questions import PersonalIntent, PersonalQuestions
from bot.textfold import fold_width_case_and_kana


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """Folded for matching, remembered: every message is matched against every phrase, which was folded again each time."""
    return fold_width_case_and_kana(text).replace(" ", "")


def recognise(text: str, questions: PersonalQuestions) -> PersonalIntent | None:
    """The first intent one of whose phrases the text contains; None for any other question."""
    folded = _fold(text)
    for intent in questions.intents:
        for phrase in intent.phrases:
            words = [phrase] if isinstance(phrase, str) else phrase
            if all(_fold(word) in folded for word in words):
                return intent.id
    return None
