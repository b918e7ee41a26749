"""``FileBook``: the workbook port over a file on disk, with openpyxl.

Reading: cell values come from python-calamine (the cached results of formulas
included; about 15× faster than a second openpyxl load on 20,000 rows), the
formula coordinates and merged ranges from the openpyxl workbook loaded once
for writing (``data_only=False``, macros and external links kept).

Saving follows four rules, each one tested in ``tests/books``:

1. Only the written cells and the generated sheets change. A workbook holding
   something openpyxl drops on re-save (shapes, form controls, ActiveX,
   slicers, timelines, sparklines and other sheet extensions, threaded
   comments) is refused before anything is written, and the saved package is
   compared with the original before it replaces it (``addin.books.safety``).
2. Atomic: a temporary file in the same folder, fsync, the previous version
   copied into ``.relance-backups/``, then ``os.replace``. A crash at any moment
   leaves either the old or the new workbook at the path.
3. A workbook open in Excel or LibreOffice (their lock files) or read-only is
   refused before any write.
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
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Sequence

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from addin.books import safety
from addin.files import atomic_write
from addin.books.base import FORMATS, NUMBER_FORMATS, Block, BookError, GeneratedSheet, SheetData

BACKUP_DIR = ".relance-backups"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=12)
_WRAP = Alignment(wrap_text=True, vertical="top")
_FIX_UNSAFE = ("Déplacez ces éléments dans un autre classeur, ou utilisez Relance depuis le ruban "
               "d'Excel, où rien n'est réenregistré.")


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel and LibreOffice leave next to a workbook they have open."""
    name = path.name
    candidates = [path.with_name("~$" + name), path.with_name(".~lock." + name + "#")]
    if len(name) > 2:
        # Excel shortens long names: "~$" replaces the first two characters.
        candidates.append(path.with_name("~$" + name[2:]))
    return [p for p in candidates if p.exists()]


def _writable(path: Path) -> bool:
    # Mode bits too: a file marked read-only stays read-only even for an administrator.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def check_writable(path: Path) -> None:
    """Raise ``BookError`` if the workbook cannot be replaced safely now."""
    locks = lock_files(path)
    if locks:
        app = "LibreOffice" if locks[0].name.startswith(".~lock.") else "Excel"
        raise BookError(
            f"Le classeur « {path.name} » est ouvert dans {app} : Relance ne peut pas l'enregistrer.",
            f"Fermez-le dans {app} puis recommencez, ou utilisez Relance depuis le ruban d'Excel.",
            [str(p) for p in locks])
    if not _writable(path):
        raise BookError(f"Le classeur « {path.name} » est en lecture seule.",
                        "Retirez l'attribut lecture seule du fichier (Propriétés) ou copiez-le ailleurs.")
    if not _writable(path.parent):
        raise BookError(f"Le dossier « {path.parent} » est en lecture seule : impossible d'y enregistrer "
                        f"« {path.name} ».", "Copiez le classeur dans un dossier où vous pouvez écrire.")


def excel_value(value: object) -> object:
    """A port value as openpyxl stores it (Decimal becomes float only here)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError(f"date avec fuseau horaire refusée : {value!r} (Relance n'utilise pas de fuseau)")
        return value
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


def _column_format(ws, column: int) -> str:
    """The number format of the column style covering ``column`` ("General" when none)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.max is not None and dim.min <= column <= dim.max:
            return dim.number_format
    return "General"


