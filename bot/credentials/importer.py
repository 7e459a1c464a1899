"""``kenshu credentials import``: personal joining details from the secretariat's CSV.

The file is read like the roster (any encoding Excel produces, any delimiter,
headers matched after folding), and checked row by row: a row naming an
unknown application number or carrying no details is reported with its line
and not imported, the others are. Importing the same file twice changes nothing.

The report never shows a cell's value: in a row whose cells slipped a column (a
missing comma, a stray quote) any cell may hold a password, so problems name the
line and what is wrong, nothing else. For the same reason a row with more or fewer
cells than the header is refused rather than guessed at.

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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import system_now
from bot.credentials.secrets import Cipher, JoinDetails
from bot.credentials.store import ANY_TARGET, known_targets
from bot.db.tables import Enrolment, PersonalCredential
from bot.i18n import Gettext
from bot.knowledge import Edition
from bot.roster.batches import BATCH_ROWS, Progress, batched, insert_rows
from bot.roster.decoding import ReadProblem, Table
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
_TOOL_LIMIT: int = PersonalCredential.__table__.c["tool"].type.length  # PostgreSQL refuses longer


class ProblemKind(StrEnum):
    BROKEN_QUOTING = "broken_quoting"
    NUL_CHARACTER = "nul_character"
    CELL_COUNT = "cell_count"
    MISSING_APPLICATION_NO = "missing_application_no"
    UNKNOWN_APPLICATION_NO = "unknown_application_no"
    NO_DETAILS = "no_details"
    UNKNOWN_TARGET = "unknown_target"
    TOOL_TOO_LONG = "tool_too_long"
    DUPLICATE = "duplicate"


_READ_PROBLEMS = {ReadProblem.BROKEN_QUOTING: ProblemKind.BROKEN_QUOTING,
                  ReadProblem.NUL_CHARACTER: ProblemKind.NUL_CHARACTER}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one line; deliberately holds no cell value (see the module docstring)."""

    line: int
    kind: ProblemKind
    other_line: int = 0  # DUPLICATE: the line that came first
    cells: int = 0  # CELL_COUNT: how many cells the line has


@dataclass
class CredentialsReport:
    columns: int = 0  # cells in the header
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def lines(self, _: Gettext, dry_run: bool) -> list[str]:
        """The report as the secretariat reads it: problems by line, then the counts."""
        out = [_("line {line}: {detail}").format(line=problem.line, detail=self._detail(problem, _))
               for problem in self.problems]
        if self.ignored_columns:
            out.append(_("ignored columns: {columns}").format(columns=", ".join(self.ignored_columns)))
        out.append(_("{rows} rows read: {added} added, {updated} updated, {unchanged} unchanged, "
                     "{rejected} not imported").format(rows=self.rows_read, added=self.added, updated=self.updated,
                                                       unchanged=self.unchanged,
                                                       rejected=len({p.line for p in self.problems})))
        if dry_run:
            out.append(_("(dry run: nothing was saved)"))
        return out

    def _detail(self, problem: Problem, _: Gettext) -> str:
        texts = {
            ProblemKind.BROKEN_QUOTING: _("quotes (\") do not pair up, so the line cannot be read"),
            ProblemKind.NUL_CHARACTER: _("contains a NUL character (the file may be damaged)"),
            ProblemKind.CELL_COUNT: _("{cells} cells where the header has {columns}"),
            ProblemKind.MISSING_APPLICATION_NO: _("application number is missing"),
            ProblemKind.UNKNOWN_APPLICATION_NO: _("application number not in the roster of this edition "
                                                  "(import the roster first)"),
            ProblemKind.NO_DETAILS: _("no URL, ID or password"),
            ProblemKind.UNKNOWN_TARGET: _("unknown target (use on-demand, a live stream, session or course id, "
                                          "or leave empty)"),
            ProblemKind.TOOL_TOO_LONG: _("tool is longer than {limit} characters"),
            ProblemKind.DUPLICATE: _("same application and target as line {other}"),
        }
        return texts[problem.kind].format(cells=problem.cells, columns=self.columns, limit=_TOOL_LIMIT,
                                          other=problem.other_line)


@dataclass(frozen=True)
class _Stored:
    id: int
    tool: str | None
    secret: str


