"""Reading a roster file as the secretariat has it: whatever encoding Excel chose.

Excel on Japanese Windows saves CSV as Shift_JIS (cp932); "CSV UTF-8" adds a BOM;
form services export plain UTF-8; "Unicode text" is UTF-16 with tabs. The
delimiter is sniffed, so comma, tab and semicolon files all read.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

SNIFF_DELIMITERS = ",\t;"


class RosterFileError(ValueError):
    """The file cannot be read as a table at all (nothing is imported)."""


@dataclass(frozen=True)
class RawRow:
    line: int  # the file line the record starts on (1 = the header)
    cells: list[str]


def decode(data: bytes) -> str:
    """The file's text: UTF-16 by BOM, else UTF-8 (with or without BOM), else cp932."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("not UTF-8 or Shift_JIS (cp932) text")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFF_DELIMITERS)
    except csv.Error:
        return csv.excel  # one column, or too little to tell: plain comma CSV


def read_rows(data: bytes) -> Iterator[RawRow]:
    """Every non-blank record with the line it starts on; the header comes first."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield RawRow(start, cells)
            start = reader.line_num + 1
    except csv.Error as error:
        raise RosterFileError(f"line {reader.line_num}: {error}") from None
