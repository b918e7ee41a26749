"""A stand-in for the few xlwings objects ``LiveBook`` uses, backed by dicts, logging calls.

This fake is the one part of the books tests NOT run against real Excel: it
reproduces the behaviour of desktop xlwings 0.37 (Windows COM, macOS AppleScript)
as documented and as ``LiveBook`` relies on it, nothing more.

Two layers, two guarantees:

- **xlwings objects** (``FakeApp``, ``FakeBook``, ``FakeSheets``, ``FakeSheet``,
  ``FakeRange``, ``FakeFont``, ``FakeCharts``, ``FakeChart``, ``FakeSelection``, ``FakeTables``,
  ``FakeRangeRows``, ``FakeDataValidation``):
  each names the xlwings class it stands for in ``_XLWINGS``; every public name it
  offers (outside its ``_TEST_ONLY`` helpers and stores) is checked by
  ``tests/books/test_fake_xlwings.py``, by introspection of the installed xlwings, to
  exist in ``xlwings.main`` *and* to be implemented by both desktop engines
  (``_xlwindows.py`` and ``_xlmac.py``), not by the paid remote engine only and not
  left raising ``NotImplementedError``. An attribute the fake does not know raises
  ``AttributeError`` (``__slots__``), so LiveBook cannot start using more of xlwings
  without this file, and that check, following.
- **Excel's own object model**, reached through ``.api`` (``FakeExcelCom``,
  ``FakeComWindow``, ``FakeWorkbookCom`` on Windows; ``FakeAppscript*`` on macOS):
  xlwings hands these through untouched, so no introspection can check them. Each
  names, in ``_EXCEL``, the VBA/AppleScript object it stands for; the few members
  used are the documented ones (``Window.SplitRow``/``SplitColumn``/``FreezePanes``,
  ``Workbook.SaveCopyAs``/``Saved``, ``Validation.ShowError``; AppleScript ``active window``,
  ``split row``, ``split column``, ``freeze panes``, ``saved``, ``show error``), listed in macros/README.md for
  the check in real Excel.

Excel's behaviour reproduced: numbers come back as floats and dates as datetimes;
a text written through ``value`` is parsed as if typed — unless its cell is
already formatted "@" (text): a leading apostrophe marks text and is not kept,
"=..." (and "+"/"-"/"@" followed by something not a number) becomes a formula
whose value stays unknown here, a number ("0612", "1,5", "5%"), a date
("2026-10", "15/01/2025") or a boolean ("VRAI", "TRUE") becomes one; ``formula``
gives the formula of formula cells and the constant's text of the others. Every
operation that would cross to Excel appends one entry to ``FakeApp.calls``.

Two platform modes (``FakeBook(platform=...)``), each as strict as the real back end:

- **Windows** (``"win32"``, COM through pywin32): a cell whose number format shows a
  currency (``€``, ``$``, ``[$…]``) comes back as ``decimal.Decimal`` (COM's VT_CY, which
  pywin32 converts and ``_xlwindows`` passes through); ``Range.formula`` gives tuples of
  tuples; ``Book.fullname`` of a workbook synced by OneDrive or SharePoint (a URL) goes
  through xlwings' own ``utils.fullname_url_to_local_path``: the local file, or the very
  exception real xlwings raises (``XlwingsError``, ``UnboundLocalError`` for SharePoint).
- **macOS** (``"darwin"``, AppleScript): ``Range.formula`` of a one-row range is one flat
  list of texts (a list of lists for several rows); ``Book.fullname`` maps URLs the same
  way; and a ribbon button runs Python in the background (``FakeApp.press``): the click
  returns at once, so a second click starts a second run beside the first.
"""

from __future__ import annotations

import re
import sys
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable

from openpyxl.utils import column_index_from_string, get_column_letter

_LIVE = str(Path(__file__).resolve().parents[2] / "addin" / "books" / "live.py")


class _Guarded:
    """Refuses ``LiveBook`` the fake's test helpers: real xlwings has none of them."""

    __slots__ = ()
    _TEST_ONLY: frozenset = frozenset()

    def __getattribute__(self, name):
        if name in type(self)._TEST_ONLY and sys._getframe(1).f_code.co_filename == _LIVE:
            raise AttributeError(f"{name!r} is a test helper of the fake, not xlwings: LiveBook cannot use it")
        return object.__getattribute__(self, name)


