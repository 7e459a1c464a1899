"""The schema of ``data/faq/personal_questions.yaml``: questions a trainee asks about their *own* training.

「私の研修」, 「受講URLをもう一度送って」, 「申込状況は？」 are not FAQ entries: their answer
depends on who asks (the application linked to their LINE account), so they are
recognised before the FAQ and answered from the roster and the joining details.
Each intent lists the phrases that signal it, as data, so the secretariat can add
wordings and a learned model can later take them as classes.

A phrase is a string the folded question must contain, or a list of strings it must
all contain (``[zoom, リンク]`` matches 「Zoomのリンクは？」 and 「zoomの参加リンク」).
The first intent that matches wins, so the more specific ones come first.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from bot.knowledge.base import Strict


class PersonalIntent(StrEnum):
    JOINING_DETAILS = "joining_details"
    APPLICATION_STATUS = "application_status"
    MY_TRAINING = "my_training"


Phrase = str | list[str]


class IntentPhrases(Strict):
    """How trainees ask one personal question, in Japanese and English, with examples for checking."""

    id: PersonalIntent
    phrases: list[Phrase] = Field(min_length=1)
    examples: list[str] = Field(min_length=1, description="Whole questions that must be recognised (checked by tests)")


class PersonalQuestions(Strict):
    """``data/faq/personal_questions.yaml``: the intents in the order they are tried."""

    intents: list[IntentPhrases] = Field(default_factory=list)
