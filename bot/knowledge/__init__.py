"""Everything in ``data/``: the typed schemas, the one YAML reader and the loader.

Each file of ``data/editions/`` is one edition of a training (e.g. 令和5年度
東京都難治性精神疾患研修); ``data/faq/`` holds the FAQ entries, the lexicon and
how trainees name each training; ``data/reminders.yaml`` the reminder rules.
``load_knowledge`` reads and validates all of them into one ``Knowledge`` and
refuses invalid data with every problem at its file, line and field.
"""

from bot.knowledge.base import Source, Sourced, Text
from bot.knowledge.faq import Faq, FaqEntry, Lexicon
from bot.knowledge.loader import Knowledge, KnowledgeError, Training, default_data_dir, load_knowledge
from bot.knowledge.models import (
    AllocationMethod,
    Application,
    Capacity,
    Certificate,
    Contact,
    Course,
    Edition,
    Eligibility,
    EventAudience,
    Fee,
    FeeStatus,
    LiveStream,
    Milestone,
    MilestoneKind,
    OnDemand,
    Requirement,
    RequirementKind,
    Rules,
    Session,
    SystemRequirements,
    Venue,
)
from bot.knowledge.reminder_rules import QuietHours, ReminderRules, Rule
from bot.knowledge.schedule import EventKind, ScheduledEvent
from bot.knowledge.timing import ArrivalRule, Deadline, JstDateTime, Period, TentativeWindow, TimeRange, When
from bot.knowledge.training_names import TrainingNames

__all__ = [
    "AllocationMethod", "Application", "ArrivalRule", "Capacity", "Certificate", "Contact", "Course", "Deadline",
    "Edition", "Eligibility", "EventAudience", "EventKind", "Faq", "FaqEntry", "Fee", "FeeStatus",
    "JstDateTime", "Knowledge", "KnowledgeError", "Lexicon", "LiveStream", "Milestone", "MilestoneKind", "OnDemand",
    "Period", "QuietHours", "ReminderRules", "Requirement", "RequirementKind", "Rule", "Rules",
    "ScheduledEvent", "Session", "Source", "Sourced", "SystemRequirements", "TentativeWindow", "Text", "TimeRange",
    "Training", "TrainingNames", "Venue", "When", "default_data_dir", "load_knowledge",
]