class FakeApp(_Guarded):
    _XLWINGS = "App"
    _TEST_ONLY = frozenset({"calls", "log", "select", "press", "runs"})
    __slots__ = ("calls", "_status", "_selection", "_book", "_active", "runs", "_lock")

    def __init__(self, book: "FakeBook"):
        self.calls: list[str] = []
        self._status = False
        self._selection = None
        self._book = book
        self._active: FakeSheet | None = None
        self.runs: list[tuple[str, int]] = []  # ("start" | "end", run number), in time order
        self._lock = threading.Lock()

    def press(self, button: Callable[[], object]):
        """Test helper: a click on a ribbon button whose macro calls RunPython ``button``.

        Windows: Excel waits for Python (RunPython blocks the UI), so clicks run one
        after the other and this returns when the run is over (None). macOS: RunPython
        starts Python in the background and returns at once: this returns the started
        thread, and a second press runs beside the first (see ``runs``).
        """
        with self._lock:
            number = sum(1 for kind, _ in self.runs if kind == "start") + 1

        def run():
            with self._lock:
                self.runs.append(("start", number))
            try:
                button()
            finally:
                with self._lock:
                    self.runs.append(("end", number))

        if self._book._platform != "darwin":
            run()
            return None
        thread = threading.Thread(target=run, name=f"RunPython-{number}", daemon=True)
        thread.start()
        return thread

    @property
    def selection(self):
        self.log("app.selection")
        return self._selection

    def select(self, sheet: "FakeSheet", row: int, column: int = 1) -> None:
        """Test helper: make (sheet, row) the active cell."""
        self._selection = FakeSelection(sheet, row, column)

    def log(self, what: str) -> None:
        self.calls.append(what)

    @property
    def status_bar(self):
        self.log("app.status_bar")
        return self._status

    @status_bar.setter
    def status_bar(self, value):
        self.log("app.status_bar=")
        self._status = value

    @property
    def api(self):
        """The Excel application object: COM on Windows, an appscript reference on macOS."""
        return FakeAppscriptApp(self) if self._book._platform == "darwin" else FakeExcelCom(self)


class FakeSelection(_Guarded):
    """The active cell as xlwings gives it (a ``Range``): ``.sheet``, ``.row``, ``.column``."""

    _XLWINGS = "Range"
    _TEST_ONLY = frozenset()
    __slots__ = ("sheet", "row", "column")

    def __init__(self, sheet, row: int, column: int):
        self.sheet, self.row, self.column = sheet, row, column


class FakeBook(_Guarded):
    _XLWINGS = "Book"
    _TEST_ONLY = frozenset()
    __slots__ = ("app", "_sheets", "_fullname", "_platform", "_dirty")

    def __init__(self, sheets: dict[str, dict[tuple[int, int], object]] | None = None,
                 fullname: str = "/tmp/Registre.xlsx", platform: str = "win32"):
        """``sheets``: name -> {(row, column): what the cell holds} ("=..." a formula, "'x" the text x).

        ``fullname``: Excel's ``Workbook.FullName``, a URL for a workbook synced by OneDrive
        or SharePoint with AutoSave on.
        """
        self.app = FakeApp(self)
        self._fullname = fullname
        self._platform = platform
        self._dirty = False  # changes since the workbook was last saved (Excel's Workbook.Saved)
        self._sheets: list[FakeSheet] = []
        for name, cells in (sheets or {}).items():
            sheet = FakeSheet(self, name)
            for key, value in cells.items():
                sheet.seed(key, value)
            self._sheets.append(sheet)
        self._dirty = False
        if self._sheets:
            self.app._active = self._sheets[0]

    @property
    def fullname(self) -> str:
        """What xlwings' desktop engines return: ``FullName``, or for a URL the synced local
        file found by xlwings' own mapping (which raises what it raises when it cannot)."""
        self.app.log("book.fullname")
        if "://" not in self._fullname:
            return self._fullname
        from xlwings.utils import fullname_url_to_local_path

        suffix = "MAC" if self._platform == "darwin" else "WIN"
        config = self._config_sheet()
        # __wrapped__: xlwings caches the mapping per URL; tests change the folders between calls.
        return fullname_url_to_local_path.__wrapped__(
            url=self._fullname,
            sheet_onedrive_consumer_config=config.get(f"ONEDRIVE_CONSUMER_{suffix}"),
            sheet_onedrive_commercial_config=config.get(f"ONEDRIVE_COMMERCIAL_{suffix}"),
            sheet_sharepoint_config=config.get(f"SHAREPOINT_{suffix}"),
        )

    def _config_sheet(self) -> dict[str, str]:
        """The workbook's ``xlwings.conf`` sheet, as ``xlwings.utils.read_config_sheet`` reads it."""
        for sheet in self._sheets:
            if sheet._name == "xlwings.conf":
                keys = sorted(r for (r, c) in sheet.values if c == 1)
                return {str(sheet.values[(r, 1)]): str(sheet.values.get((r, 2), "")) for r in keys}
        return {}

    @property
    def sheets(self) -> "FakeSheets":
        return FakeSheets(self)

    @property
    def api(self):
        """The Excel workbook object: COM on Windows, an appscript reference on macOS."""
        return FakeAppscriptWorkbook(self) if self._platform == "darwin" else FakeWorkbookCom(self)


