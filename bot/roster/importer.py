"""Validating and importing the applicant list of one edition.

Each row is checked on its own and reported with its line number; valid rows are
imported and invalid ones are not, so one typo never blocks a whole roster.
Rows are keyed by (edition, application number): importing the same file again
changes nothing, a changed row updates its enrolment, and a row's link code is
generated once, when it first arrives, and kept (with its link) through updates.
Rows missing from a later file are left alone: a roster import never deletes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.tables import Enrolment
from bot.knowledge import Edition
from bot.roster.batches import BATCH_ROWS, Progress, batched, insert_rows
from bot.roster.decoding import ReadProblem, RosterFileError, Table
from bot.roster.headers import REQUIRED_FIELDS, map_headers
from bot.textfold import clean_cell, fold_header
from bot.trainees import linking

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class ProblemKind(StrEnum):
    MISSING_APPLICATION_NO = "missing_application_no"
    MISSING_NAME = "missing_name"
    MISSING_EMAIL = "missing_email"
    INVALID_EMAIL = "invalid_email"
    MISSING_COURSE = "missing_course"
    UNKNOWN_COURSE = "unknown_course"
    DUPLICATE_APPLICATION_NO = "duplicate_application_no"
    TOO_LONG = "too_long"
    BROKEN_QUOTING = "broken_quoting"
    NUL_CHARACTER = "nul_character"


READ_PROBLEMS = {
    ReadProblem.BROKEN_QUOTING: ProblemKind.BROKEN_QUOTING,
    ReadProblem.NUL_CHARACTER: ProblemKind.NUL_CHARACTER,
}


@dataclass(frozen=True)
class RowProblem:
    line: int
    kind: ProblemKind
    value: str = ""
    other_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class RosterRow:
    line: int
    application_no: str
    name: str
    email: str
    course_id: str
    organisation: str | None


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), for the CLI and the console."""

    rows_read: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Linked applications whose applicant changed (name or e-mail): unlinked, new code.
    unlinked: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({problem.line for problem in self.problems})


