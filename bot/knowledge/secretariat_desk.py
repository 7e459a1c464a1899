"""The schema of ``data/secretariat.yaml``: when the secretariat answers, and how trainees ask for a person.

「事務局に質問したい」, 「担当者と話したい」, "talk to a person" are not FAQ questions:
they ask to hand the chat to a clerk (``handlers.handoff``). The phrases are data
so the secretariat can add wordings; the office hours say, in the one line the
bot answers a handoff with, when a reply can be expected.

A phrase is a string the folded message must contain, or a list of strings it must
all contain (``[担当者, 話]`` matches 「担当の方とお話ししたい」 only if both are there).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

from pydantic import Field, model_validator

from bot.knowledge.base import Strict, Text

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OfficeHours(Strict):
    """The secretariat's hours, Japan time (public holidays are not known to the bot: the label says so if needed)."""

    days: list[Weekday] = Field(min_length=1)
    start: time
    end: time
    label: Text = Field(description="How the hours read in a message, e.g. 平日 9:00〜17:00")

    @model_validator(mode="after")
    def _start_before_end(self) -> OfficeHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (Japan time) falls within the hours."""
        return WEEKDAYS[moment.weekday()] in self.days and self.start <= moment.time() < self.end


class TalkToAPerson(Strict):
    """How trainees ask to talk to a person, with whole examples that must be recognised (checked by tests)."""

    phrases: list[str | list[str]] = Field(min_length=1)
    examples: list[str] = Field(min_length=1)


class SecretariatDesk(Strict):
    """``data/secretariat.yaml``."""

    office_hours: OfficeHours
    talk_to_a_person: TalkToAPerson


def default_desk() -> SecretariatDesk:
    """For a data folder without the file: weekdays 9:00-17:00 and the plainest phrasings."""
    return SecretariatDesk(
        office_hours=OfficeHours(days=list(WEEKDAYS[:5]), start=time(9), end=time(17),
                                 label=Text(ja="平日 9:00〜17:00", en="weekdays 9:00-17:00")),
        talk_to_a_person=TalkToAPerson(phrases=["担当者", "talk to a person"], examples=["担当者と話したい"]),
    )
