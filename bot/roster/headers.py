"""Which column is which: the header names the secretariat's files use.

Headers are compared after folding width, case, spaces, "_", "-" and "・", so
``E-mail``, ``ｅｍａｉｌ`` and ``E_MAIL`` are one name. Columns not listed here
are ignored (and named in the report).

=============== ======== ==========================================================
Field           Required Accepted header names
=============== ======== ==========================================================
application_no  yes      申込番号, 受付番号, 申込ID, 受付ID, 申込No, 受付No,
                         application_no, application number, application id
name            yes      氏名, 名前, お名前, 受講者氏名, 申込者氏名, name, full name
email           yes      メールアドレス, メール, Eメール, 電子メール, email, e-mail,
                         mail, email address
course          yes      コース, 受講コース, 研修コース, 申込コース, course, course_id
                         (the cell: a course id, name or alias of the edition)
organisation    no       所属, 所属機関, 所属先, 勤務先, 施設名, 事業所名, 法人名,
                         organisation, organization, affiliation
=============== ======== ==========================================================
"""

from __future__ import annotations

from bot.textfold import fold_header

FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "application_no": ("申込番号", "受付番号", "申込ID", "受付ID", "申込No", "受付No",
                       "application_no", "application number", "application id"),
    "name": ("氏名", "名前", "お名前", "受講者氏名", "申込者氏名", "name", "full name"),
    "email": ("メールアドレス", "メール", "Eメール", "電子メール", "email", "e-mail", "mail", "email address"),
    "course": ("コース", "受講コース", "研修コース", "申込コース", "course", "course_id"),
    "organisation": ("所属", "所属機関", "所属先", "勤務先", "施設名", "事業所名", "法人名",
                     "organisation", "organization", "affiliation"),
}
REQUIRED_FIELDS = ("application_no", "name", "email", "course")

_BY_HEADER = {fold_header(header): field for field, headers in FIELD_HEADERS.items() for header in headers}


def map_headers(header_cells: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field -> column index, and the headers that name no field (ignored).

    When two columns name the same field the first wins and the second is ignored.
    """
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header_cells):
        field = _BY_HEADER.get(fold_header(cell))
        if field is None or field in columns:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        columns[field] = index
    return columns, ignored
