"""Reminder rules as data: ``data/reminders.yaml``.

Defaults say, per kind of event, when reminders go out (7 days before, the day
before, the morning of...); an edition may replace the rules of any kind. The
file is validated like the training data: a typo stops start-up with the file
and the field named, instead of a season without reminders.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.knowledge import EventKind

RULES_FILE = "reminders.yaml"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
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


class QuietHours(_Strict):
    """Reminders due in this window wait until its end (Japan time)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


RuleSet = dict[EventKind, list[Rule]]


class ReminderRules(_Strict):
    """The whole file: quiet hours, default rules per event kind, per-edition replacements."""

    quiet_hours: QuietHours = QuietHours()
    defaults: RuleSet
    editions: dict[str, RuleSet] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> ReminderRules:
        for scope in [self.defaults, *self.editions.values()]:
            for kind, rules in scope.items():
                ids = [rule.id for rule in rules]
                if len(ids) != len(set(ids)):
                    raise ValueError(f"duplicate rule id among the rules of {kind.value}")
        return self

    def for_edition(self, edition_id: str) -> RuleSet:
        """The rules one edition follows: its own for the kinds it overrides, the defaults otherwise."""
        return {**self.defaults, **self.editions.get(edition_id, {})}


class RulesError(ValueError):
    """``data/reminders.yaml`` is missing or invalid."""


def load_rules(data_dir: Path) -> ReminderRules:
    """Read and validate ``data_dir/reminders.yaml``."""
    path = data_dir / RULES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ReminderRules.model_validate(raw)
    except (OSError, yaml.YAMLError) as error:
        raise RulesError(f"{path}: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise RulesError(f"{path}: {problems}") from None
