"""Typed postback payloads: ``action`` plus parameters, packed as a query string.

Handlers never parse postback strings themselves; they register for an action
name and receive the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

MAX_DATA_LENGTH = 300  # LINE's limit on postback data


@dataclass(frozen=True)
class Postback:
    action: str
    params: dict[str, str] = field(default_factory=dict)

    def pack(self) -> str:
        data = urlencode({"action": self.action, **self.params})
        if len(data) > MAX_DATA_LENGTH:
            raise ValueError(f"postback data over {MAX_DATA_LENGTH} characters: {data[:40]}...")
        return data

    @classmethod
    def unpack(cls, data: str) -> Postback | None:
        """The payload, or None for data this bot did not write."""
        pairs = dict(parse_qsl(data or "", keep_blank_values=True))
        action = pairs.pop("action", "")
        return cls(action, pairs) if action else None
