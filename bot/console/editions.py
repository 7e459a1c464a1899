"""The edition a console page is about: chosen from a list, carried as ``?edition=ID`` or a form field."""

from __future__ import annotations

from flask import abort, request

from bot.knowledge import Edition
from bot.services import Services


def choices(locale: str = "ja") -> list[tuple[str, str]]:
    """(id, title in the clerk's language where the data has it) of every edition, newest fiscal year first."""
    found = sorted(Services.current().knowledge.editions.values(), key=lambda e: (-e.fiscal_year, e.id))
    return [(edition.id, edition.title.in_locale(locale)) for edition in found]


def chosen() -> Edition:
    """The edition the request names (the newest when it names none); 404 for an unknown id."""
    editions = Services.current().knowledge.editions
    edition_id = request.values.get("edition") or choices()[0][0]
    if edition_id not in editions:
        abort(404)
    return editions[edition_id]


def course_name(edition: Edition, course_id: str | None, locale: str = "ja") -> str:
    course = edition.course(course_id) if course_id else None
    return course.name.in_locale(locale) if course else ""
