"""Books for the register tests: an in-memory fake, and real .xlsx files read through openpyxl.

``FakeBook`` implements the read side of the ``Book`` port from lists of rows.
``xlsx_book(path)`` reads a real file: ``FileBook`` when ``addin/books/file.py``
exists, else ``OpenpyxlBook``, a small adapter (values with ``data_only=True``,
formula positions from a second load, merged ranges, the 1904 flag).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import openpyxl

from addin.books.base import SheetData


class FakeBook:
    def __init__(self, sheets: dict[str, Sequence[Sequence[object]]], *, formulas: dict[str, set] | None = None,
                 merged: dict[str, tuple] | None = None, epoch_1904: bool = False):
        self.sheets = {name: tuple(tuple(r) for r in rows) for name, rows in sheets.items()}
        self.formulas = formulas or {}
        self.merged = merged or {}
        self.epoch_1904 = epoch_1904

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def read_sheet(self, name: str) -> SheetData:
        return SheetData(name, self.sheets[name], frozenset(self.formulas.get(name, ())), tuple(self.merged.get(name, ())))


class OpenpyxlBook:
    """Read-only Book over an .xlsx file (until addin.books.file.FileBook lands)."""

    def __init__(self, path: Path):
        self.values = openpyxl.load_workbook(path, data_only=True)
        self.formulas_wb = openpyxl.load_workbook(path, data_only=False)
        self.epoch_1904 = self.values.epoch == openpyxl.utils.datetime.CALENDAR_MAC_1904

    def sheet_names(self) -> list[str]:
        return list(self.values.sheetnames)

    def read_sheet(self, name: str) -> SheetData:
        ws = self.values[name]
        rows = tuple(tuple(c.value for c in row) for row in ws.iter_rows())
        formulas = frozenset(
            (c.row, c.column) for row in self.formulas_wb[name].iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=") or c.data_type == "f"
        )
        merged = tuple((m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges)
        return SheetData(name, rows, formulas, merged)


def xlsx_book(path: Path):
    try:
        from addin.books.file import FileBook
    except ImportError:
        return OpenpyxlBook(path)
    return FileBook.open(path)