class FakeSheets(_Guarded):
    _XLWINGS = "Sheets"
    _TEST_ONLY = frozenset()
    __slots__ = ("_book",)

    def __init__(self, book: FakeBook):
        self._book = book

    def __iter__(self):
        self._book.app.log("sheets.__iter__")
        return iter(list(self._book._sheets))

    def __len__(self):
        self._book.app.log("sheets.count")
        return len(self._book._sheets)

    def __getitem__(self, key):
        self._book.app.log(f"sheets[{key!r}]")
        if isinstance(key, int):
            return self._book._sheets[key]
        for sheet in self._book._sheets:
            if sheet._name.lower() == key.lower():
                return sheet
        raise KeyError(key)

    def add(self, name=None, before=None, after=None):
        """Excel makes the new sheet the active one."""
        self._book.app.log(f"sheets.add({name!r})")
        sheet = FakeSheet(self._book, name)
        index = self._book._sheets.index(after) + 1 if after is not None else len(self._book._sheets)
        self._book._sheets.insert(index, sheet)
        self._book.app._active = sheet
        self._book._dirty = True
        return sheet


class FakeSheet(_Guarded):
    _XLWINGS = "Sheet"
    _TEST_ONLY = frozenset({"values", "formulas", "number_formats", "bold", "colors", "widths", "notes",
                            "frozen", "log", "store", "seed", "links", "made_tables", "validations", "wrapped",
                            "fitted_rows"})
    __slots__ = ("_book", "_name", "values", "formulas", "number_formats", "bold", "colors", "widths",
                 "notes", "_visible", "_charts", "frozen", "links", "made_tables", "validations", "wrapped",
                 "fitted_rows")

    def __init__(self, book: FakeBook, name: str):
        self._book = book
        self._name = name
        self.values: dict[tuple[int, int], object] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.number_formats: dict[tuple[int, int], str] = {}
        self.bold: set[tuple[int, int]] = set()
        self.colors: dict[tuple[int, int], tuple] = {}
        self.widths: dict[int, float] = {}
        self.notes: dict[tuple[int, int], str] = {}
        self.links: dict[tuple[int, int], str] = {}  # cell -> hyperlink address
        self.made_tables: dict[str, tuple[int, int, int, int]] = {}  # Excel Tables: name -> range
        # Data validation per cell: {"values": the list, "show_error": Excel's ShowError, "alert": its AlertStyle}
        self.validations: dict[tuple[int, int], dict] = {}
        self.wrapped: set[tuple[int, int]] = set()  # cells whose text wraps
        self.fitted_rows: set[int] = set()  # rows whose height Excel fitted to their contents (AutoFit)
        self._visible = True
        self._charts: list[FakeChart] = []
        self.frozen: int = 0  # rows kept visible at the top (Window.SplitRow once frozen)

    def log(self, what: str) -> None:
        self._book.app.log(f"{self._name}.{what}")

    def seed(self, key: tuple[int, int], value: object) -> None:
        """Test helper: what the cell already holds ("=..." a formula, "'x" the text x, else as given)."""
        if isinstance(value, str) and value.startswith(("=", "'")):
            self.store(key, value)
        else:
            self.values.pop(key, None)
            self.formulas.pop(key, None)
            if value is not None and value != "":
                self.values[key] = value if isinstance(value, str) else _held(value)

    def store(self, key: tuple[int, int], value: object) -> None:
        """What Excel keeps when ``value`` is written in a cell through ``Range.value``."""
        self._book._dirty = True
        self.values.pop(key, None)
        self.formulas.pop(key, None)
        if value is None or value == "":
            return
        if isinstance(value, str):
            if self.number_formats.get(key) == "@":
                self.values[key] = value  # a text cell takes text as is
                return
            kind, parsed = _typed(value)
            (self.formulas if kind == "formula" else self.values)[key] = parsed
            return
        self.values[key] = _held(value)

    @property
    def name(self) -> str:
        self.log("name")
        return self._name

    @property
    def used_range(self) -> "FakeRange":
        self.log("used_range")
        keys = set(self.values) | set(self.formulas) | set(self.number_formats)
        if not keys:
            return FakeRange(self, 1, 1, 1, 1)
        return FakeRange(self, min(r for r, _ in keys), min(c for _, c in keys),
                         max(r for r, _ in keys), max(c for _, c in keys))

    def range(self, cell1, cell2=None) -> "FakeRange":
        self.log(f"range({cell1!r}, {cell2!r})")
        r1, c1 = _cell(cell1)
        r2, c2 = _cell(cell2) if cell2 is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def clear(self) -> None:
        """Contents and formats; the window's panes stay as they are (as in Excel)."""
        self.log("clear()")
        for store in (self.values, self.formulas, self.number_formats, self.colors, self.notes, self.links):
            store.clear()
        self.bold.clear()
        self._book._dirty = True

    def activate(self) -> None:
        self.log("activate()")
        if not self._visible:
            raise RuntimeError("Excel cannot activate a hidden sheet")
        self._book.app._active = self

    @property
    def charts(self) -> "FakeCharts":
        return FakeCharts(self)

    @property
    def tables(self) -> "FakeTables":
        return FakeTables(self)

    @property
    def visible(self) -> bool:
        self.log("visible")
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self.log("visible=")
        self._visible = value


