"""Training knowledge: the typed schema of ``data/editions/*.yaml`` and its loader.

Each YAML file is one edition of a training (e.g. 令和5年度 東京都難治性精神疾患研修).
``load_knowledge`` validates all of them and refuses invalid data; ``check``
returns the same problems for ``kenshu data check``.
"""

from bot.knowledge.base import Source, Sourced, Text
from bot.knowledge.loader import Knowledge, KnowledgeError, Training, check, default_data_dir, load_knowledge
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
from bot.knowledge.schedule import EventKind, ScheduledEvent
from bot.knowledge.timing import ArrivalRule, Deadline, JstDateTime, Period, TentativeWindow, TimeRange, When

__all__ = [
    "AllocationMethod", "Application", "ArrivalRule", "Capacity", "Certificate", "Contact", "Course",
    "Deadline", "Edition", "Eligibility", "EventAudience", "EventKind", "Fee", "FeeStatus", "JstDateTime", "Knowledge",
    "KnowledgeError", "LiveStream", "Milestone", "MilestoneKind", "OnDemand", "Period", "Requirement",
    "RequirementKind", "Rules", "ScheduledEvent", "Session", "Source", "Sourced", "SystemRequirements",
    "TentativeWindow", "Text", "TimeRange", "Training", "Venue", "When", "check", "default_data_dir",
    "load_knowledge",
]
