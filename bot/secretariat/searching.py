"""Searching the console's long lists (applications, trainees) by what a clerk types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text`` ignoring case, with ``%`` and ``_`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill (at least one, so an empty list still has its page)."""
    return max(1, -(-total // per_page))
