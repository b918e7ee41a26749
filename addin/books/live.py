"""``LiveBook``: the workbook port over the workbook open in Excel, through xlwings.

Every Excel call crosses a process boundary (COM on Windows, AppleScript on a
Mac) and costs about a millisecond or more, so the number of calls must not
grow with the register:

- ``read_sheet``: the used range's values in one call (``options(ndim=2)``)
  and its formulas in one more, plus its position (two calls);
- ``write_cells``: one ``number_format`` assignment per run of adjacent columns
  sharing a format, then one ``value`` assignment for the whole block (formats
  first: Excel parses a text it is given as if typed, so "2026-10" in a General
  cell becomes a date; in a cell already formatted "@" it stays text);
- ``write_generated``: a number of calls that depends on the blocks, columns
  and charts, never on the rows;
- progress goes to Excel's status bar (one call);
- a ``Link`` is its text in the block, then one ``Range.add_hyperlink`` per link (Excel's
  ``Hyperlinks.Add``: Excel stores a file beside the workbook relative to it when saving).
- a block's drop-downs (``Block.choices``): ``Range.data_validation`` (delete, ``set_list``,
  then its error alert off, so that any other value is taken: « suggestions only », as in
  ``FileBook``), four calls per column; a long-text column (40 wide or more) wraps, one call,
  and the block's rows fit their text, one call (``FileBook`` sets each row's height).

The action reads everything it needs before writing anything (that is the
action's job, not the book's): a refresh costs a few dozen calls whatever the
size. ``save`` does not save: the user saves in Excel, and the file on disk is
never touched while Excel holds it; it only clears the status bar. A reader that
needs a file (the accountant's export) asks ``saved_copy()`` for one holding what
Excel holds now, not what was last saved.

What Excel itself differs on, compared with ``FileBook``: numbers come back as
floats (integral ones are returned as ``int`` here), dates as datetimes (made
``date`` when at midnight), merged ranges are not reported (one call per cell
would be needed). A text is kept a text (never a formula, a number, a date or a
boolean) by the column's text format "@" when it has one, else by Excel's text
marker, a leading apostrophe.

Only what desktop xlwings (Windows and macOS, BSD-licensed) implements is used:
``tests/books/test_fake_xlwings.py`` checks the fake this module is tested
against, name by name, against the installed xlwings. Freezing panes is not in
desktop xlwings (only in its paid remote engine): it goes through Excel's own
window object (``app.api``), and as a cosmetic it never stops an action.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Sequence

from addin.books.base import FORMATS, NUMBER_FORMATS, Block, BookError, GeneratedSheet, Link, SheetData, naive

_HEADER_COLOR = (221, 235, 247)


def excel_value(value: object, text_cell: bool = False) -> object:
    """A port value as it is handed to Excel through xlwings.

    Excel parses a text written through ``Range.value`` as if typed: "=1+1" becomes
    a formula, "2026-10" a date, "0612" the number 612, "VRAI" a boolean. In a cell
    formatted "@" (``text_cell``) it keeps the text as is; elsewhere a leading
    apostrophe, which Excel reads as "this is text" and does not keep, protects it.
    """
    if isinstance(value, Link):
        value = value.text  # the link itself is added after the block (``LiveBook.write_cells``)
    if isinstance(value, str):
        return value if text_cell or not value else "'" + value
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return naive(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"valeur impossible à écrire dans une cellule : {value!r}")


_SYNC_FIX = (
    "Indiquez à xlwings le dossier synchronisé sur ce PC : ligne ONEDRIVE_CONSUMER_WIN, "
    "ONEDRIVE_COMMERCIAL_WIN ou SHAREPOINT_WIN (_MAC sur un Mac) de son fichier de réglages xlwings.conf "
    "(%USERPROFILE%\\.xlwings\\xlwings.conf sous Windows, "
    "~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf sur un Mac), "
    "puis recommencez ; voir macros/README.md, « OneDrive et SharePoint »."
)


def local_path(book) -> Path:
    """The workbook's file on this computer, the same one the command line would be given.

    Excel names a workbook synced by OneDrive or SharePoint by its URL; desktop xlwings'
    ``Book.fullname`` maps that URL to the synced local file, or raises: ``XlwingsError``
    when it cannot find the OneDrive folder or file, ``UnboundLocalError`` for a SharePoint
    library it cannot place (xlwings 0.37, ``utils.fullname_url_to_local_path``). A URL
    coming back unmapped is refused too: the journal must live next to the local copy, where
    ``relance send`` on that copy finds it.

    Raises:
        BookError: the local copy of a synced workbook cannot be found (French message).
    """
    try:
        name = book.fullname
    except Exception as error:  # noqa: BLE001 — xlwings' own failures of the URL mapping
        raise BookError("Ce classeur est synchronisé par OneDrive ou SharePoint et Relance ne trouve pas "
                        f"sa copie sur ce PC ({type(error).__name__} : {error}).", _SYNC_FIX) from error
    if "://" in name:
        raise BookError(f"Ce classeur est ouvert depuis une adresse Internet ({name}), pas depuis un "
                        "dossier de ce PC.", _SYNC_FIX)
    return Path(name)


def _plain(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time() and value.tzinfo is None:
        return value.date()
    return value


def _grid(formulas: object) -> Sequence[Sequence[object]]:
    """``Range.formula`` as rows of cells, whatever the platform gave.

    One cell gives a text on both platforms; several give rows of cells, except that on
    macOS (AppleScript) a range of one row comes back as one flat list of texts: iterated
    as rows, a header-only sheet would be read character by character.
    """
    if formulas is None:
        return ()
    if isinstance(formulas, str):
        return ((formulas,),)
    rows = list(formulas)
    if rows and all(isinstance(cell, str) for cell in rows):
        return (tuple(rows),)
    return rows


def _column_runs(formats: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first index, last index, format) for each run of adjacent columns with one format."""
    runs: list[tuple[int, int, str]] = []
    for j, fmt in enumerate(formats):
        if fmt and fmt not in FORMATS:
            raise ValueError(f"format de colonne inconnu : {fmt!r} (attendu : {', '.join(FORMATS)})")
        if not fmt:
            continue
        if runs and runs[-1][2] == fmt and runs[-1][1] == j - 1:
            runs[-1] = (runs[-1][0], j, fmt)
        else:
            runs.append((j, j, fmt))
    return runs