def _width(cells: list[str]) -> int:
    """Cells up to the last non-empty one (Excel leaves empty trailing cells on some rows and not others)."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width


def _columns(table: Table, report: CredentialsReport) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(table.header.cells if table.header else []):
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
    return columns


def import_credentials(session: Session, cipher: Cipher, edition: Edition, data: bytes, dry_run: bool = False,
                       progress: Progress | None = None) -> CredentialsReport:
    """Import every valid row; raise RosterFileError when the file cannot be read as a table.

    ``MissingColumnsError`` names the application number, or the three details
    columns when none of them is there.

    Stored details are read in one query and written in batches (one statement per
    batch), so 100,000 rows take seconds; ``progress`` hears after each batch.
    """
    table = Table(data)
    report = CredentialsReport(columns=_width(table.header.cells) if table.header else 0)
    columns = _columns(table, report)
    enrolments = {number: id_ for number, id_ in session.execute(
        select(Enrolment.application_no, Enrolment.id).filter_by(edition_id=edition.id))}
    stored = {
        (enrolment_id, target): _Stored(id_, tool, secret)
        for id_, enrolment_id, target, tool, secret in session.execute(
            select(PersonalCredential.id, PersonalCredential.enrolment_id, PersonalCredential.target,
                   PersonalCredential.tool, PersonalCredential.secret)
            .join(Enrolment).where(Enrolment.edition_id == edition.id))
    }
    targets = known_targets(edition)
    seen: dict[tuple[str, str], int] = {}
    new: list[tuple[int, str, str | None, JoinDetails]] = []
    changed: list[tuple[int, str | None, JoinDetails]] = []
    for raw in table.rows():
        report.rows_read += 1
        if raw.problem is not None:
            report.problems.append(Problem(raw.line, _READ_PROBLEMS[raw.problem]))
            continue
        if len(raw.cells) < report.columns or _width(raw.cells) > report.columns:
            cells = len(raw.cells) if len(raw.cells) < report.columns else _width(raw.cells)
            report.problems.append(Problem(raw.line, ProblemKind.CELL_COUNT, cells=cells))
            continue
        cell = {name: raw.cells[index].strip() for name, index in columns.items()}
        number, tool = clean_cell(cell["application_no"]), cell.get("tool", "")
        target = cell.get("target") or ANY_TARGET
        details = JoinDetails(cell.get("url") or None, cell.get("login_id") or None, cell.get("password") or None)
        enrolment_id = enrolments.get(number)
        kind, other = None, 0
        if not number:
            kind = ProblemKind.MISSING_APPLICATION_NO
        elif enrolment_id is None:
            kind = ProblemKind.UNKNOWN_APPLICATION_NO
        elif details.is_empty():
            kind = ProblemKind.NO_DETAILS
        elif target not in targets:
            kind = ProblemKind.UNKNOWN_TARGET
        elif len(tool) > _TOOL_LIMIT:
            kind = ProblemKind.TOOL_TOO_LONG
        elif (number, target) in seen:
            kind, other = ProblemKind.DUPLICATE, seen[(number, target)]
        if kind is not None:
            report.problems.append(Problem(raw.line, kind, other_line=other))
            continue
        assert enrolment_id is not None
        seen[(number, target)] = raw.line
        existing = stored.get((enrolment_id, target))
        if existing is None:
            report.added += 1
            new.append((enrolment_id, target, tool or None, details))
        elif existing.tool == (tool or None) and _holds(cipher, existing.secret, details):
            report.unchanged += 1
        else:
            report.updated += 1
            changed.append((existing.id, tool or None, details))
    if not dry_run:
        _write(session, cipher, new, changed, progress)
    return report


def _holds(cipher: Cipher, secret: str, details: JoinDetails) -> bool:
    """Whether a stored row already holds these details; one that cannot be read does not (the import replaces it).

    Importing again is the remedy the listing gives for a row stored under another
    key: that row must not stop the import of the others.
    """
    try:
        return cipher.decrypt(secret) == details
    except ValueError:
        return False


def _write(session: Session, cipher: Cipher, new: list[tuple[int, str, str | None, JoinDetails]],
           changed: list[tuple[int, str | None, JoinDetails]], progress: Progress | None) -> None:
    now, total, done = system_now(), len(new) + len(changed), 0
    for batch in batched(new, BATCH_ROWS):
        insert_rows(session, PersonalCredential.__table__, [
            {"enrolment_id": enrolment_id, "target": target, "tool": tool, "secret": cipher.encrypt(details),
             "updated_at": now}
            for enrolment_id, target, tool, details in batch
        ])
        done += len(batch)
        if progress:
            progress(done, total)
    for changes in batched(changed, BATCH_ROWS):
        session.execute(update(PersonalCredential), [
            {"id": id_, "tool": tool, "secret": cipher.encrypt(details), "updated_at": now}
            for id_, tool, details in changes
        ])
        done += len(changes)
        if progress:
            progress(done, total)
