"""Reading a CSV file as the secretariat has it: whatever encoding Excel chose.

Excel on Japanese Windows saves CSV as Shift_JIS (cp932); "CSV UTF-8" adds a BOM;
form services export plain UTF-8; "Unicode text" is UTF-16 with tabs. The
delimiter is sniffed, so comma, tab and semicolon files all read.

Every physical line ends up somewhere: in a record, or in a problem naming its
line. A quote left open (``"山田`` with no closing quote) makes a CSV reader
swallow the lines after it into one cell; the fields imported here never hold a
line break, so a record spanning several lines is taken as broken quoting unless
its line breaks sit in a column the import ignores (a form's free-text remarks)
and its cells line up with the header. A broken record is reported on the line
where it starts and reading resumes on the next line, so the rows after it are
read on their own.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from enum import StrEnum

SNIFF_DELIMITERS = ",\t;"
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class RosterFileError(ValueError):
    """The file cannot be read as a table at all (nothing is imported)."""


class ReadProblem(StrEnum):
    """Why a line could not be read as a record (its cells are not kept)."""

    BROKEN_QUOTING = "broken_quoting"
    NUL_CHARACTER = "nul_character"


@dataclass(frozen=True)
class RawRow:
    line: int  # the file line the record starts on (1 = the header)
    cells: list[str]
    problem: ReadProblem | None = None


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


def _delimiter(text: str) -> str:
    """The sniffed delimiter; quoting is always Excel's (the sniffer's guesses about quotes are
    unreliable: a sample without a doubled quote makes it turn doubled quotes off)."""
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=SNIFF_DELIMITERS).delimiter
    except csv.Error:
        return ","  # one column, or too little to tell: plain comma CSV


class Table:
    """A decoded CSV file: its header, then its records (see the module's docstring)."""

    def __init__(self, data: bytes) -> None:
        text = decode(data)
        self._delimiter = _delimiter(text)
        self._lines = _PHYSICAL_LINE.findall(text)
        self._has_nul = "\x00" in text  # one look at the whole text spares a clean file the per-cell check
        self._next = 0  # index of the first physical line not read yet
        header = next(self._records(frozenset(), width=0), None)
        if header is not None and header.problem is not None:
            raise RosterFileError(f"line {header.line}: {header.problem}")
        self.header = header

    def rows(self, multiline_columns: Container[int] = frozenset()) -> Iterator[RawRow]:
        """The records after the header; line breaks are allowed only in ``multiline_columns``."""
        width = len(self.header.cells) if self.header else 0
        return self._records(multiline_columns, width)

    def _records(self, multiline_columns: Container[int], width: int) -> Iterator[RawRow]:
        lines = self._lines
        while self._next < len(lines):
            start = self._next
            reader = csv.reader((lines[index] for index in range(start, len(lines))), csv.excel,
                                delimiter=self._delimiter, strict=True)
            first = start
            try:
                for cells in reader:
                    self._next = start + reader.line_num
                    if self._next - first > 1 and not self._spans_fairly(cells, multiline_columns, width):
                        self._next = first + 1  # read on from the next line: its rows stand on their own
                        yield RawRow(first + 1, [], ReadProblem.BROKEN_QUOTING)
                        break
                    if self._has_nul and any("\x00" in cell for cell in cells):
                        yield RawRow(first + 1, [], ReadProblem.NUL_CHARACTER)
                    elif any(cell.strip() for cell in cells):
                        yield RawRow(first + 1, cells)
                    first = self._next
                else:
                    return
            except csv.Error:  # a quote never closed, text after a closing quote, a runaway cell
                self._next = first + 1
                yield RawRow(first + 1, [], ReadProblem.BROKEN_QUOTING)

    def _spans_fairly(self, cells: list[str], multiline_columns: Container[int], width: int) -> bool:
        """A multi-line record is genuine when its breaks are where they may be and no row hides in them."""
        if len(cells) != width:
            return False
        delimiter = self._delimiter
        for index, cell in enumerate(cells):
            if "\n" not in cell and "\r" not in cell:
                continue
            if index not in multiline_columns:
                return False
            if width > 1 and any(part.count(delimiter) >= width - 1 for part in cell.splitlines()):
                return False  # a whole row of the file swallowed by a quote left open
        return True
