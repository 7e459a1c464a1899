"""CSV files for clerks to open in Excel, with no cell Excel would run as a formula.

A roster comes from an application form anyone can fill in, so a "name" such as
``=cmd|' /C calc'!A0`` or ``=HYPERLINK(...)`` would be a live formula in the
clerk's spreadsheet. As OWASP's "CSV Injection" page recommends, a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
quote in front: Excel then shows the text as typed (the quote is not displayed).
The file is UTF-8 with a BOM and CRLF line ends, so Excel on Japanese Windows
opens it without garbling and names outside Shift_JIS (髙, 﨑...) survive.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """The cell as text Excel will not evaluate."""
    return "'" + cell if cell.startswith(FORMULA_LEADS) else cell


def excel_csv(rows: Iterable[Sequence[str]]) -> str:
    """The rows as CSV text for Excel (BOM included); every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()