class LiveBook:
    """A workbook open in Excel, through an ``xlwings.Book``."""

    def __init__(self, book, platform: str = sys.platform):
        self.book = book
        self.platform = platform  # "darwin": Excel's window is reached through AppleScript
        self._names: list[str] | None = None  # one round of name calls per action, not per read
        # Where the journal's write-ahead log lives: next to the workbook (one call).
        self.path = local_path(book)

    def selection(self) -> tuple[str, int] | None:
        """(sheet name, row) of the active cell: the Échéancier button plans the selected invoice."""
        selected = self.book.app.selection
        if selected is None:
            return None
        return selected.sheet.name, selected.row

    @classmethod
    def caller(cls) -> "LiveBook":
        """The workbook whose ribbon button called Python."""
        import xlwings as xw

        return cls(xw.Book.caller())

    def _sheet(self, name: str):
        if name not in self.sheet_names():
            raise BookError(f"La feuille « {name} » n'existe pas dans ce classeur.")
        return self.book.sheets[name]

    def sheet_names(self) -> list[str]:
        if self._names is None:
            self._names = [sheet.name for sheet in self.book.sheets]
        return list(self._names)

    def read_sheet(self, name: str) -> SheetData:
        """The used range in two bulk calls (values, formulas), re-anchored at A1.

        A cell counts as a formula when its formula text starts with "=" and differs
        from its value (a text "=x" typed with an apostrophe has formula "=x" and value
        "=x").
        """
        used = self._sheet(name).used_range
        top, left = used.row, used.column
        values = used.options(ndim=2).value or []
        formulas_raw = _grid(used.formula)
        rows = [[None] * (left - 1) + [_plain(v) for v in row] for row in values]
        rows = [[None] * (left - 1 + (len(values[0]) if values else 0))] * (top - 1) + rows
        formulas = set()
        for i, row in enumerate(formulas_raw or ()):
            for j, text in enumerate(row):
                raw = values[i][j] if i < len(values) and j < len(values[i]) else None
                if isinstance(text, str) and text.startswith("=") and text != raw:
                    formulas.add((top + i, left + j))
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return SheetData(name=name, rows=tuple(tuple(r) for r in rows), formulas=frozenset(formulas))

    def write_cells(self, sheet: str, first_row: int, first_col: int,
                    block: Sequence[Sequence[object]], formats: Sequence[str] = ()) -> None:
        """One format call per run of same-format columns, then one value call for the block.

        The formats go first: a text column must already be "@" when its texts arrive.
        """
        runs = _column_runs(formats)
        if not block:
            return
        width = max(len(r) for r in block)
        text = [j < len(formats) and formats[j] == "text" for j in range(width)]
        data = [[excel_value(v, text[j]) for j, v in enumerate(r)] + [None] * (width - len(r)) for r in block]
        sht = self._sheet(sheet)
        last_row = first_row + len(data) - 1
        for j1, j2, fmt in runs:
            sht.range((first_row, first_col + j1), (last_row, first_col + j2)).number_format = \
                NUMBER_FORMATS[fmt]
        sht.range((first_row, first_col), (last_row, first_col + width - 1)).value = data
        for i, row in enumerate(block if any(Link in map(type, r) for r in block) else ()):
            for j, value in enumerate(row):  # one call per hyperlink (a Journal row has one at most)
                if isinstance(value, Link):
                    sht.range((first_row + i, first_col + j)).add_hyperlink(value.target, value.text)

    def append_rows(self, sheet: str, rows: Sequence[Sequence[object]], after: int | None = None) -> int:
        """Below ``after`` (the caller read the sheet before writing anything) or, when not
        given, below the used range's last row (two calls to find it); then ``write_cells``."""
        if after is not None:
            first = after + 1
        else:
            used = self._sheet(sheet).used_range
            last = used.last_cell.row
            # An empty sheet reports A1 as its used range.
            first = 1 if last == 1 and used.value is None else last + 1
        self.write_cells(sheet, first, 1, rows)
        return first

    def write_generated(self, sheet: GeneratedSheet) -> None:
        """Clear (or add) the sheet, then write block by block: calls grow with blocks, not rows."""
        created = sheet.name not in self.sheet_names()
        if not created:
            sht = self.book.sheets[sheet.name]
            sht.clear()
            for chart in list(sht.charts):
                chart.delete()
        else:
            sheets = self.book.sheets
            sht = sheets.add(sheet.name, after=sheets[len(sheets) - 1])
            self._names = None
        row = 1
        header_rows = []
        widths: dict[int, float] = {}
        for block in sheet.blocks:
            if block.title:
                cell = sht.range((row, 1))
                cell.value = excel_value(block.title)
                cell.font.bold = True
                row += 1
            if block.headers:
                header = sht.range((row, 1), (row, len(block.headers)))
                header.value = [[excel_value(h) for h in block.headers]]
                header.font.bold = True
                header.color = _HEADER_COLOR
            header_rows.append(row)
            row += 1
            if block.rows:
                self.write_cells(sheet.name, row, 1, block.rows, _formats(block))
                self._wrap(sht, block, row)
                row += len(block.rows)
            for j, values in block.choices:  # the rows written and 200 below, as FileBook does
                self._drop_down(sht.range((row - len(block.rows), j), (row + 200, j)), values)
            for j, width in enumerate(_widths(block), start=1):
                widths[j] = max(widths.get(j, 0), width)
            row += 1
        for j, width in sorted(widths.items()):
            sht.range((1, j)).column_width = width
        if header_rows and created:
            # A sheet's panes survive ``clear()``: freezing once, when the sheet is born
            # (and active anyway), spares activating it at every refresh.
            self._freeze_top_rows(sht, header_rows[0])
        for spec in sheet.charts:
            (r1, c1, r2, c2), cat = spec.values, spec.categories
            # Excel infers categories from the column left of the values: the source is
            # the rectangle covering both, titles in its first row.
            source = sht.range((r1, min(cat[1], c1)), (r2, c2))
            chart = sht.charts.add(chart_type="column_clustered", source=source, anchor=sht.range(spec.anchor),
                                   width=510, height=255)
            chart.title = spec.title
        from addin.books import tables  # a Table and header notes, as FileBook writes them

        if tables.has_extras(sheet):
            for r, c, text in tables.header_notes(sheet):
                sht.range((r, c)).add_note(text)
            if sheet.table and sheet.blocks and sheet.blocks[0].headers:
                header, count = tables.layout(sheet)[0]
                sht.tables.add(source=sht.range((header, 1), (header + max(1, count), len(sheet.blocks[0].headers))),
                               name=sheet.table)
        elif sheet.note:
            sht.range("A1").add_note(sheet.note)
        if sheet.hidden:
            sht.visible = False

    def _wrap(self, sht, block: Block, first: int) -> None:
        """Long texts wrap in their column, and their rows grow to show them, as in ``FileBook``
        (a column at least 40 wide wraps): one call per run of such adjacent columns, one row
        autofit per block."""
        last = first + len(block.rows) - 1
        wrapped = [j for j, width in enumerate(block.widths, start=1) if width >= WRAP_WIDTH]
        for j1, j2, _ in _column_runs(["text" if j + 1 in wrapped else "" for j in range(len(block.widths))]):
            sht.range((first, j1 + 1), (last, j2 + 1)).wrap_text = True
        if wrapped:
            sht.range((first, 1), (last, max(len(r) for r in block.rows))).rows.autofit()

    def _drop_down(self, rng, values: Sequence[str]) -> bool:
        """A list drop-down that suggests without refusing, as ``FileBook`` writes one; False when
        Excel refused it (the sheet is written all the same: a drop-down is a help).

        xlwings' ``DataValidation.set_list`` writes the list with the separator of Excel's own
        settings (``Application.International(xlListSeparator)``: « ; » in a French Excel) on
        Windows and on a Mac alike; it refuses a value holding « , » or « ; » and a list over 255
        characters, so those values are left out (``list_choices``). Excel's list then stops other
        values (alert style « Stop »): its error alert is switched off (``ShowError``), so any
        other value is taken as typed, as FileBook's « information » alert lets it be.
        """
        values = list_choices(values)
        if not values:
            return False
        try:
            validation = rng.data_validation
            validation.delete()
            validation.set_list(values)
            if self.platform == "darwin":
                validation.api.show_error.set(False)
            else:
                validation.api.ShowError = False
        except Exception:  # noqa: BLE001 — a help: never worth failing an action (Envoyer has already sent)
            return False
        return True

    def _freeze_top_rows(self, sht, rows: int) -> bool:
        """Keep rows 1..``rows`` of ``sht`` visible when scrolling; False if Excel refused.

        Desktop xlwings has no ``freeze_panes`` (its ``Sheet.freeze_panes`` raises
        ``NotImplementedError`` outside the paid remote engine), so this talks to
        Excel's active window as VBA would: ``ActiveWindow.SplitRow`` then
        ``FreezePanes`` (COM, Windows), ``active window``'s ``split row`` and
        ``freeze panes`` (AppleScript, macOS). Frozen headers are a comfort: any
        failure is swallowed, the sheet is written all the same.
        """
        try:
            sht.activate()
            if self.platform == "darwin":
                window = self.book.app.api.active_window
                window.freeze_panes.set(False)
                window.split_column.set(0)
                window.split_row.set(rows)
                window.freeze_panes.set(True)
            else:
                window = self.book.app.api.ActiveWindow
                window.FreezePanes = False
                window.SplitColumn = 0
                window.SplitRow = rows
                window.FreezePanes = True
        except Exception:  # noqa: BLE001 — cosmetic: never worth failing an action (Envoyer has already sent)
            return False
        return True

    @contextmanager
    def saved_copy(self) -> Iterator[Path]:
        """A file holding the workbook as Excel holds it now, for readers of files.

        Windows: Excel writes a copy (``Workbook.SaveCopyAs``, one call) into a
        private temporary folder, deleted on leaving the ``with``; the workbook, its
        file and its "unsaved changes" state are untouched. macOS: Excel's AppleScript
        has no "save copy as"; the workbook's own file is used when Excel says it
        holds no unsaved change (``saved``), else ``BookError`` asks to save first.

        Raises:
            BookError: the workbook was never saved (no folder to export next to), or
                on macOS it has unsaved changes.
        """
        if not self.path.is_absolute():
            raise BookError("Ce classeur n'a jamais été enregistré.",
                            "Enregistrez-le dans un dossier (Fichier > Enregistrer sous), puis recommencez.")
        if self.platform == "darwin":
            if not self.book.api.saved.get():
                raise BookError("Le classeur a des modifications non enregistrées.",
                                "Enregistrez-le (Cmd+S), puis cliquez de nouveau sur le bouton.")
            yield self.path
            return
        folder = Path(tempfile.mkdtemp(prefix="relance-"))
        try:
            copy = folder / (self.path.name if self.path.suffix else self.path.name + ".xlsx")
            self.book.api.SaveCopyAs(str(copy))
            yield copy
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def progress(self, fraction: float, message: str) -> None:
        """« Relance — <message> (<n> %) » on Excel's status bar (the actions' own « Relance : »
        prefix is not repeated; an empty message leaves « Relance (<n> %) »)."""
        pct = max(0, min(100, round(fraction * 100)))
        message = re.sub(r"^Relance\s*[:—-]\s*", "", message.strip())
        self.book.app.status_bar = f"Relance — {message} ({pct} %)" if message else f"Relance ({pct} %)"

    def end_progress(self) -> None:
        """Give the status bar back to Excel (``False``): the ribbon calls it after every action."""
        self.book.app.status_bar = False

    def save(self) -> None:
        """Nothing to save: the user saves in Excel. Gives the status bar back to Excel."""
        self.end_progress()


# A column this wide or wider wraps its texts (``FileBook._grid``'s rule).
WRAP_WIDTH = 40

# Excel's limit on a list drop-down's formula (``Validation.Add``'s Formula1: 255 characters).
LIST_LIMIT = 255


def list_choices(values: Sequence[str]) -> list[str]:
    """The values a live drop-down can list: none holding « , » or « ; » (Excel's list
    separators: the list would be cut there), and the first ones whose list, joined by one
    separator, keeps within Excel's 255 characters."""
    kept: list[str] = []
    for value in (str(v) for v in values):
        if not value or "," in value or ";" in value:
            continue
        if len(",".join([*kept, value])) > LIST_LIMIT:
            break
        kept.append(value)
    return kept


def _formats(block: Block) -> tuple[str, ...]:
    if block.formats:
        return tuple(block.formats)
    from addin.books.file import guess_format

    return tuple(guess_format(col) for col in zip(*block.rows))


def _widths(block: Block) -> list[float]:
    from addin.books.file import _block_widths

    return _block_widths(block)