class FakeTables(_Guarded):
    """``Sheet.tables``: Excel's ListObjects; ``add`` makes one over a range (headers in its first row)."""

    _XLWINGS = "Tables"
    __slots__ = ("_sheet",)

    def __init__(self, sheet):
        self._sheet = sheet

    def add(self, source=None, name=None, has_headers=True, table_style_name="TableStyleMedium2"):
        self._sheet.log("tables.add()")
        if name in self._sheet.made_tables:
            raise ValueError("a table of that name exists")
        self._sheet.made_tables[name] = (source.r1, source.c1, source.r2, source.c2)


class FakeCharts(_Guarded):
    _XLWINGS = "Charts"
    _TEST_ONLY = frozenset()
    __slots__ = ("_sheet",)

    def __init__(self, sheet):
        self._sheet = sheet

    def __iter__(self):
        self._sheet.log("charts.__iter__")
        return iter(list(self._sheet._charts))

    def add(self, left=0, top=0, width=355, height=211, chart_type=None, source=None, anchor=None):
        self._sheet.log("charts.add()")
        chart = FakeChart(self._sheet, chart_type, source, anchor)
        self._sheet._charts.append(chart)
        return chart


class FakeChart(_Guarded):
    _XLWINGS = "Chart"
    _TEST_ONLY = frozenset({"kind", "source", "anchor"})
    __slots__ = ("_sheet", "kind", "source", "anchor", "_title")

    def __init__(self, sheet, chart_type, source, anchor):
        self._sheet, self.kind, self.source, self.anchor = sheet, chart_type, source, anchor
        self._title = None

    @property
    def title(self):
        return self._title

    @title.setter
    def title(self, value):
        self._sheet.log("chart.title=")
        self._title = value

    def delete(self):
        self._sheet.log("chart.delete()")
        self._sheet._charts.remove(self)


