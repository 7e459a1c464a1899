"""Checks that span several fields or files, which field validators cannot see.

Each problem carries the path of the offending field so the loader can point
at the YAML line, just like a field validation error.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.knowledge.models import Edition
from bot.knowledge.yaml_source import Loc

Problem = tuple[Loc, str]


def _course_refs(edition: Edition) -> Iterable[tuple[Loc, str]]:
    for group in ("on_demand", "live_streams", "sessions", "milestones", "session_tasks"):
        for index, item in enumerate(getattr(edition, group)):
            for ref_index, ref in enumerate(item.course_ids):
                yield (group, index, "course_ids", ref_index), ref
    if edition.capacity is not None:
        for index, share in enumerate(edition.capacity.per_course):
            yield ("capacity", "per_course", index, "course_id"), share.course_id
    if edition.certificate is not None:
        for index, cond in enumerate(edition.certificate.per_course):
            for ref_index, ref in enumerate(cond.course_ids):
                yield ("certificate", "per_course", index, "course_ids", ref_index), ref


def _course_locs(edition: Edition) -> Iterable[tuple[Loc, str]]:
    def walk(courses: list, loc: Loc) -> Iterable[tuple[Loc, str]]:
        for index, course in enumerate(courses):
            here = (*loc, index)
            yield (*here, "id"), course.id
            yield from walk(course.subcourses, (*here, "subcourses"))

    yield from walk(edition.courses, ("courses",))


def edition_problems(edition: Edition) -> list[Problem]:
    """References inside one edition that do not resolve, and badly chosen ids."""
    problems: list[Problem] = []
    known_courses = {c.id for c in edition.all_courses()}
    for loc, ref in _course_refs(edition):
        if ref not in known_courses:
            problems.append((loc, f"unknown course id {ref!r}"))
    venue_ids = {v.id for v in edition.venues}
    for index, session in enumerate(edition.sessions):
        if session.venue_id is not None and session.venue_id not in venue_ids:
            problems.append((("sessions", index, "venue_id"), f"unknown venue id {session.venue_id!r}"))
    subject_ids = {s.id for s in edition.curriculum}
    for index, session in enumerate(edition.sessions):
        for subject_index, subject in enumerate(session.subjects):
            if subject not in subject_ids:
                problems.append((("sessions", index, "subjects", subject_index), f"unknown subject id {subject!r}"))
    for group in ("venues", "contacts", "live_streams", "sessions", "curriculum"):
        seen: set[str] = set()
        for index, item in enumerate(getattr(edition, group)):
            if item.id in seen:
                problems.append(((group, index, "id"), f"duplicate id {item.id!r}"))
            seen.add(item.id)
    for loc, course_id in _course_locs(edition):
        if not course_id.startswith(edition.id + "-"):
            problems.append((loc, f"course id {course_id!r} must start with the edition id {edition.id + '-'!r}"))
    return problems


def duplicate_course_ids(editions: Iterable[tuple[str, Edition]]) -> list[tuple[str, Loc, str]]:
    """Course ids used twice anywhere, as (file, loc, message); ids must be unique across editions."""
    first_seen: dict[str, str] = {}
    problems: list[tuple[str, Loc, str]] = []
    for file, edition in editions:
        for loc, course_id in _course_locs(edition):
            if course_id in first_seen:
                problems.append((file, loc, f"duplicate course id {course_id!r} (first used in {first_seen[course_id]})"))
            else:
                first_seen[course_id] = file
    return problems
