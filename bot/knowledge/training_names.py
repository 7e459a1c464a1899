"""The schema of ``data/faq/trainings.yaml``: how trainees name each training and its courses.

Beyond the names in the edition files: nicknames the answering engine
recognises, and the short name and date style that answers and reminders show.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.knowledge.base import Strict


class TrainingNames(Strict):
    """How trainees name one training and its courses."""

    short_name: str = Field(min_length=1, description="Japanese short name for buttons, e.g. 難治性精神疾患研修")
    short_name_en: str = Field(min_length=1)
    date_style: Literal["era", "western"] = "era"
    aliases: list[str] = Field(default_factory=list)
    course_aliases: dict[str, list[str]] = Field(default_factory=dict)


class TrainingsFile(Strict):
    """``data/faq/trainings.yaml``: training id -> names."""

    trainings: dict[str, TrainingNames]
