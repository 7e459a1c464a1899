"""The fake's memory of every request it answered, for tests to assert on.

Records keep references to the parsed JSON body rather than copies: a
100,000-recipient fanout would otherwise double its memory for nothing, and
nothing mutates a body after the request is answered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RecordedRequest:
    """One request as received and answered."""

    request_id: str
    method: str
    path: str
    endpoint: str
    at: float
    retry_key: str | None = None
    body: Any = None
    status: int = 0
    response: Any = None
    recipients: list[str] = field(default_factory=list)
    reply_token_user: str | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return self.body["messages"]
        return []

    def to_json(self) -> dict[str, Any]:
        error = self.response if not self.accepted else None
        return {
            "requestId": self.request_id, "method": self.method, "path": self.path,
            "endpoint": self.endpoint, "at": self.at, "retryKey": self.retry_key,
            "body": self.body, "status": self.status, "response": self.response,
            "error": error, "recipients": self.recipients,
            "replyTokenUser": self.reply_token_user,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message a user received, and how."""

    user_id: str
    message: dict[str, Any]
    endpoint: str
    request_id: str


class RequestLog:
    """Thread-safe append-only list of records, clearable by tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []

    def append(self, record: RecordedRequest) -> None:
        with self._lock:
            self._records.append(record)

    def all(self, path: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            records = list(self._records)
        return [r for r in records if path is None or r.path == path]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def deliveries(self) -> Iterator[Delivery]:
        """Every message each recipient got from an accepted request, in order."""
        for record in self.all():
            if not record.accepted or not record.recipients:
                continue
            for user_id in record.recipients:
                for message in record.messages:
                    yield Delivery(user_id, message, record.endpoint, record.request_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)
