"""The import report as the secretariat reads it (CLI now, web console later)."""

from __future__ import annotations

from bot.i18n import Gettext
from bot.roster.importer import ImportReport, ProblemKind, RowProblem, column_limit


def problem_text(problem: RowProblem, _: Gettext) -> str:
    """One problem as a sentence starting with its line number."""
    texts = {
        ProblemKind.MISSING_APPLICATION_NO: _("application number is missing"),
        ProblemKind.MISSING_NAME: _("name is missing"),
        ProblemKind.MISSING_EMAIL: _("e-mail address is missing"),
        ProblemKind.INVALID_EMAIL: _("e-mail address \"{value}\" is not valid"),
        ProblemKind.MISSING_COURSE: _("course is missing"),
        ProblemKind.UNKNOWN_COURSE: _("unknown course \"{value}\""),
        ProblemKind.DUPLICATE_APPLICATION_NO: _("application number {value} also appears on line {lines}"),
        ProblemKind.TOO_LONG: _("{field} is longer than {limit} characters"),
        ProblemKind.BROKEN_QUOTING: _("quotes (\") do not pair up, so the line cannot be read"),
        ProblemKind.NUL_CHARACTER: _("contains a NUL character (the file may be damaged)"),
    }
    fields = {
        "application_no": _("application number"),
        "name": _("name"),
        "email": _("e-mail address"),
        "organisation": _("organisation"),
    }
    detail = texts[problem.kind].format(
        value=problem.value,
        lines=", ".join(str(line) for line in problem.other_lines),
        field=fields.get(problem.value, problem.value),
        limit=column_limit(problem.value) if problem.kind is ProblemKind.TOO_LONG else "",
    )
    return _("line {line}: {detail}").format(line=problem.line, detail=detail)


def report_lines(report: ImportReport, _: Gettext, dry_run: bool = False) -> list[str]:
    """The whole report: problems by line, then the counts."""
    lines = [problem_text(problem, _) for problem in report.problems]
    if report.unlinked:
        lines.append(_("applicant changed, LINE link removed and a new code issued: {numbers}").format(
            numbers=", ".join(report.unlinked)))
    if report.ignored_columns:
        lines.append(_("ignored columns: {columns}").format(columns=", ".join(report.ignored_columns)))
    summary = _("{rows} rows read: {added} added, {updated} updated, {unchanged} unchanged, {rejected} not imported")
    lines.append(summary.format(
        rows=report.rows_read, added=len(report.added), updated=len(report.updated),
        unchanged=len(report.unchanged), rejected=len(report.rejected_lines),
    ))
    if dry_run:
        lines.append(_("(dry run: nothing was saved)"))
    return lines
