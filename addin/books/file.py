"""``FileBook``: the workbook port over a file on disk, edited in place part by part.

Reading: cell values come from python-calamine (the cached results of formulas
included); formula cells and merged ranges from a scan of the sheet's XML.

Writing never re-saves the workbook through a library that rewrites it: the cells
Relance writes are spliced into their sheet's XML (``xlsx.splice``: one streamed pass
per row, the sheet read from the file and deflated as it is made, never whole in
memory; a read keeps a sheet's formula cells and merges, not its XML) and its own sheets are written
whole (``addin.books.xlsx``); every other part of the package — other sheets, the
cached results of formulas, shapes, form controls, slicers, pivot tables, charts,
images, notes, macros, custom properties — is copied byte for byte
(``addin.books.package``). So a workbook saved by Excel or LibreOffice, with
whatever it holds, comes out of a refresh with all of it.

Saving follows four rules, each one tested in ``tests/books``:

1. Only the written cells and the generated sheets change; ``addin.books.safety``
   counts what each sheet whose parts changed holds before and after and refuses a
   save that would lose anything, before the file is touched.
2. Atomic: a temporary file in the same folder, fsync, the previous version
   kept in ``.relance-backups/`` (a hard link where the file system allows it, else
   a copy), then ``os.replace``. A crash at any moment leaves either the old or the
   new workbook at the path; what it leaves behind (a temporary file, a partial
   backup) is removed by the next save (``sweep``). Through a symbolic link, the
   real file is replaced and the link stays a link.
3. A workbook open in Excel or LibreOffice (their lock files) or read-only is
   refused before any write (``addin.books.preflight``, which the send action
   also asks before its first message, with the free space needed).
4. Deterministic: same input and same writes give the same bytes, on any
   machine and in any time zone (fixed zip timestamps and entry order; the
   document's modified date is the ``today`` given to ``open``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import warnings
import zipfile
import zlib
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Sequence

from lxml import etree

from addin.books import hyperlinks, inspect, preflight, safety, tables, xlsx
from addin.books.base import FORMATS, NUMBER_FORMATS, Block, BookError, GeneratedSheet, Link, SheetData, naive
from addin.books import package
from addin.books.package import Package, parse_xml, to_xml
from addin.files import atomic_write, fsync_dir, sweep_temporary

BACKUP_DIR = preflight.BACKUP_DIR
_HEADER_FILL = "DDEBF7"
_UNREADABLE_FIX = "Ouvrez-le dans Excel et enregistrez-le au format .xlsx ou .xlsm."


# Kept here for the modules that import them from ``file``: the checks live in ``preflight``.
lock_files = preflight.lock_files
check_writable = preflight.check_writable


def excel_value(value: object) -> object:
    """A port value as openpyxl stores it (Decimal becomes float only here)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, str):
            return xlsx.clean_text(value)
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return naive(value)
    if isinstance(value, (date, time)):
        return value
    raise TypeError(f"valeur impossible à écrire dans une cellule : {value!r}")


def guess_format(values: Sequence[object]) -> str:
    """The column format for a column without one: from its first non-empty value."""
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            return ""
        if isinstance(value, (date, datetime)):
            return "date"
        if isinstance(value, Decimal):
            return "money"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "number"
        return ""
    return ""


def _set(cell, value: object) -> None:
    value = excel_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # data is never a formula, even "=1+1"




