"""The workbook port: what actions need from a workbook, whoever holds it.

Two implementations: ``FileBook`` (openpyxl on a file: CLI, tests, headless) and
``LiveBook`` (xlwings on the workbook open in Excel). Actions read everything
they need first, compute, then write: reads and writes are whole blocks, never
cell by cell, so the live book makes a number of Excel calls that does not grow
with the register.

Values crossing the port are plain Python: ``str``, ``int``, ``float``,
``Decimal``, ``bool``, ``date``/``datetime`` and ``None``. A ``str`` is always
written as text, even when it starts with ``=``, ``+``, ``-`` or ``@``: data
never becomes a formula. A ``Link`` is a text that opens a file or a web page when
clicked: ``FileBook`` writes a real hyperlink (``addin.books.hyperlinks``: a file beside
the workbook is linked by a path relative to it), ``LiveBook`` asks Excel for one
(``Range.add_hyperlink``). Reading a linked cell gives its text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, Sequence


def naive(value: datetime) -> datetime:
    """A date and time as a cell holds it: no time zone (Relance never uses one)."""
    if value.tzinfo is not None:
        raise ValueError(f"date avec fuseau horaire refusée : {value!r} (Relance n'utilise pas de fuseau)")
    return value


@dataclass(frozen=True)
class Link:
    """A cell's ``text`` that opens ``target`` when clicked: an absolute path of a local file
    (a formal notice's PDF kept beside the workbook) or a URL (``https:``, ``mailto:``)."""

    text: str
    target: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SheetData:
    """A sheet's used range as read, row 1 first.

    ``rows[i][j]`` is the value of row ``i + 1``, column ``j + 1`` (for a formula,
    its cached value). ``formulas`` holds the 1-based (row, column) of cells that
    contain a formula; ``merged`` the merged ranges as (min_row, min_col, max_row,
    max_col).
    """

    name: str
    rows: tuple[tuple[object, ...], ...]
    formulas: frozenset[tuple[int, int]] = frozenset()
    merged: tuple[tuple[int, int, int, int], ...] = ()


# Column formats a generated sheet can ask for.
FORMATS = ("text", "date", "money", "percent", "int", "number")

# Each format as a number format, in Excel's invariant (English) syntax, which both
# openpyxl and Excel's NumberFormat property take.
NUMBER_FORMATS = {
    "date": "dd/mm/yyyy",
    "money": '#,##0.00 "€"',
    "percent": "0.00 %",
    "int": "0",
    "text": "@",
    "number": "#,##0.00",
}


@dataclass(frozen=True)
class ChartSpec:
    """A native bar chart over a block of a generated sheet (1-based, inclusive)."""

    title: str
    categories: tuple[int, int, int, int]  # min_row, min_col, max_row, max_col
    values: tuple[int, int, int, int]  # with the series titles in the first row
    anchor: str = "H2"
    y_title: str = ""


@dataclass(frozen=True)
class GeneratedSheet:
    """A sheet Relance owns entirely (Relances, Anomalies, Revue, Taux...).

    It is rewritten as a whole: ``blocks`` are tables stacked top to bottom,
    each with a title (may be empty), headers and rows.
    """

    name: str
    blocks: tuple["Block", ...]
    hidden: bool = False
    charts: tuple[ChartSpec, ...] = ()
    note: str = ""  # shown in A1's comment: what the sheet is, that it is regenerated
    # The first block as an Excel Table of this name (a sheet a person then adds rows to: the
    # Journal Relance creates); its header notes (``Block.notes``) then hold ``note`` too.
    table: str = ""


@dataclass(frozen=True)
class Block:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    formats: tuple[str, ...] = ()  # one of FORMATS per column; empty: guessed from values
    widths: tuple[float, ...] = ()
    # Drop-downs that suggest without refusing: (1-based column, values) over the block's rows
    # and some rows below (a person types there).
    choices: tuple[tuple[int, tuple[str, ...]], ...] = ()
    notes: tuple[str, ...] = ()  # a note on each header (the column's help), "" for none


class Book(Protocol):
    """What every workbook holder offers."""

    def sheet_names(self) -> list[str]: ...

    def read_sheet(self, name: str) -> SheetData: ...

    def write_cells(
        self, sheet: str, first_row: int, first_col: int, block: Sequence[Sequence[object]],
        formats: Sequence[str] = (),
    ) -> None:
        """Write a rectangular block in one go (``formats``: one of FORMATS per column)."""

    def write_generated(self, sheet: GeneratedSheet) -> None:
        """Create or wholly replace a generated sheet."""

    def append_rows(self, sheet: str, rows: Sequence[Sequence[object]], after: int | None = None) -> int:
        """Append below the last used row (``after``, when the caller read the sheet already:
        then the book is not read again); returns the first row written."""

    def save(self) -> None:
        """Make the writes durable.

        ``FileBook``: refuses (``BookError``) a locked, read-only or lossy save, else
        replaces the file atomically and keeps a backup. ``LiveBook``: nothing is written
        to disk (the user saves in Excel); only the status bar is given back.
        """

    def progress(self, fraction: float, message: str) -> None:
        """Tell the user how far we are (Excel's status bar, a progress bar)."""


@dataclass
class BookError(Exception):
    """A workbook that cannot be read or written safely, with what to do about it."""

    message: str
    fix: str = ""
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message + (f" — {self.fix}" if self.fix else "")
