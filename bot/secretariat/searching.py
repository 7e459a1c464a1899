"""Searching the console's long lists (applications, trainees) by what a clerk types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def contains(column: Any, text: str, dialect_name: str | None = None) -> ColumnElement[bool]:
    """``column`` contains ``text`` ignoring case, with ``%`` and ``_`` taken literally.

    ``ILIKE``, which a trigram index serves on PostgreSQL (migration 0012). Given
    ``dialect_name="sqlite"``: plain ``LIKE``, already blind to case, and to the same
    (ASCII) case as SQLite's ``lower()``; ``ilike`` would wrap both sides in
    ``lower()``, doubling the cost of the scan for the same matches.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if dialect_name == "sqlite":
        return column.like(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]
    return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill (at least one, so an empty list still has its page)."""
    return max(1, -(-total // per_page))
