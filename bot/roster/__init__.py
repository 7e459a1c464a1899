"""The secretariat's roster: importing applicant lists and exporting link codes.

Plain functions over a session, so the CLI (``kenshu roster``) and the web
console share them. The header mapping table is in ``bot.roster.headers``.
"""

from bot.roster.codes import codes_csv
from bot.roster.decoding import RosterFileError
from bot.roster.importer import ImportReport, MissingColumnsError, ProblemKind, RowProblem, import_roster, validate

__all__ = [
    "ImportReport", "MissingColumnsError", "ProblemKind", "RosterFileError", "RowProblem", "codes_csv",
    "import_roster", "validate",
]