def _plain(value: object) -> object:
    """calamine's cell value as the port returns it."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _trim(rows: list[list[object]]) -> tuple[tuple[object, ...], ...]:
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((j + 1 for j, v in enumerate(r) if v is not None), default=0) for r in rows),
                default=0)
    return tuple(tuple((list(r) + [None] * width)[:width]) for r in rows)


class FileBook:
    """A workbook file read and written with openpyxl; see the module docstring."""

    def __init__(self, path: Path, workbook, *, backups: int, today: date | None,
                 inventory: safety.Inventory, modified: datetime | None):
        self.path = path
        self.workbook = workbook
        self.backups = backups
        self.today = today
        self._inventory = inventory
        self._modified = modified
        self._values = None  # calamine workbook, opened on the first read
        self._dirty: set[str] = set()
        self._generated: set[str] = set()
        self._checked = False

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
            inventory = safety.inventory(path)
            workbook = _load(path)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise BookError(f"« {path.name} » n'est pas un classeur Excel lisible ({error}).",
                            "Ouvrez-le dans Excel et enregistrez-le au format .xlsx ou .xlsm.") from error
        return cls(path, workbook, backups=backups, today=today, inventory=inventory,
                   modified=workbook.properties.modified)

    # -- reading ---------------------------------------------------------------------------

    def sheet_names(self) -> list[str]:
        return list(self.workbook.sheetnames)

    def _sheet(self, name: str):
        if name not in self.workbook.sheetnames:
            raise BookError(f"La feuille « {name} » n'existe pas dans « {self.path.name} ».")
        return self.workbook[name]

    def read_sheet(self, name: str) -> SheetData:
        """Values as last calculated (formulas: their cached result), formula cells, merges.

        A sheet written in this session is read from memory; its formula cells keep the
        value cached in the file (openpyxl never calculates).
        """
        ws = self._sheet(name)
        # ws._cells, not iter_rows: iterating would create every empty cell of the range.
        cells = ws._cells
        formulas = frozenset(key for key, c in cells.items() if c.data_type == "f")
        merged = tuple((r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges)
        cached = self._cached(name)
        if name in self._dirty or name in self._generated:
            height = max((r for r, _c in cells), default=0)
            width = max((c for _r, c in cells), default=0)
            rows = [[None] * width for _ in range(height)]
            for (r, c), cell in cells.items():
                if (r, c) in formulas:
                    rows[r - 1][c - 1] = (cached[r - 1][c - 1]
                                          if r - 1 < len(cached) and c - 1 < len(cached[r - 1]) else None)
                else:
                    rows[r - 1][c - 1] = cell.value
        else:
            rows = [list(r) for r in cached]
        return SheetData(name=name, rows=_trim(rows), formulas=formulas, merged=merged)

    def _cached(self, name: str) -> list[list[object]]:
        import python_calamine

        if self._values is None:
            self._values = python_calamine.CalamineWorkbook.from_path(str(self.path))
        if name not in self._values.sheet_names:
            return []
        sheet = self._values.get_sheet_by_name(name)
        # skip_empty_area=False: the block starts at A1, so indexes are coordinates.
        return [[_plain(v) for v in r] for r in sheet.to_python(skip_empty_area=False)]

    # -- writing ---------------------------------------------------------------------------

    def _before_write(self) -> None:
        """Refuse early, before the first change, what could not be saved safely."""
        if self._checked:
            return
        check_writable(self.path)
        found = safety.risks(self._inventory)
        if found:
            raise BookError(
                f"Relance refuse d'enregistrer « {self.path.name} » : l'enregistrement ferait perdre "
                + "; ".join(found) + ".", _FIX_UNSAFE, found)
        self._checked = True

    def write_cells(self, sheet: str, first_row: int, first_col: int,
                    block: Sequence[Sequence[object]], formats: Sequence[str] = ()) -> None:
        """Write ``block`` with its top-left cell at (first_row, first_col), 1-based.

        Each target cell keeps its style except the number format, which ``formats``
        sets per column ("" or missing: unchanged, and dates get "dd/mm/yyyy" where the
        cell had the General format).
        """
        self._before_write()
        ws = self._sheet(sheet)
        for f in formats:
            if f and f not in FORMATS:
                raise ValueError(f"format de colonne inconnu : {f!r} (attendu : {', '.join(FORMATS)})")
        for i, values in enumerate(block):
            for j, value in enumerate(values):
                cell = ws.cell(row=first_row + i, column=first_col + j)
                was_general = cell.number_format == "General"  # openpyxl gives a date "yyyy-mm-dd"
                _set(cell, value)
                fmt = formats[j] if j < len(formats) else ""
                if fmt:
                    cell.number_format = NUMBER_FORMATS[fmt]
                elif was_general and value is not None and not isinstance(value, str):
                    # A new cell takes its column's format, as a cell typed in Excel does.
                    column_format = _column_format(ws, first_col + j)
                    if column_format != "General":
                        cell.number_format = column_format
                    elif isinstance(value, (date, datetime)):
                        cell.number_format = NUMBER_FORMATS["date"]
        self._dirty.add(sheet)

    def append_rows(self, sheet: str, rows: Sequence[Sequence[object]]) -> int:
        """Append below the last row holding a value; an Excel table ending there grows too."""
        self._before_write()
        ws = self._sheet(sheet)
        last = max((r for (r, _c), cell in ws._cells.items() if cell.value is not None), default=0)
        first = last + 1
        self.write_cells(sheet, first, 1, rows)
        if rows:
            for table in ws.tables.values():
                min_col, min_row, max_col, max_row = openpyxl.utils.cell.range_boundaries(table.ref)
                if max_row == last:
                    table.ref = (f"{get_column_letter(min_col)}{min_row}:"
                                 f"{get_column_letter(max_col)}{last + len(rows)}")
                    if table.autoFilter is not None:
                        table.autoFilter.ref = table.ref
        return first

    def write_generated(self, sheet: GeneratedSheet) -> None:
        """Create ``sheet`` or replace it entirely, at the same place among the tabs."""
        self._before_write()
        wb = self.workbook
        index = len(wb.sheetnames)
        if sheet.name in wb.sheetnames:
            old = wb[sheet.name]
            index = wb.sheetnames.index(sheet.name)
            was_active = wb.active is old
            wb.remove(old)
        else:
            was_active = False
        ws = wb.create_sheet(sheet.name, index)
        if was_active:
            wb.active = index
        _fill_generated(ws, sheet)
        self._generated.add(sheet.name)
        self._dirty.discard(sheet.name)

    def progress(self, fraction: float, message: str) -> None:
        """Headless: nothing to show (the CLI shows its own progress)."""

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        """Replace the file atomically with the written workbook, keeping a backup.

        Raises ``BookError`` (the original untouched, no temporary file left) if the
        workbook is locked or read-only, or if the new package would lose anything the
        original had outside the written cells and the generated sheets.
        """
        check_writable(self.path)
        found = safety.risks(self._inventory)
        if found:
            raise BookError(f"Relance refuse d'enregistrer « {self.path.name} » : l'enregistrement "
                            "ferait perdre " + "; ".join(found) + ".", _FIX_UNSAFE, found)
        data = self.to_bytes()
        lost = safety.losses(self._inventory, safety.inventory(io.BytesIO(data)), self._generated)
        if lost:
            raise BookError(f"Relance refuse d'enregistrer « {self.path.name} » : l'enregistrement "
                            "ferait perdre " + "; ".join(lost) + ".", _FIX_UNSAFE, lost)
        _atomic_replace(self.path, data, self.backups)
        # The next save compares against what is now on disk, and starts from it: openpyxl
        # consumes the image streams of a workbook when it writes it.
        self._inventory = safety.inventory(self.path)
        old, self.workbook = self.workbook, _load(self.path)
        if getattr(old, "vba_archive", None) is not None:
            old.vba_archive.close()
        self._values = None
        self._dirty.clear()
        self._generated.clear()

    def to_bytes(self) -> bytes:
        """The package ``save`` would write: deterministic bytes."""
        props = self.workbook.properties
        if self.today is not None:
            props.modified = datetime.combine(self.today, time())
        else:
            props.modified = self._modified
        if props.created is None or self._modified is None:
            props.created = props.modified
        return workbook_bytes(self.workbook)


def workbook_bytes(workbook) -> bytes:
    """An openpyxl workbook as deterministic bytes: its own properties, fixed zip metadata.

    ``ExcelWriter`` rather than ``Workbook.save``, which stamps the modified date with now().
    """
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(workbook, archive).save()  # closes the archive
    return _canonical_zip(raw.getvalue())


def _load(path: Path):
    keep_vba = path.suffix.lower() in (".xlsm", ".xlam", ".xltm")
    with warnings.catch_warnings():
        # "extension is not supported and will be removed": safety.risks says it in French.
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path, data_only=False, keep_vba=keep_vba, keep_links=True)


def _canonical_zip(data: bytes) -> bytes:
    """The same entries, order and bytes with fixed timestamps and attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def _atomic_replace(path: Path, data: bytes, backups: int) -> None:
    def keep_mode_and_backup(tmp: Path) -> None:
        shutil.copymode(path, tmp)
        if backups > 0:
            keep_backup(path, backups)

    atomic_write(path, data, before_replace=keep_mode_and_backup)