def _plain(value: object) -> object:
    """calamine's cell value as the port returns it."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


_FLOAT = float
_BIG = 2.0 ** 53


def _plain_row(row: list) -> tuple:
    """``_plain`` on a whole row (inlined: a register has millions of cells)."""
    return tuple([None if v == "" else int(v) if v.__class__ is _FLOAT and v.is_integer() and -_BIG < v < _BIG
                  else v for v in row])


def _from_a1(sheet) -> list[tuple]:
    """A calamine sheet's rows from A1, so that indexes are coordinates (``to_python``'s
    ``skip_empty_area=False``), made a row at a time: ``iter_rows`` never holds every row as
    a list beside its tuple (measured: a third less time, and a million-row sheet's lists)."""
    start = sheet.start
    if start is None:
        return []
    rows = [_plain_row(r) for r in sheet.iter_rows()]
    first_row, first_col = start
    if first_row and len(rows) == sheet.height:  # rows counted from the used area: put back those above
        rows[:0] = [()] * first_row
    if first_col and any(len(r) == sheet.width for r in rows):  # likewise the columns on its left
        pad = (None,) * first_col
        rows = [pad + r if r else r for r in rows]
    return rows


def _trim(rows) -> tuple[tuple[object, ...], ...]:
    """Rows without trailing empty rows, cut or padded to the last column holding a value."""
    rows = list(rows)
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    longest = max((len(r) for r in rows), default=0)
    width = 0
    for j in range(longest - 1, -1, -1):  # from the right: usually the last column has data
        if any(len(r) > j and r[j] is not None for r in rows):
            width = j + 1
            break
    return tuple(r if len(r) == width and r.__class__ is tuple else tuple((list(r) + [None] * width)[:width])
                 for r in rows)


_PLAIN = frozenset((type(None), bool, int, float, Decimal, str, time, date))
_PLAIN_VALUES = frozenset((type(None), bool, int, float, Decimal, str))  # ``_cell_value`` keeps them, no format
_PLAIN_DATED = _PLAIN_VALUES | {date}  # in a column with a format of its own


def _cell_value(value: object) -> object:
    """A port value checked for a cell (Decimal stays exact: the XML gets its digits)."""
    if value is None or isinstance(value, (bool, int, float, Decimal, str, time, Link)):
        return value
    if isinstance(value, datetime):
        return naive(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"valeur impossible à écrire dans une cellule : {value!r}")


class FileBook:
    """A workbook file edited part by part; see the module docstring."""

    saves_file = True  # ``save`` writes the file itself (the send action checks it can, first)

    def __init__(self, path: Path, data: bytes, *, backups: int, today: date | None):
        self.path = path
        self.backups = backups
        self.today = today
        self._start(data)

    def _start(self, data: bytes) -> None:
        self._data = data
        try:
            self._package = Package(data)
            self._workbook = xlsx.WorkbookPart(self._package)
            if self._workbook.sheets and not self._workbook.rels:
                raise xlsx.XlsxError("les liens du classeur vers ses feuilles sont absents "
                                     f"({package.rels_name(self._workbook.part)})")
            styles_part = self._workbook.styles_part()
            self._styles = xlsx.Styles(self._package.read(styles_part)
                                       if styles_part and self._package.exists(styles_part) else None)
        except xlsx.XlsxError as error:
            raise BookError(f"« {self.path.name} » ne peut pas être modifié par Relance : {error}.",
                            _UNREADABLE_FIX) from error
        except (zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as error:
            raise BookError(f"« {self.path.name} » n'est pas un classeur Excel lisible "
                            f"({inspect.reason(error)}).", _UNREADABLE_FIX) from error
        # sheet -> row -> column -> (value, number format or None)
        self._edits: dict[str, xlsx.SheetEdits] = {}
        self._generated: dict[str, tuple[GeneratedSheet, xlsx.Grid]] = {}
        self._tables: dict[str, str] = {}  # table part -> new ref, for appended rows
        self._scans: dict[str, xlsx.SheetFacts] = {}  # what a read needs of a sheet's XML, not the XML
        self._scanned: dict[str, xlsx.SheetFacts] = {}  # the same, per part, found while the package was checked
        self._values = None  # calamine workbook, opened on the first read
        self._rows: dict[str, tuple[tuple[object, ...], ...]] = {}  # values per sheet, as read, trimmed
        self._checked = False
        self._links: dict[str, dict[tuple[int, int], str]] = {}  # sheet -> cell -> hyperlink target

    @classmethod
    def open(cls, path, *, backups: int = 5, today: date | None = None) -> "FileBook":
        """Open ``path`` for reading and writing.

        Args:
            path: an .xlsx, .xlsm or .xlam workbook.
            backups: how many previous versions ``save`` keeps in ``.relance-backups/``
                (0: none).
            today: the document's modified date written by ``save`` (``None``: keep the
                original's), so that the same writes give the same bytes.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"classeur introuvable : {path}")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise BookError(f"« {path.name} » ne peut pas être lu ({error}).", _UNREADABLE_FIX) from error
        scanners: dict[str, xlsx.FactsScanner] = {}

        def watch(entry: str):  # the worksheets' facts, learnt in the pass that checks the package
            if entry.lower().startswith("xl/worksheets/") and entry.lower().endswith(".xml"):
                return scanners.setdefault(entry.lower(), xlsx.FactsScanner()).feed
            return None

        inspect.check_package(data, path.name, watch)
        book = cls(path, data, backups=backups, today=today)
        book._scanned = {entry: facts for entry, scanner in scanners.items()
                         if (facts := scanner.result()) is not None}
        book._remember_disk()
        return book

    # -- reading ---------------------------------------------------------------------------

    @property
    def epoch_1904(self) -> bool:
        """Whether the workbook counts dates from 1904 (old Mac Excel)."""
        return self._workbook.date1904

    def sheet_names(self) -> list[str]:
        return [entry.name for entry in self._workbook.sheets]

    def _entry(self, name: str) -> xlsx.SheetEntry:
        entry = self._workbook.entry(name)
        if entry is None or entry.part is None:
            if name in self._generated:
                return xlsx.SheetEntry(name, None, None)  # type: ignore[arg-type]
            if entry is not None:
                raise BookError(f"« {name} » n'est pas une feuille de calcul lisible dans « {self.path.name} » "
                                "(feuille de graphique ou de macros, ou son lien est rompu).",
                                "Ouvrez le classeur dans Excel, renommez ou recréez cette feuille, enregistrez, "
                                "puis recommencez.")
            raise BookError(f"La feuille « {name} » n'existe pas dans « {self.path.name} ».",
                            "Vérifiez le nom de la feuille (ou copiez-la depuis workbook_template.xlsx).")
        return entry

    def _scan(self, name: str) -> xlsx.SheetFacts:
        if name not in self._scans:
            part = self._entry(name).part
            if not self._package.exists(part):
                raise BookError(f"La feuille « {name} » de « {self.path.name} » est annoncée mais sa partie "
                                f"« {part} » manque : le fichier est endommagé.",
                                "Reprenez la dernière sauvegarde du classeur (dossier .relance-backups) ou "
                                "ouvrez-le dans Excel, qui propose de le réparer, et enregistrez-le.")
            try:
                # A plain data sheet is scanned as a stream (or was, by the package check); one with
                # formulas (or odd) is read whole.
                facts = self._scanned.get(part.lower()) or xlsx.stream_facts(self._package.stream(part))
                self._scans[name] = facts if facts is not None else xlsx.SheetXml(self._package.read(part)).facts()
            except (xlsx.XlsxError, ValueError) as error:
                raise BookError(f"La feuille « {name} » de « {self.path.name} » est illisible "
                                f"({inspect.reason(error)}).",
                                "Reprenez la dernière sauvegarde du classeur (dossier .relance-backups) ou "
                                "ouvrez-le dans Excel, qui propose de le réparer, et enregistrez-le.") from error
        return self._scans[name]

    def read_sheet(self, name: str) -> SheetData:
        """Values as last calculated (formulas: their cached result), formula cells, merges.

        Cells written in this session read back as written; a sheet generated in this
        session reads back as generated.
        """
        if name in self._generated:
            grid = self._generated[name][1]
            height = max((r for r, _c in grid.cells), default=0)
            width = max((c for _r, c in grid.cells), default=0)
            rows = [[None] * width for _ in range(height)]
            for (r, c), (value, _style) in grid.cells.items():
                rows[r - 1][c - 1] = value
            return SheetData(name=name, rows=_trim(rows))
        self._entry(name)
        scan = self._scan(name)
        rows = self._cached(name)
        formulas = scan.formulas()
        edits = self._edits.get(name)
        if edits:
            rows = list(rows)
            formulas = set(formulas)
            for r, cells in edits.items():
                while len(rows) < r:
                    rows.append(())
                row = list(rows[r - 1])
                for c, (value, _fmt) in cells.items():
                    if len(row) < c:
                        row.extend([None] * (c - len(row)))
                    row[c - 1] = None if value == "" else value
                    formulas.discard((r, c))
                rows[r - 1] = row
            rows = _trim(rows)
            formulas = frozenset(formulas)
        return SheetData(name=name, rows=rows, formulas=formulas, merged=scan.merged())

    def _cached(self, name: str) -> tuple[tuple[object, ...], ...]:
        import python_calamine

        if name in self._rows:
            return self._rows[name]
        errors = (python_calamine.CalamineError, python_calamine.XmlError, python_calamine.ZipError,
                  python_calamine.PasswordError, ValueError, OSError)
        if self._values is None:
            try:
                # Through the path, not a file object: calamine then says what is wrong with the file.
                self._values = python_calamine.CalamineWorkbook.from_path(str(self.path)) \
                    if self._on_disk() else python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._data))
            except errors as error:
                self._values = self._values_without_odd_sheets(error, errors)
        try:
            if name not in self._values.sheet_names:
                return []
            rows = self._rows[name] = _trim(_from_a1(self._values.get_sheet_by_name(name)))
        except errors as error:
            raise BookError(f"La feuille « {name} » de « {self.path.name} » ne peut pas être lue "
                            f"({inspect.reason(error)}).", _UNREADABLE_FIX) from error
        return rows

    def _values_without_odd_sheets(self, error: Exception, errors: tuple):
        """calamine over a copy whose workbook lists only its worksheets, when it refused the file.

        calamine refuses a whole workbook for one sheet it cannot place (an Excel 4 macro sheet, a
        dialog sheet, a sheet without its relationship); Relance reads worksheets only, so it reads
        them from a copy (in memory) that leaves the others out. The file itself is not changed.
        """
        import python_calamine

        unreadable = BookError(f"« {self.path.name} » ne peut pas être lu ({inspect.reason(error)}).",
                               "Ouvrez-le dans Excel, retirez la feuille en cause ou enregistrez-le sous un autre "
                               "nom, puis recommencez.")
        copy = Package(self._data)
        workbook = xlsx.WorkbookPart(copy)
        odd = [e for e in workbook.sheets if e.part is None or not copy.exists(e.part)]
        if not odd:
            raise unreadable from error
        for entry in odd:
            entry.element.getparent().remove(entry.element)
        workbook.changed = True
        workbook.save()
        try:
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(copy.to_bytes()))
        except errors:
            raise unreadable from error

    def _on_disk(self) -> bool:
        """Whether the file at ``path`` is still the one this book was opened with (or saved)."""
        try:
            stat = self.path.stat()
        except OSError:
            return False
        return getattr(self, "_disk", None) == (stat.st_size, stat.st_mtime_ns) and stat.st_size == len(self._data)

    def _remember_disk(self) -> None:
        try:
            stat = self.path.stat()
            self._disk = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            self._disk = None

    # -- writing ---------------------------------------------------------------------------

    def _before_write(self) -> None:
        """Refuse early, before the first change, a workbook that cannot be saved now."""
        if not self._checked:
            check_writable(self.path)
            self._checked = True

    def write_cells(self, sheet: str, first_row: int, first_col: int,
                    block: Sequence[Sequence[object]], formats: Sequence[str] = ()) -> None:
        """Write ``block`` with its top-left cell at (first_row, first_col), 1-based.

        Each target cell keeps its style except the number format, which ``formats``
        sets per column ("" or missing: unchanged; a date in a General cell gets
        "dd/mm/yyyy"). A new cell takes its row's or column's style, as a cell typed in
        Excel does.
        """
        self._before_write()
        if self._links.get(sheet) or hyperlinks.holds(block):
            block = hyperlinks.split(block, first_row, first_col, self._links.setdefault(sheet, {}))
        for f in formats:
            if f and f not in FORMATS:
                raise ValueError(f"format de colonne inconnu : {f!r} (attendu : {', '.join(FORMATS)})")
        if sheet in self._generated:
            grid = self._generated[sheet][1]
            for i, values in enumerate(block):
                for j, value in enumerate(values):
                    fmt = formats[j] if j < len(formats) else ""
                    temporal = xlsx.temporal_format(value)
                    style = self._styles.derive(0, numfmt=NUMBER_FORMATS[fmt]) if fmt else \
                        self._styles.derive(0, numfmt=temporal) if temporal else 0
                    grid.cells[(first_row + i, first_col + j)] = (_cell_value(value), style)
            return
        self._entry(sheet)
        edits = self._edits.get(sheet)
        if edits is None:
            edits = self._edits[sheet] = xlsx.SheetEdits()
        # The block is kept as given (rows as tuples), checked value by value; a row is copied
        # only when a value must change (a date and time with a time zone).
        rows = block if block.__class__ is tuple and all(r.__class__ is tuple for r in block) \
            else [tuple(values) for values in block]
        if not _PLAIN.issuperset(map(type, chain.from_iterable(rows))):  # one pass in C, usually enough
            rows = [values if _PLAIN.issuperset(map(type, values)) else tuple(map(_cell_value, values))
                    for values in rows]
        edits.add(first_row, first_col, rows, [NUMBER_FORMATS[f] if f else None for f in formats])

    def append_rows(self, sheet: str, rows: Sequence[Sequence[object]], after: int | None = None) -> int:
        """Append below the last row holding a value (``after`` when given); an Excel table
        ending there grows too."""
        self._before_write()
        if after is None:
            data = self.read_sheet(sheet).rows
            after = max((i + 1 for i, r in enumerate(data) if any(v is not None for v in r)), default=0)
        last = after
        first = last + 1
        self.write_cells(sheet, first, 1, rows)
        if rows and sheet not in self._generated:
            # A table whose data ends here grows with the rows; so does an empty table (its
            # header and the blank row Excel keeps under it), as a row typed below it would.
            for part, ref in self._table_refs(sheet):
                min_row, min_col, max_row, max_col = xlsx.range_bounds(ref)
                if min_row <= last <= max_row:
                    self._tables[part] = (f"{xlsx.col_letter(min_col)}{min_row}:"
                                          f"{xlsx.col_letter(max_col)}{max(max_row, last + len(rows))}")
        return first

    def _table_refs(self, sheet: str) -> list[tuple[str, str]]:
        """(part, range) of the sheet's tables that can grow (a table with a totals row cannot)."""
        out = []
        for rel in self._package.rels(self._entry(sheet).part):
            if rel.type == xlsx.REL_TABLE and self._package.exists(rel.target):
                root = parse_xml(self._package.read(rel.target))
                if int(root.get("totalsRowCount", "0") or 0):
                    continue
                ref = self._tables.get(rel.target) or root.get("ref", "")
                if ref:
                    out.append((rel.target, ref))
        return out

    def write_generated(self, sheet: GeneratedSheet) -> None:
        """Create ``sheet`` or replace it entirely, at the same place among the tabs."""
        self._before_write()
        entry = self._workbook.entry(sheet.name)
        if entry is not None and entry.part is None:
            raise BookError(f"« {sheet.name} » est une feuille de graphique : Relance ne peut pas la remplacer.",
                            "Renommez-la, puis recommencez.")
        self._edits.pop(sheet.name, None)
        self._links.pop(sheet.name, None)
        grid = self._grid(sheet)
        self._generated[sheet.name] = (sheet, grid)
        links = self._links.setdefault(sheet.name, {})
        # Whole rows stay rows (written row by row, no dict entry per cell) unless a link is among them.
        if hyperlinks.holds([[value for value, _style in grid.placed.values()]]) or \
                hyperlinks.holds([values for values, _styles in grid.rows.values()]):
            hyperlinks.take(grid.cells, links)
        tables.prepare(sheet, grid)

    def _grid(self, sheet: GeneratedSheet) -> xlsx.Grid:
        """The cells of a generated sheet: block titles, headers, rows, with their formats."""
        styles = self._styles
        title = styles.derive(0, bold=True, size=12)
        header = styles.derive(0, bold=True, fill=_HEADER_FILL)
        grid = xlsx.Grid(note=sheet.note)
        row = 1
        first_header = 0
        for block in sheet.blocks:
            if block.title:
                grid.placed[(row, 1)] = (block.title, title)
                row += 1
            for j, text in enumerate(block.headers, start=1):
                grid.placed[(row, j)] = (text, header)
            first_header = first_header or row
            row += 1
            formats = _block_formats(block)
            # Long texts (a problem and its fix) wrap in their column instead of running under the next.
            wrapped = {j for j, width in enumerate(block.widths, start=1) if width >= 40}
            column_styles: dict[int, int] = {}
            for j in range(1, max((len(r) for r in block.rows), default=0) + 1):
                fmt = formats[j - 1] if j - 1 < len(formats) else ""
                column_styles[j] = styles.derive(0, numfmt=NUMBER_FORMATS[fmt] if fmt else None,
                                                 wrap=j in wrapped) if fmt or j in wrapped else 0
            widths = _block_widths(block)
            column_style = tuple(column_styles.values())  # columns 1, 2... left to right
            # A date keeps its column's format (a "date" column's): no format of its own to find.
            plain = (_PLAIN_DATED if all(column_style) else _PLAIN_VALUES).issuperset
            for values in block.rows:
                lines = max((_lines(values[j - 1], widths[j - 1]) for j in wrapped
                             if j <= len(values) and j <= len(widths)), default=1)
                if lines > 1:  # as tall as its wrapped text: it never runs over the next row
                    grid.heights[row] = 15.0 * lines
                if plain(map(type, values)):  # kept as they are, each in its column's format
                    grid.rows[row] = (values, column_style)
                else:  # a date, a time, or a value to check: cell by cell
                    checked, own = [], []
                    for value, style in zip(values, column_style):
                        value = _cell_value(value)
                        temporal = None if style else xlsx.temporal_format(value)
                        if temporal:
                            style = styles.derive(0, numfmt=temporal)
                        checked.append(value)
                        own.append(style)
                    grid.rows[row] = (tuple(checked), tuple(own))
                row += 1
            for j, values in block.choices:  # suggestions only: a date or a note is accepted too
                top = row - len(block.rows)
                grid.validations.append((f"{xlsx.ref_of(top, j)}:{xlsx.ref_of(row + 200, j)}", values))
            for j, width in enumerate(_block_widths(block), start=1):
                grid.widths[j] = max(grid.widths.get(j, 0), width)
            row += 1  # one blank row between blocks
        grid.freeze_rows = first_header
        for spec in sheet.charts:
            grid.charts.append(xlsx.Chart(spec.title, spec.categories, spec.values, spec.anchor, spec.y_title))
        return grid

    def progress(self, fraction: float, message: str) -> None:
        """Headless: nothing to show (the CLI shows its own progress)."""

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        """Replace the file atomically with the edited workbook, keeping a backup.

        Raises ``BookError`` (the original untouched, no temporary file left) if the
        workbook is locked or read-only, or if the new package would lose anything the
        original had outside the written cells and the generated sheets.
        """
        check_writable(self.path)
        seen: tuple[dict[str, bytes], dict[str, bytes]] = ({}, {})
        data = self.to_bytes(seen)
        # The sheets whose parts changed are counted on both sides; the others were copied as they were.
        changed = safety.changed_parts(io.BytesIO(self._data), io.BytesIO(data))
        # The spliced sheets are counted from their bytes as the splice read and wrote them.
        replaced = set(self._generated)  # regenerated: not counted, their losses are not losses
        before = safety.inventory(io.BytesIO(self._data), changed, outside=seen[0], replaced=replaced)
        lost = safety.losses(before, safety.inventory(io.BytesIO(data), changed, outside=seen[1], replaced=replaced),
                             replaced)
        if lost:
            raise BookError(f"Relance refuse d'enregistrer « {self.path.name} » : le classeur enregistré "
                            "perdrait des éléments (" + "; ".join(lost) + "). Le fichier n'a pas été modifié.",
                            "Signalez-le avec une copie du classeur ; en attendant, utilisez Relance depuis "
                            "le ruban d'Excel.", lost)
        # The real file, links resolved: saving through a link replaces the file it points to,
        # and the link stays a link.
        try:
            _atomic_replace(preflight.real(self.path), data, self.backups)
        except OSError as error:  # a full disk, a quota, a file-size limit: the file is as it was
            from addin.failures import describe

            raise BookError(f"Enregistrement de « {self.path.name} » impossible, le fichier n'a pas été modifié : "
                            + describe(error)) from error
        self._start(data)
        self._remember_disk()

    def to_bytes(self, seen: tuple[dict[str, bytes], dict[str, bytes]] | None = None) -> bytes:
        """The package ``save`` would write: deterministic bytes. ``seen``: filled with each spliced
        sheet without its rows, as read and as written (``safety.watch``), for the save's check."""
        package = Package(self._data)
        workbook = xlsx.WorkbookPart(package)
        new_types: dict[str, str] = {}
        reachable = package.reachable()
        read_seen, written_seen = seen if seen is not None else ({}, {})
        # 1. Cells spliced into the sheets that exist (styles grow as cells need formats), in one
        #    pass over each sheet read from the file, deflated as it is made.
        for name, edits in self._edits.items():
            entry = workbook.entry(name)
            if edits:
                self._entry(name)  # a sheet announced but missing says so
                if not package.exists(entry.part):
                    self._scan(name)
                max_row, max_col = edits.extent()
                try:
                    read = safety.watch(entry.part, package.stream(entry.part), read_seen)
                    written = xlsx.splice(read, edits.spans(), max_row, max_col, self._styles, workbook.date1904)
                    if not self._links.get(name):  # a link rewrites the part again (hyperlinks.apply)
                        written = safety.watch(entry.part, written, written_seen)
                    package.write_stream(entry.part, written)
                except (xlsx.XlsxError, ValueError, zipfile.BadZipFile, zlib.error) as error:
                    raise BookError(f"La feuille « {name} » de « {self.path.name} » est illisible "
                                    f"({inspect.reason(error)}).",
                                    "Reprenez la dernière sauvegarde du classeur (dossier .relance-backups) ou "
                                    "ouvrez-le dans Excel, qui propose de le réparer, et enregistrez-le.") from error
        for part, ref in self._tables.items():
            root = parse_xml(package.read(part))
            root.set("ref", ref)
            for auto in root.iter("{%s}autoFilter" % xlsx.NS_MAIN):
                auto.set("ref", ref)
            package.write(part, to_xml(root))
        # 2. Generated sheets: the old one's drawings and notes go, the new ones come.
        entries = {}
        for name, (sheet, _grid) in self._generated.items():
            entry = workbook.entry(name) or workbook.add_sheet(name)
            if package.exists(entry.part) and entry.part in reachable:
                package.set_rels(entry.part, [])
            entries[name] = entry
        if self._edits or self._generated:
            workbook.recalculate_on_open()
        package.collect_garbage(reachable)
        for name, (sheet, grid) in self._generated.items():
            self._write_grid(package, workbook, entries[name], grid, new_types, sheet.hidden)
            workbook.set_hidden(entries[name], sheet.hidden)
        tables.apply_all(package, workbook, self._generated, new_types)
        hyperlinks.apply_all(package, workbook, self._links, preflight.real(self.path).parent)
        # 3. Styles, workbook, document properties.
        if self._styles.changed:
            part = workbook.styles_part()
            if part is None:
                part = "xl/styles.xml"
                workbook.add_styles(part)
                new_types[part] = xlsx.CT_STYLES
            package.write(part, self._styles.to_bytes())
        workbook.save()
        self._stamp_modified(package)
        return package.to_bytes(new_types)

    def _write_grid(self, package: Package, workbook: xlsx.WorkbookPart, entry: xlsx.SheetEntry,
                    grid: xlsx.Grid, new_types: dict[str, str], hidden: bool) -> None:
        old = package.original(entry.part)
        # A hidden sheet is never a selected tab: Excel would open the sheets grouped.
        selected = old is not None and not hidden and xlsx.SheetXml(old).tab_selected()
        drawing_rid = legacy_rid = None
        if grid.charts:
            drawing = package.free_name("xl/drawings/drawing{}.xml")
            package.write(drawing, b"")  # reserve the name
            charts = []
            for chart in grid.charts:
                part = package.free_name("xl/charts/chart{}.xml")
                package.write(part, xlsx.chart_xml(chart, entry.name, grid))
                new_types[part] = xlsx.CT_CHART
                charts.append((chart, package.add_rel(drawing, xlsx.REL_CHART, part)))
            package.write(drawing, xlsx.drawing_xml(charts))
            new_types[drawing] = xlsx.CT_DRAWING
            drawing_rid = package.add_rel(entry.part, xlsx.REL_DRAWING, drawing)
        if grid.note:
            comments = package.free_name("xl/comments{}.xml")
            package.write(comments, xlsx.comments_xml("A1", grid.note))
            new_types[comments] = xlsx.CT_COMMENTS
            vml = package.free_name("xl/drawings/vmlDrawing{}.vml")
            block = 100 + workbook.sheets.index(entry)
            package.write(vml, xlsx.note_vml(1, 1, block))
            new_types[vml] = xlsx.CT_VML
            package.add_rel(entry.part, xlsx.REL_COMMENTS, comments)
            legacy_rid = package.add_rel(entry.part, xlsx.REL_VML, vml)
        package.write(entry.part, xlsx.grid_sheet_xml(grid, workbook.date1904, tab_selected=selected,
                                                      drawing_rid=drawing_rid, legacy_rid=legacy_rid))
        new_types[entry.part] = xlsx.CT_WORKSHEET

    def _stamp_modified(self, package: Package) -> None:
        """The document's modified date: ``today`` (so the same day gives the same bytes)."""
        if self.today is None or not package.exists("docProps/core.xml"):
            return
        stamp = f"{self.today.isoformat()}T00:00:00Z".encode()
        core = package.read("docProps/core.xml")
        new = re.sub(rb"(<dcterms:modified\b[^>]*>)[^<]*(</dcterms:modified>)",
                     lambda m: m.group(1) + stamp + m.group(2), core)
        if new != core:
            package.write("docProps/core.xml", new)


def workbook_bytes(workbook) -> bytes:
    """An openpyxl workbook as deterministic bytes: its own properties, fixed zip metadata.

    ``ExcelWriter`` rather than ``Workbook.save``, which stamps the modified date with now().
    """
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    from openpyxl.writer.excel import ExcelWriter  # only for new workbooks (the accountant's copy)

    ExcelWriter(workbook, archive).save()  # closes the archive
    return Package(raw.getvalue()).to_bytes()  # fixed entry dates and order


def _load(path: Path):
    keep_vba = path.suffix.lower() in (".xlsm", ".xlam", ".xltm")
    import openpyxl  # the benchmark's comparison only: Relance reads with calamine

    with warnings.catch_warnings():
        # "extension is not supported and will be removed": openpyxl's loss, not ours to print.
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path, data_only=False, keep_vba=keep_vba, keep_links=True)


def _atomic_replace(path: Path, data: bytes, backups: int) -> None:
    def keep_mode_and_backup(tmp: Path) -> None:
        shutil.copymode(path, tmp)
        if backups > 0:
            keep_backup(path, backups, link=True)

    sweep(path)
    atomic_write(path, data, before_replace=keep_mode_and_backup)


def sweep(path: Path) -> list[Path]:
    """Remove what an interrupted save of ``path`` left: its temporary files beside it and
    partial backups (``.part``) in ``.relance-backups/``. Call it holding the workbook's lock."""
    path = Path(path)
    removed = sweep_temporary(path)
    folder = path.parent / BACKUP_DIR
    pattern = re.compile(re.escape(path.stem) + r"\.\d{4,}\.\d{8}-\d{6}" + re.escape(path.suffix) + r"\.part$")
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if pattern.match(name):
            try:
                (folder / name).unlink()
                removed.append(folder / name)
            except OSError:
                pass
    return removed


def keep_backup(path: Path, keep: int, *, link: bool = False) -> Path:
    """Keep ``path`` in ``.relance-backups/`` as ``name.NNNN.YYYYMMDD-HHMMSS.ext``; prune to ``keep``.

    ``link=True`` (the save, which then *replaces* ``path`` by a rename): a hard link to the
    file instead of a copy where the file system allows it — no byte copied, no space used, and
    as atomic (a backup is whole or absent). Never for a caller that rewrites ``path`` in place
    afterwards: the backup would change with it. A partial backup is removed on failure.
    """
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    pattern = re.compile(re.escape(path.stem) + r"\.(\d{4,})\.\d{8}-\d{6}" + re.escape(path.suffix) + "$")
    existing = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := pattern.match(p.name)))
    seq = existing[-1][0] + 1 if existing else 1
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{seq:04d}.{stamp}{path.suffix}"
    tmp = folder / (target.name + ".part")
    try:
        linked = False
        if link:
            try:
                os.link(path, tmp)
                linked = True
            except OSError:  # FAT, some network shares: a copy
                pass
        if not linked:
            shutil.copy2(path, tmp)
        os.replace(tmp, target)  # a backup is whole or absent
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)
    existing.append((seq, target))
    for _seq, old in existing[:-keep] if keep else existing:
        old.unlink(missing_ok=True)
    return target


def _block_formats(block: Block) -> tuple[str, ...]:
    if block.formats:
        for f in block.formats:
            if f and f not in FORMATS:
                raise ValueError(f"format de colonne inconnu : {f!r}")
        return tuple(block.formats)
    columns = list(zip(*block.rows)) if block.rows else []
    return tuple(guess_format(col) for col in columns)


def _block_widths(block: Block) -> list[float]:
    if block.widths:
        return list(block.widths)
    widths = []
    for j, header in enumerate(block.headers):
        longest = len(str(header))
        for values in block.rows[:200]:
            if j < len(values) and values[j] is not None:
                value = values[j]
                longest = max(longest, 10 if isinstance(value, (date, datetime)) else len(str(value)))
        widths.append(float(min(max(longest + 2, 8), 60)))
    return widths


def _lines(value: object, width: float) -> int:
    """The lines a text takes wrapped in a column ``width`` wide (about one character per unit)."""
    if value is None:
        return 1
    per_line = max(int(width), 1)
    if value.__class__ is str and len(value) <= per_line and "\n" not in value:  # most names: one line
        return 1
    return max(1, sum(-(-max(len(part), 1) // per_line) for part in str(value).split("\n")))