class FakeFont(_Guarded):
    _XLWINGS = "Font"
    _TEST_ONLY = frozenset()
    __slots__ = ("_range",)

    def __init__(self, rng):
        self._range = rng

    @property
    def bold(self):
        raise AttributeError("LiveBook never reads font.bold")

    @bold.setter
    def bold(self, value):
        self._range.sheet.log("font.bold=")
        for key in self._range.keys():
            (self._range.sheet.bold.add if value else self._range.sheet.bold.discard)(key)


class FakeRange(_Guarded):
    _XLWINGS = "Range"
    _TEST_ONLY = frozenset({"keys", "r1", "c1", "r2", "c2"})
    __slots__ = ("sheet", "r1", "c1", "r2", "c2", "_ndim")

    def __init__(self, sheet, r1, c1, r2, c2, ndim=None):
        self.sheet, self.r1, self.c1, self.r2, self.c2, self._ndim = sheet, r1, c1, r2, c2, ndim

    def keys(self):
        return [(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)]

    def options(self, ndim=None):
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim)

    @property
    def row(self) -> int:
        self.sheet.log("range.row")
        return self.r1

    @property
    def column(self) -> int:
        self.sheet.log("range.column")
        return self.c1

    @property
    def last_cell(self) -> "FakeRange":
        self.sheet.log("range.last_cell")
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)

    @property
    def value(self):
        self.sheet.log("range.value")
        windows = self.sheet._book._platform != "darwin"
        grid = [[_as_com(self.sheet, (r, c)) if windows else self.sheet.values.get((r, c))
                 for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return grid[0] if len(grid) == 1 else grid

    @value.setter
    def value(self, data):
        self.sheet.log("range.value=")
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [data]
        for i, row in enumerate(data):
            for j, value in enumerate(row):
                self.sheet.store((self.r1 + i, self.c1 + j), value)

    @property
    def formula(self):
        self.sheet.log("range.formula")

        def text(key):
            if key in self.sheet.formulas:
                return self.sheet.formulas[key]
            value = self.sheet.values.get(key)
            if value is None:
                return ""
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)

        grid = tuple(tuple(text((r, c)) for c in range(self.c1, self.c2 + 1))
                     for r in range(self.r1, self.r2 + 1))
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if self.sheet._book._platform == "darwin":  # AppleScript: lists, and one row comes flat
            return list(grid[0]) if len(grid) == 1 else [list(row) for row in grid]
        return grid

    @property
    def number_format(self):
        raise AttributeError("LiveBook never reads number_format")

    @number_format.setter
    def number_format(self, fmt: str):
        self.sheet.log("range.number_format=")
        for key in self.keys():
            self.sheet.number_formats[key] = fmt

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def color(self):
        raise AttributeError("LiveBook never reads color")

    @color.setter
    def color(self, color_or_rgb):
        self.sheet.log("range.color=")
        for key in self.keys():
            self.sheet.colors[key] = color_or_rgb

    @property
    def column_width(self):
        raise AttributeError("LiveBook never reads column_width")

    @column_width.setter
    def column_width(self, value):
        self.sheet.log("range.column_width=")
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = value

    @property
    def wrap_text(self):
        raise AttributeError("LiveBook never reads wrap_text")

    @wrap_text.setter
    def wrap_text(self, value: bool):
        self.sheet.log("range.wrap_text=")
        for key in self.keys():
            (self.sheet.wrapped.add if value else self.sheet.wrapped.discard)(key)

    @property
    def rows(self) -> "FakeRangeRows":
        return FakeRangeRows(self)

    @property
    def data_validation(self) -> "FakeDataValidation":
        return FakeDataValidation(self)

    def add_hyperlink(self, address: str, text_to_display: str | None = None, screen_tip: str | None = None):
        """Excel's ``Hyperlinks.Add``: the cell shows ``text_to_display`` (the address when none)."""
        self.sheet.log("range.add_hyperlink()")
        self.sheet.links[(self.r1, self.c1)] = address
        self.sheet.values[(self.r1, self.c1)] = address if text_to_display is None else text_to_display

    def add_note(self, text: str):
        self.sheet.log("range.add_note()")
        if (self.r1, self.c1) in self.sheet.notes:
            raise ValueError("cell already has a note")
        self.sheet.notes[(self.r1, self.c1)] = text


class FakeRangeRows(_Guarded):
    """``Range.rows``: only ``autofit()`` (Excel's ``Rows.AutoFit``: each row as tall as its contents)."""

    _XLWINGS = "RangeRows"
    _TEST_ONLY = frozenset()
    __slots__ = ("_range",)

    def __init__(self, rng):
        self._range = rng

    def autofit(self):
        self._range.sheet.log("range.rows.autofit()")
        self._range.sheet.fitted_rows.update(range(self._range.r1, self._range.r2 + 1))


class FakeDataValidation(_Guarded):
    """``Range.data_validation`` (xlwings 0.37.5): ``set_list`` as desktop xlwings checks it (no value
    holding « , » or « ; », at most 255 characters, not over cells with other rules), ``delete``,
    and ``api``, Excel's ``Validation`` object. A list made by ``set_list`` refuses other values
    (Excel's default alert style, « Stop », error alert shown)."""

    _XLWINGS = "DataValidation"
    _TEST_ONLY = frozenset()
    __slots__ = ("_range",)

    def __init__(self, rng):
        self._range = rng

    def delete(self):
        self._range.sheet.log("data_validation.delete()")
        for key in self._range.keys():
            self._range.sheet.validations.pop(key, None)

    def set_list(self, source, *, in_cell_dropdown=True):
        self._range.sheet.log("data_validation.set_list()")
        values = [str(v) for v in source]
        if not values:
            raise ValueError("source must not be empty")
        if any("," in v or ";" in v for v in values):
            raise ValueError("literal list values cannot contain ',' or ';'")
        if len(",".join(values)) > 255:
            raise ValueError("a literal list source cannot exceed 255 characters")
        rules = {id(self._range.sheet.validations.get(key)) for key in self._range.keys()}
        if len(rules) > 1:
            import xlwings

            raise xlwings.XlwingsError("Cannot update data validation because the target cells have "
                                       "different validation rules.")
        rule = {"values": tuple(values), "show_error": True, "alert": "stop", "dropdown": in_cell_dropdown}
        for key in self._range.keys():
            self._range.sheet.validations[key] = rule

    @property
    def api(self):
        """Excel's ``Validation`` object: COM on Windows, an appscript reference on macOS."""
        if self._range.sheet._book._platform == "darwin":
            return FakeAppscriptValidation(self._range)
        return FakeValidationCom(self._range)


# --- Excel's own object model, behind ``.api`` -------------------------------------------


class FakeValidationCom:
    """``Excel.Validation`` (COM): only ``ShowError`` (read/write: False lets any value in)."""

    _EXCEL = "Validation"
    _MEMBERS = ("ShowError",)
    __slots__ = ("_range",)

    def __init__(self, rng):
        object.__setattr__(self, "_range", rng)

    def __setattr__(self, name, value):
        if name not in self._MEMBERS:
            raise AttributeError(f"Excel.Validation has no settable {name!r} in this fake")
        self._range.sheet.log(f"api.Validation.{name}=")
        for key in self._range.keys():
            rule = self._range.sheet.validations.get(key)
            if rule is None:
                raise RuntimeError("no validation on these cells (COM error 0x800A03EC)")
            rule["show_error"] = bool(value)


class FakeAppscriptValidation:
    """AppleScript ``validation`` of a range: only ``show error`` (``.set(False)``)."""

    _EXCEL = "validation"
    __slots__ = ("_range",)

    def __init__(self, rng):
        self._range = rng

    @property
    def show_error(self) -> "FakeAppscriptProperty":
        def write(value):
            for key in self._range.keys():
                self._range.sheet.validations[key]["show_error"] = bool(value)
        return FakeAppscriptProperty(lambda what: self._range.sheet.log(f"api.validation.show_error.{what}"),
                                     lambda: None, write)



class FakeExcelCom:
    """``Excel.Application`` (COM): only ``ActiveWindow``."""

    _EXCEL = "Application"
    __slots__ = ("_app",)

    def __init__(self, app: FakeApp):
        self._app = app

    @property
    def ActiveWindow(self) -> "FakeComWindow":  # noqa: N802 — Excel's name
        self._app.log("api.ActiveWindow")
        return FakeComWindow(self._app)


class FakeComWindow:
    """``Excel.Window`` (COM): setting ``FreezePanes = True`` freezes above ``SplitRow``."""

    _EXCEL = "Window"
    _MEMBERS = ("FreezePanes", "SplitRow", "SplitColumn")
    __slots__ = ("_app", "_split")

    def __init__(self, app: FakeApp):
        object.__setattr__(self, "_app", app)
        object.__setattr__(self, "_split", {"SplitRow": 0, "SplitColumn": 0})

    def __setattr__(self, name, value):
        if name not in self._MEMBERS:
            raise AttributeError(f"Excel.Window has no settable {name!r} in this fake")
        self._app.log(f"api.ActiveWindow.{name}=")
        sheet = self._app._active
        if name == "FreezePanes":
            if sheet is not None:
                sheet.frozen = self._split["SplitRow"] if value else 0
        else:
            self._split[name] = value


class FakeWorkbookCom:
    """``Excel.Workbook`` (COM): ``SaveCopyAs`` writes what Excel holds now; ``Saved``."""

    _EXCEL = "Workbook"
    __slots__ = ("_book",)

    def __init__(self, book: FakeBook):
        self._book = book

    @property
    def Saved(self) -> bool:  # noqa: N802 — Excel's name
        self._book.app.log("api.Saved")
        return not self._book._dirty

    def SaveCopyAs(self, Filename: str) -> None:  # noqa: N802,N803 — Excel's names
        """Excel writes the open workbook to ``Filename``; the workbook stays as it was (path, Saved)."""
        self._book.app.log("api.SaveCopyAs()")
        write_xlsx(self._book, Filename)


class FakeAppscriptProperty:
    """An appscript property reference: ``.get()``, ``.set(value)``."""

    _EXCEL = "property reference"
    __slots__ = ("_read", "_write", "_log")

    def __init__(self, log, read, write=None):
        self._log, self._read, self._write = log, read, write

    def get(self):
        self._log("get")
        return self._read()

    def set(self, value):
        if self._write is None:
            raise RuntimeError("read-only AppleScript property")
        self._log("set")
        self._write(value)


class FakeAppscriptApp:
    """``app('Microsoft Excel')`` (appscript): only ``active_window``."""

    _EXCEL = "application"
    __slots__ = ("_app",)

    def __init__(self, app: FakeApp):
        self._app = app

    @property
    def active_window(self) -> "FakeAppscriptWindow":
        return FakeAppscriptWindow(self._app)


class FakeAppscriptWindow:
    """AppleScript ``window``: ``freeze panes``, ``split row``, ``split column``."""

    _EXCEL = "window"
    __slots__ = ("_app", "_split")

    def __init__(self, app: FakeApp):
        self._app = app
        self._split = {"split_row": 0, "split_column": 0}

    def _prop(self, name, write):
        return FakeAppscriptProperty(lambda what: self._app.log(f"api.active_window.{name}.{what}"),
                                     lambda: None, write)

    @property
    def freeze_panes(self):
        def write(value):
            sheet = self._app._active
            if sheet is not None:
                sheet.frozen = self._split["split_row"] if value else 0
        return self._prop("freeze_panes", write)

    @property
    def split_row(self):
        return self._prop("split_row", lambda v: self._split.__setitem__("split_row", v))

    @property
    def split_column(self):
        return self._prop("split_column", lambda v: self._split.__setitem__("split_column", v))


class FakeAppscriptWorkbook:
    """AppleScript ``workbook``: only ``saved`` (its dictionary has no "save copy as")."""

    _EXCEL = "workbook"
    __slots__ = ("_book",)

    def __init__(self, book: FakeBook):
        self._book = book

    @property
    def saved(self) -> FakeAppscriptProperty:
        return FakeAppscriptProperty(lambda what: self._book.app.log(f"api.saved.{what}"),
                                     lambda: not self._book._dirty)


# --- helpers --------------------------------------------------------------------------------


def write_xlsx(book: FakeBook, path) -> None:
    """The fake workbook as an .xlsx (what Excel's SaveCopyAs writes; formulas without results)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in book._sheets:
        ws = wb.create_sheet(sheet._name)
        for (r, c), value in sheet.values.items():
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a text starting with "=" is a text here too
        for (r, c), formula in sheet.formulas.items():
            ws.cell(row=r, column=c, value=formula)
        for (r, c), fmt in sheet.number_formats.items():
            ws.cell(row=r, column=c).number_format = fmt
        if not sheet._visible:
            ws.sheet_state = "hidden"
    wb.save(path)


def from_xlsx(path, fullname: str | None = None, platform: str = "win32") -> FakeBook:
    """Test helper: a fake Excel holding the workbook at ``path`` as Excel would open it."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                value = cell.value
                if isinstance(value, str) and cell.data_type != "f" and value.startswith(("=", "'")):
                    value = "'" + value  # a text: seeding reads a leading apostrophe as Excel's text marker
                cells[(cell.row, cell.column)] = value
        sheets[ws.title] = cells
    book = FakeBook(sheets, fullname=str(fullname or path), platform=platform)
    for ws, sheet in zip(wb.worksheets, book._sheets):
        for row in ws.iter_rows():
            for cell in row:
                if cell.number_format and cell.number_format != "General":
                    sheet.number_formats[(cell.row, cell.column)] = cell.number_format
    return book


_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)(%?)")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_DAY_MONTH = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?")
_BOOLEANS = {"TRUE": True, "VRAI": True, "FALSE": False, "FAUX": False}