class MissingColumnsError(RosterFileError):
    """Required columns are absent: no row can be read, so nothing is imported."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("missing columns: " + ", ".join(fields))
        self.fields = fields


def course_index(edition: Edition) -> dict[str, str]:
    """Folded course id, name (ja/en) or alias -> course id; a name two courses share is left out."""
    owners: dict[str, set[str]] = defaultdict(set)
    for course in edition.all_courses():
        for key in (course.id, course.name.ja, course.name.en or "", *course.aliases):
            if key:
                owners[fold_header(key)].add(course.id)
    return {key: next(iter(ids)) for key, ids in owners.items() if len(ids) == 1}


@cache
def column_limit(field: str) -> int:
    """The longest value the database keeps for a roster field (PostgreSQL refuses longer)."""
    return Enrolment.__table__.c[field].type.length


def _check_row(line: int, cells: list[str], columns: dict[str, int], courses: dict[str, str],
               ) -> tuple[RosterRow | None, list[RowProblem]]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    application_no, name, email = clean_cell(cell("application_no")), cell("name"), clean_cell(cell("email"))
    course_text, organisation = cell("course"), cell("organisation")
    problems: list[RowProblem] = []
    if not application_no:
        problems.append(RowProblem(line, ProblemKind.MISSING_APPLICATION_NO))
    if not name:
        problems.append(RowProblem(line, ProblemKind.MISSING_NAME))
    if not email:
        problems.append(RowProblem(line, ProblemKind.MISSING_EMAIL))
    elif not _EMAIL.match(email):
        problems.append(RowProblem(line, ProblemKind.INVALID_EMAIL, email))
    for field, value in (("application_no", application_no), ("name", name), ("email", email),
                         ("organisation", organisation)):
        if len(value) > column_limit(field):
            problems.append(RowProblem(line, ProblemKind.TOO_LONG, field))
    course_id = courses.get(fold_header(course_text)) if course_text else None
    if not course_text:
        problems.append(RowProblem(line, ProblemKind.MISSING_COURSE))
    elif course_id is None:
        problems.append(RowProblem(line, ProblemKind.UNKNOWN_COURSE, course_text))
    if problems:
        return None, problems
    assert course_id is not None
    return RosterRow(line, application_no, name, email, course_id, organisation or None), []


def validate(data: bytes, edition: Edition) -> tuple[list[RosterRow], ImportReport]:
    """The valid rows of a roster file and a report of every problem, by line."""
    table = Table(data)
    if table.header is None:
        raise MissingColumnsError(list(REQUIRED_FIELDS))
    columns, ignored = map_headers(table.header.cells)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise MissingColumnsError(missing)
    report = ImportReport(ignored_columns=ignored)
    courses = course_index(edition)
    valid: list[RosterRow] = []
    free_text = {index for index in range(len(table.header.cells)) if index not in columns.values()}
    for raw in table.rows(multiline_columns=free_text):
        report.rows_read += 1
        if raw.problem is not None:
            report.problems.append(RowProblem(raw.line, READ_PROBLEMS[raw.problem]))
            continue
        row, problems = _check_row(raw.line, raw.cells, columns, courses)
        report.problems.extend(problems)
        if row is not None:
            valid.append(row)
    lines_by_number: dict[str, list[int]] = defaultdict(list)
    for row in valid:
        lines_by_number[row.application_no].append(row.line)
    duplicated = {number: lines for number, lines in lines_by_number.items() if len(lines) > 1}
    for number, lines in duplicated.items():
        for line in lines:
            others = tuple(other for other in lines if other != line)
            report.problems.append(RowProblem(line, ProblemKind.DUPLICATE_APPLICATION_NO, number, others))
    report.problems.sort(key=lambda problem: problem.line)
    return [row for row in valid if row.application_no not in duplicated], report


def _differs(enrolment: _Stored, row: RosterRow) -> bool:
    return (enrolment.name, enrolment.email, enrolment.course_id, enrolment.organisation) != (
        row.name, row.email, row.course_id, row.organisation)


@dataclass(frozen=True)
class _Stored:
    """The columns of a stored enrolment an import compares (not an ORM object: 100k of those are slow)."""

    id: int
    name: str
    email: str
    course_id: str | None
    organisation: str | None
    user_id: int | None


def _fresh_codes(session: Session, count: int) -> list[str]:
    """``count`` distinct codes no enrolment has.

    The codes in use are read in one query rather than asked about one by one
    (``linking.unique_code``): a 100,000-row roster would otherwise spend most of its
    time on collisions that practically never happen.
    """
    if not count:
        return []
    taken = set(session.scalars(select(Enrolment.link_code).where(Enrolment.link_code.is_not(None))))
    codes: list[str] = []  # in the order drawn: sorting would tie a code's shape to its row
    while len(codes) < count:
        for code in linking.new_codes(count - len(codes)):
            if code not in taken:
                taken.add(code)
                codes.append(code)
    return codes


def import_roster(session: Session, edition: Edition, data: bytes, now: datetime, *,
                  valid_days: int = linking.LINK_CODE_VALID_DAYS, dry_run: bool = False,
                  progress: Progress | None = None) -> ImportReport:
    """Validate the file and import its valid rows (or, with ``dry_run``, only report).

    Writes go in batches (one INSERT or UPDATE statement per batch of rows) so a
    100,000-row roster takes seconds, not minutes; ``progress`` hears after each batch.
    """
    rows, report = validate(data, edition)
    stored = {
        number: _Stored(id_, name, email, course_id, organisation, user_id)
        for id_, number, name, email, course_id, organisation, user_id in session.execute(
            select(Enrolment.id, Enrolment.application_no, Enrolment.name, Enrolment.email, Enrolment.course_id,
                   Enrolment.organisation, Enrolment.user_id).where(Enrolment.edition_id == edition.id))
    }
    new: list[RosterRow] = []
    changed: list[tuple[_Stored, RosterRow]] = []
    for row in rows:
        enrolment = stored.get(row.application_no)
        if enrolment is None:
            report.added.append(row.application_no)
            new.append(row)
        elif _differs(enrolment, row):
            report.updated.append(row.application_no)
            changed.append((enrolment, row))
            # Another person under the same number (a substitute trainee) must not get
            # the first person's joining details through the old LINE link.
            if enrolment.user_id is not None and (enrolment.name, enrolment.email) != (row.name, row.email):
                report.unlinked.append(row.application_no)
        else:
            report.unchanged.append(row.application_no)
    if dry_run:
        return report
    unlinked = set(report.unlinked)
    for enrolment, row in changed:
        if row.application_no in unlinked:
            linking.reissue(session, session.get_one(Enrolment, enrolment.id), now, valid_days)
    session.flush()
    total, done = len(new) + len(changed), 0
    codes = _fresh_codes(session, len(new))
    expires = now + timedelta(days=valid_days)
    for batch in batched(list(zip(new, codes, strict=True)), BATCH_ROWS):
        insert_rows(session, Enrolment.__table__, [
            {"edition_id": edition.id, "application_no": row.application_no, "name": row.name, "email": row.email,
             "course_id": row.course_id, "organisation": row.organisation, "link_code": code,
             "link_code_expires_at": expires, "imported_at": now}
            for row, code in batch
        ])
        done += len(batch)
        if progress:
            progress(done, total)
    for changes in batched(changed, BATCH_ROWS):
        session.execute(update(Enrolment), [
            {"id": enrolment.id, "name": row.name, "email": row.email, "course_id": row.course_id,
             "organisation": row.organisation, "imported_at": now}
            for enrolment, row in changes
        ])
        done += len(changes)
        if progress:
            progress(done, total)
    return report
