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

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.credentials.secrets import Cipher, JoinDetails
from bot.credentials.store import ANY_TARGET, known_targets, set_personal
from bot.db.tables import Enrolment, PersonalCredential
from bot.knowledge import Edition
from bot.roster.decoding import RosterFileError, read_rows
from bot.roster.headers import FIELD_HEADERS, fold
from bot.roster.importer import normalise_cell

HEADERS: dict[str, tuple[str, ...]] = {
    "application_no": FIELD_HEADERS["application_no"],
    "url": ("URL", "受講URL", "視聴URL", "参加URL", "ミーティングURL", "meeting url", "join url"),
    "login_id": ("ID", "ログインID", "ユーザーID", "受講ID", "ミーティングID", "login id", "user id", "meeting id"),
    "password": ("パスワード", "パスコード", "PW", "password", "passcode"),
    "target": ("対象", "配信", "セッション", "target"),
    "tool": ("ツール", "使用ツール", "tool"),
}
_BY_HEADER = {fold(header): name for name, headers in HEADERS.items() for header in headers}


@dataclass(frozen=True)
class Problem:
    line: int
    text: str


@dataclass
class CredentialsReport:
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def lines(self, dry_run: bool) -> list[str]:
        """The report as the secretariat reads it: problems by line, then the counts."""
        out = [f"line {problem.line}: {problem.text}" for problem in self.problems]
        if self.ignored_columns:
            out.append("ignored columns: " + ", ".join(self.ignored_columns))
        out.append(f"{self.rows_read} rows read: {self.added} added, {self.updated} updated, "
                   f"{self.unchanged} unchanged, {len({p.line for p in self.problems})} not imported")
        if dry_run:
            out.append("(dry run: nothing was saved)")
        return out


def import_credentials(session: Session, cipher: Cipher, edition: Edition, data: bytes,
                       dry_run: bool = False) -> CredentialsReport:
    """Import every valid row; raise RosterFileError when the file cannot be read as a table."""
    rows = read_rows(data)
    header = next(rows, None)
    columns: dict[str, int] = {}
    report = CredentialsReport()
    for index, cell in enumerate(header.cells if header else []):
        name = _BY_HEADER.get(fold(cell))
        if name is None or name in columns:
            if cell.strip():
                report.ignored_columns.append(cell.strip())
            continue
        columns[name] = index
    if "application_no" not in columns or not {"url", "login_id", "password"} & columns.keys():
        raise RosterFileError("missing columns: the application number and at least one of URL, ID, password")
    enrolments = {e.application_no: e for e in session.scalars(select(Enrolment).filter_by(edition_id=edition.id))}
    targets = known_targets(edition)
    seen: dict[tuple[str, str], int] = {}
    for raw in rows:
        report.rows_read += 1

        def cell(name: str) -> str:
            index = columns.get(name)
            return raw.cells[index].strip() if index is not None and index < len(raw.cells) else ""

        number, target = normalise_cell(cell("application_no")), cell("target") or ANY_TARGET
        details = JoinDetails(cell("url") or None, cell("login_id") or None, cell("password") or None)
        enrolment = enrolments.get(number)
        problem = None
        if not number:
            problem = "application number is missing"
        elif enrolment is None:
            problem = f"no application {number} in the roster of {edition.id} (import the roster first)"
        elif details.is_empty():
            problem = "no URL, ID or password"
        elif target not in targets:
            problem = f"unknown target {target!r} (use on-demand, a live stream, session or course id, or leave empty)"
        elif (number, target) in seen:
            problem = f"application {number} also appears on line {seen[(number, target)]}"
        if problem is not None:
            report.problems.append(Problem(raw.line, problem))
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
