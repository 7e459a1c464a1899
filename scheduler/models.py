"""The real date of an event, set by the secretariat when data/ only has a tentative window.

Kept in the database rather than in data/ because the date is decided during
the season (「決定次第ご案内」), by clerks, through ``kenshu reminders set-date``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class EventDate(Base):
    """The day (and time, when known) an event really takes place."""

    __tablename__ = "event_dates"

    event_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    time: Mapped[time | None] = mapped_column(Time)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