def keep_backup(path: Path, keep: int) -> Path:
    """Copy ``path`` into ``.relance-backups/`` as ``name.NNNN.YYYYMMDD-HHMMSS.ext``; prune to ``keep``."""
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    pattern = re.compile(re.escape(path.stem) + r"\.(\d{4,})\.\d{8}-\d{6}" + re.escape(path.suffix) + "$")
    existing = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := pattern.match(p.name)))
    seq = existing[-1][0] + 1 if existing else 1
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{seq:04d}.{stamp}{path.suffix}"
    tmp = folder / (target.name + ".part")
    shutil.copy2(path, tmp)
    os.replace(tmp, target)  # a backup is whole or absent
    existing.append((seq, target))
    for _seq, old in existing[:-keep] if keep else existing:
        old.unlink(missing_ok=True)
    return target


def _fill_generated(ws, sheet: GeneratedSheet) -> None:
    row = 1
    header_rows = []
    widths: dict[int, float] = {}
    for block in sheet.blocks:
        if block.title:
            cell = ws.cell(row=row, column=1)
            _set(cell, block.title)
            cell.font = _TITLE
            row += 1
        for j, header in enumerate(block.headers, start=1):
            cell = ws.cell(row=row, column=j)
            _set(cell, header)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
        header_rows.append(row)
        row += 1
        formats = _block_formats(block)
        # Long texts (a problem and its fix) wrap in their column instead of running under the next.
        wrapped = {j for j, width in enumerate(block.widths, start=1) if width >= 40}
        for values in block.rows:
            for j, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=j)
                _set(cell, value)
                fmt = formats[j - 1] if j - 1 < len(formats) else ""
                if fmt:
                    cell.number_format = NUMBER_FORMATS[fmt]
                if j in wrapped:
                    cell.alignment = _WRAP
            row += 1
        for j, width in enumerate(_block_widths(block), start=1):
            widths[j] = max(widths.get(j, 0), width)
        row += 1  # one blank row between blocks
    for j, width in sorted(widths.items()):
        ws.column_dimensions[get_column_letter(j)].width = width
    if header_rows:
        ws.freeze_panes = ws.cell(row=header_rows[0] + 1, column=1)
    for spec in sheet.charts:
        chart = BarChart()
        chart.title = spec.title
        chart.y_axis.title = spec.y_title or None
        r1, c1, r2, c2 = spec.values
        chart.add_data(Reference(ws, min_col=c1, min_row=r1, max_col=c2, max_row=r2), titles_from_data=True)
        r1, c1, r2, c2 = spec.categories
        chart.set_categories(Reference(ws, min_col=c1, min_row=r1, max_col=c2, max_row=r2))
        chart.width, chart.height = 18, 9
        ws.add_chart(chart, spec.anchor)
    if sheet.note:
        ws["A1"].comment = Comment(sheet.note, "Relance")
    if sheet.hidden:
        ws.sheet_state = "hidden"
    # Printed (or rendered to PDF) landscape and one page wide, like the template's sheets.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


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