def _typed(text: str) -> tuple[str, object]:
    """("text" | "formula" | "value", what Excel keeps) for a text typed in a General cell."""
    if text.startswith("'"):
        return "text", text[1:]
    number = _NUMBER.fullmatch(text.strip())
    if number:
        value = float(number.group(0).rstrip("%").replace(",", "."))
        return "value", value / 100 if number.group(3) else value
    if text.startswith(("=", "+", "-", "@")):
        return "formula", text if text.startswith("=") else "=" + text.lstrip("+@")
    for pattern, order in ((_YEAR_MONTH, "ymd"), (_DAY_MONTH, "dmy")):
        match = pattern.fullmatch(text.strip())
        if match:
            parts = dict(zip(order, match.groups()))
            try:
                year = int(parts["y"] or datetime.now().year)
                return "value", datetime(year + 2000 if year < 100 else year, int(parts["m"]),
                                         int(parts["d"] or 1))
            except ValueError:
                break
    if text.strip().upper() in _BOOLEANS:
        return "value", _BOOLEANS[text.strip().upper()]
    return "text", text


_CURRENCY_FORMAT = re.compile(r"€|\$|\[\$")


def _as_com(sheet, key):
    """A cell's value as COM hands it to Python: Excel gives a currency-formatted number as
    VT_CY (``Range.Value``, not ``Value2``), which pywin32 turns into a Decimal of 4 places."""
    value = sheet.values.get(key)
    fmt = sheet.number_formats.get(key, "")
    if isinstance(value, float) and _CURRENCY_FORMAT.search(fmt):
        return Decimal(round(value * 10_000)) / 10_000  # VT_CY: an integer count of 1/10,000ths
    return value


def _held(value: object) -> object:
    """A non-text value as Excel holds it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    # xlwings raises on types it cannot convert (Decimal included)
    raise TypeError(f"xlwings cannot write {type(value).__name__}")


def _cell(ref) -> tuple[int, int]:
    if isinstance(ref, tuple):
        return ref
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref.upper())
    if not match:
        raise ValueError(f"fake range supports 'A1' or (row, col), not {ref!r}")
    return int(match.group(2)), column_index_from_string(match.group(1))


__all__ = ["FakeBook", "from_xlsx", "get_column_letter", "write_xlsx"]
