"""The one clock the whole app reads.

Trainings run on Japan time, so every "now" is an aware datetime in Asia/Tokyo.
Demos and tests freeze it with ``KENSHU_NOW`` (an ISO datetime; a naive value is
taken as Japan time) or move it with time-machine, which patches ``datetime.now``.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def parse_jst(value: str) -> datetime:
    """Parse an ISO datetime; a value without an offset is Japan time."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=JST)
    return parsed.astimezone(JST)


def now() -> datetime:
    """Return the current time in Japan, or the time frozen by ``KENSHU_NOW``."""
    frozen = os.environ.get("KENSHU_NOW")
    if frozen:
        return parse_jst(frozen)
    return datetime.now(JST)


def system_now() -> datetime:
    """Real time, for operational bookkeeping (leases, retries, latency).

    A clock frozen for a demo must not freeze the inbox's leases or the sender's
    backoff, so those read this instead of ``now``.
    """
    return datetime.now(JST)
