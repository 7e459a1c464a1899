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

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.tables import Enrolment
from bot.knowledge import Edition
from bot.roster.decoding import RosterFileError, read_rows
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
    rows = read_rows(data)
    header = next(rows, None)
    if header is None:
        raise MissingColumnsError(list(REQUIRED_FIELDS))
    columns, ignored = map_headers(header.cells)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise MissingColumnsError(missing)
    report = ImportReport(ignored_columns=ignored)
    courses = course_index(edition)
    valid: list[RosterRow] = []
    for raw in rows:
        report.rows_read += 1
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


def _differs(enrolment: Enrolment, row: RosterRow) -> bool:
    return (enrolment.name, enrolment.email, enrolment.course_id, enrolment.organisation) != (
        row.name, row.email, row.course_id, row.organisation)


def import_roster(session: Session, edition: Edition, data: bytes, now: datetime, *,
                  valid_days: int = linking.LINK_CODE_VALID_DAYS, dry_run: bool = False) -> ImportReport:
    """Validate the file and import its valid rows (or, with ``dry_run``, only report)."""
    rows, report = validate(data, edition)
    existing = {
        enrolment.application_no: enrolment
        for enrolment in session.scalars(select(Enrolment).where(Enrolment.edition_id == edition.id))
    }
    for row in rows:
        enrolment = existing.get(row.application_no)
        if enrolment is None:
            report.added.append(row.application_no)
            if not dry_run:
                session.add(Enrolment(
                    edition_id=edition.id, application_no=row.application_no, name=row.name, email=row.email,
                    course_id=row.course_id, organisation=row.organisation,
                    link_code=linking.unique_code(session),
                    link_code_expires_at=now + timedelta(days=valid_days), imported_at=now,
                ))
        elif _differs(enrolment, row):
            report.updated.append(row.application_no)
            # Another person under the same number (a substitute trainee) must not get
            # the first person's joining details through the old LINE link.
            if enrolment.user_id is not None and (enrolment.name, enrolment.email) != (row.name, row.email):
                report.unlinked.append(row.application_no)
                if not dry_run:
                    linking.reissue(session, enrolment, now, valid_days)
            if not dry_run:
                enrolment.name, enrolment.email = row.name, row.email
                enrolment.course_id, enrolment.organisation = row.course_id, row.organisation
                enrolment.imported_at = now
        else:
            report.unchanged.append(row.application_no)
    return report
