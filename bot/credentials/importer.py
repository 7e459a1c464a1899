"""``kenshu credentials import``: personal joining details from the secretariat's CSV.

The file is read like the roster (any encoding Excel produces, any delimiter,
headers matched after folding), and checked row by row: a row naming an
unknown application number or carrying no details is reported with its line
and not imported, the others are. Importing the same file twice changes nothing.

=============== ======== =====================================================
Field           Required Accepted header names
=============== ======== =====================================================
application_no  yes      the roster's names (申込番号, 受付番号, application_no...)
url             *        URL, 受講URL, 視聴URL, 参加URL, ミーティングURL
login_id        *        ID, ログインID, ユーザーID, 受講ID, ミーティングID
password        *        パスワード, パスコード, PW, password, passcode
target          no       対象, 配信, セッション, target (default: everything)
tool            no       ツール, 使用ツール, tool
=============== ======== =====================================================
(*) at least one of url, login_id, password per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.credentials.secrets import Cipher, JoinDetails
from bot.credentials.store import ANY_TARGET, known_targets, set_personal
from bot.db.tables import Enrolment, PersonalCredential
from bot.i18n import Gettext
from bot.knowledge import Edition
from bot.roster.decoding import read_rows
from bot.roster.headers import FIELD_HEADERS
from bot.roster.importer import MissingColumnsError
from bot.textfold import clean_cell, fold_header

HEADERS: dict[str, tuple[str, ...]] = {
    "application_no": FIELD_HEADERS["application_no"],
    "url": ("URL", "受講URL", "視聴URL", "参加URL", "ミーティングURL", "meeting url", "join url"),
    "login_id": ("ID", "ログインID", "ユーザーID", "受講ID", "ミーティングID", "login id", "user id", "meeting id"),
    "password": ("パスワード", "パスコード", "PW", "password", "passcode"),
    "target": ("対象", "配信", "セッション", "target"),
    "tool": ("ツール", "使用ツール", "tool"),
}
_BY_HEADER = {fold_header(header): name for name, headers in HEADERS.items() for header in headers}


class ProblemKind(StrEnum):
    MISSING_APPLICATION_NO = "missing_application_no"
    UNKNOWN_APPLICATION_NO = "unknown_application_no"
    NO_DETAILS = "no_details"
    UNKNOWN_TARGET = "unknown_target"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Problem:
    line: int
    kind: ProblemKind
    value: str = ""  # the application number or target the problem is about
    other_line: int | None = None  # where a duplicate first appeared


def _problem_text(problem: Problem, _: Gettext) -> str:
    texts = {
        ProblemKind.MISSING_APPLICATION_NO: _("application number is missing"),
        ProblemKind.UNKNOWN_APPLICATION_NO: _("no application {value} in the roster of this edition "
                                              "(import the roster first)"),
        ProblemKind.NO_DETAILS: _("no URL, ID or password"),
        ProblemKind.UNKNOWN_TARGET: _("unknown target {value} (use on-demand, a live stream, session or course id, "
                                      "or leave empty)"),
        ProblemKind.DUPLICATE: _("application {value} also appears on line {other_line}"),
    }
    return texts[problem.kind].format(value=problem.value, other_line=problem.other_line)


@dataclass
class CredentialsReport:
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def lines(self, _: Gettext, dry_run: bool) -> list[str]:
        """The report as the secretariat reads it: problems by line, then the counts."""
        out = [_("line {line}: {detail}").format(line=problem.line, detail=_problem_text(problem, _))
               for problem in self.problems]
        if self.ignored_columns:
            out.append(_("ignored columns: {columns}").format(columns=", ".join(self.ignored_columns)))
        out.append(_("{rows} rows read: {added} added, {updated} updated, {unchanged} unchanged, "
                     "{rejected} not imported").format(
            rows=self.rows_read, added=self.added, updated=self.updated, unchanged=self.unchanged,
            rejected=len({p.line for p in self.problems})))
        if dry_run:
            out.append(_("(dry run: nothing was saved)"))
        return out


def import_credentials(session: Session, cipher: Cipher, edition: Edition, data: bytes,
                       dry_run: bool = False) -> CredentialsReport:
    """Import every valid row; raise RosterFileError when the file cannot be read as a table.

    ``MissingColumnsError`` names the application number, or the three details
    columns when none of them is there.
    """
    rows = read_rows(data)
    header = next(rows, None)
    columns: dict[str, int] = {}
    report = CredentialsReport()
    for index, cell in enumerate(header.cells if header else []):
        name = _BY_HEADER.get(fold_header(cell))
        if name is None or name in columns:
            if cell.strip():
                report.ignored_columns.append(cell.strip())
            continue
        columns[name] = index
    missing = [] if "application_no" in columns else ["application_no"]
    if not {"url", "login_id", "password"} & columns.keys():
        missing += ["url", "login_id", "password"]
    if missing:
        raise MissingColumnsError(missing)
    enrolments = {e.application_no: e for e in session.scalars(select(Enrolment).filter_by(edition_id=edition.id))}
    targets = known_targets(edition)
    seen: dict[tuple[str, str], int] = {}
    for raw in rows:
        report.rows_read += 1

        def cell(name: str) -> str:
            index = columns.get(name)
            return raw.cells[index].strip() if index is not None and index < len(raw.cells) else ""

        number, target = clean_cell(cell("application_no")), cell("target") or ANY_TARGET
        details = JoinDetails(cell("url") or None, cell("login_id") or None, cell("password") or None)
        enrolment = enrolments.get(number)
        problem = None
        if not number:
            problem = Problem(raw.line, ProblemKind.MISSING_APPLICATION_NO)
        elif enrolment is None:
            problem = Problem(raw.line, ProblemKind.UNKNOWN_APPLICATION_NO, number)
        elif details.is_empty():
            problem = Problem(raw.line, ProblemKind.NO_DETAILS)
        elif target not in targets:
            problem = Problem(raw.line, ProblemKind.UNKNOWN_TARGET, target)
        elif (number, target) in seen:
            problem = Problem(raw.line, ProblemKind.DUPLICATE, number, seen[(number, target)])
        if problem is not None:
            report.problems.append(problem)
            continue
        assert enrolment is not None
        seen[(number, target)] = raw.line
        tool = cell("tool") or None
        existing = session.scalar(select(PersonalCredential).filter_by(enrolment_id=enrolment.id, target=target))
        if existing is not None and existing.tool == tool and cipher.decrypt(existing.secret) == details:
            report.unchanged += 1
            continue
        if existing is None:
            report.added += 1
        else:
            report.updated += 1
        if not dry_run:
            set_personal(session, cipher, enrolment.id, target, details, tool)
    return report
