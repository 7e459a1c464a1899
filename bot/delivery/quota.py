"""Will a send fit in this month's message quota? Asked of LINE before announcing.

LINE counts one message per recipient per message object against the monthly
quota (push and multicast alike); a channel without a limit always fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.line.gateway import LineGateway


@dataclass(frozen=True)
class QuotaCheck:
    receivers: int
    messages_each: int
    remaining: int | None  # None: the channel has no monthly limit

    @property
    def needed(self) -> int:
        return self.receivers * self.messages_each

    @property
    def fits(self) -> bool:
        return self.remaining is None or self.needed <= self.remaining


def check_quota(line: LineGateway, receivers: int, messages_each: int) -> QuotaCheck:
    """The send's cost against what LINE says remains (raises ``LineApiError`` if LINE cannot say)."""
    return QuotaCheck(receivers, messages_each, line.quota().remaining)
