"""The schema of ``data/reminders.yaml``: when reminders go out.

Defaults say, per kind of event, when reminders go out (7 days before, the day
before, the morning of...); an edition may replace the rules of any kind. A typo
stops start-up with the file, line and field named, instead of a season
without reminders.
"""

from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

from bot.knowledge.base import SLUG, Strict
from bot.knowledge.schedule import EventKind


class Rule(Strict):
    """One reminder before an event: ``days_before`` at a clock time, or ``minutes_before`` its start."""

    id: str = Field(pattern=SLUG)
    days_before: int | None = Field(default=None, ge=0)
    at: time | None = None
    minutes_before: int | None = Field(default=None, ge=0)
    credentials: bool = Field(default=False, description="Include the joining details (URL, ID, password)")
    only_with_credentials: bool = Field(default=False, description="Send only to those who have joining details")

    @model_validator(mode="after")
    def _one_timing(self) -> Rule:
        by_day = self.days_before is not None and self.at is not None
        by_minutes = self.minutes_before is not None and self.days_before is None and self.at is None
        if by_day == by_minutes:
            raise ValueError("give either days_before with at, or minutes_before")
        if self.only_with_credentials and not self.credentials:
            raise ValueError("only_with_credentials needs credentials: true")
        return self


class QuietHours(Strict):
    """Reminders due in this window wait until its end (Japan time)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


RuleSet = dict[EventKind, list[Rule]]


class ReminderRules(Strict):
    """The whole file: quiet hours, default rules per event kind, per-edition replacements.

    Rule ids unique per kind and edition ids that exist are checked by the loader,
    which can point at the offending line.
    """

    quiet_hours: QuietHours = QuietHours()
    defaults: RuleSet
    editions: dict[str, RuleSet] = Field(default_factory=dict)

    def for_edition(self, edition_id: str) -> RuleSet:
        """The rules one edition follows: its own for the kinds it overrides, the defaults otherwise."""
        return {**self.defaults, **self.editions.get(edition_id, {})}
