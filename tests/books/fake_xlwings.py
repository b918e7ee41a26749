"""A stand-in for the few xlwings objects ``LiveBook`` uses, backed by dicts, logging calls.

This fake is the one part of the books tests NOT run against real Excel: it
reproduces the behaviour of xlwings 0.37 on Windows as documented (and as
``LiveBook`` relies on it), nothing more. It exposes exactly what ``LiveBook``
touches — ``Book.sheets`` (iterate, ``[name]``, ``[index]``, ``len``,
``add(name, after=)``), ``Book.app.status_bar``, ``Sheet.name``,
``Sheet.used_range``, ``Sheet.range(a, b=None)``, ``Sheet.clear()``,
``Sheet.charts`` (iterate, ``add(...)``; ``Chart.title``, ``Chart.delete()``),
``Sheet.freeze_panes.freeze_at``, ``Sheet.visible``; ``Range.value`` (get/set),
``Range.options(ndim=2)``, ``Range.formula``, ``Range.number_format`` (set),
``Range.row``, ``Range.column``, ``Range.last_cell``, ``Range.font.bold``,
``Range.color``, ``Range.column_width``, ``Range.add_note`` — and an attribute
it does not know raises ``AttributeError``, so LiveBook cannot start using more
of xlwings without this file (and its review) following.

Excel's behaviour reproduced: numbers come back as floats and dates as
datetimes; a text written with a leading apostrophe is stored without it; a
text starting with "=" is stored as a formula (whose value stays unknown here);
``formula`` gives the formula of formula cells and the constant's text of the
others. Every operation that would cross to Excel appends one entry to
``FakeApp.calls``.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from openpyxl.utils import column_index_from_string, get_column_letter


class FakeApp:
    __slots__ = ("calls", "_status", "_selection")

    def __init__(self):
        self.calls: list[str] = []
        self._status = False
        self._selection = None

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


class FakeSelection:
    """The active cell as xlwings gives it: ``.sheet`` and ``.row``."""

    __slots__ = ("sheet", "row", "column")

    def __init__(self, sheet, row: int, column: int):
        self.sheet, self.row, self.column = sheet, row, column


class FakeBook:
    __slots__ = ("app", "_sheets", "fullname")

    def __init__(self, sheets: dict[str, dict[tuple[int, int], object]] | None = None,
                 fullname: str = "/tmp/Registre.xlsx"):
        self.app = FakeApp()
        self.fullname = fullname
        self._sheets: list[FakeSheet] = []
        for name, cells in (sheets or {}).items():
            sheet = FakeSheet(self, name)
            for key, value in cells.items():
                sheet.store(key, value)
            self._sheets.append(sheet)

    @property
    def sheets(self) -> "FakeSheets":
        return FakeSheets(self)


class FakeSheets:
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
        self._book.app.log(f"sheets.add({name!r})")
        sheet = FakeSheet(self._book, name)
        index = self._book._sheets.index(after) + 1 if after is not None else len(self._book._sheets)
        self._book._sheets.insert(index, sheet)
        return sheet


class FakeSheet:
    __slots__ = ("_book", "_name", "values", "formulas", "number_formats", "bold", "colors", "widths",
                 "notes", "_visible", "_charts", "frozen")

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
        self._visible = True
        self._charts: list[FakeChart] = []
        self.frozen: str | None = None

    def log(self, what: str) -> None:
        self._book.app.log(f"{self._name}.{what}")

    def store(self, key: tuple[int, int], value: object) -> None:
        """What Excel keeps when a value is entered in a cell."""
        self.values.pop(key, None)
        self.formulas.pop(key, None)
        if value is None or value == "":
            return
        if isinstance(value, str) and value.startswith("'"):
            self.values[key] = value[1:]
        elif isinstance(value, str) and value.startswith("="):
            self.formulas[key] = value
        elif isinstance(value, bool):
            self.values[key] = value
        elif isinstance(value, (int, float)):
            self.values[key] = float(value)
        elif isinstance(value, datetime):
            self.values[key] = value
        elif isinstance(value, date):
            self.values[key] = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            self.values[key] = value
        else:  # xlwings raises on types it cannot convert (Decimal included)
            raise TypeError(f"xlwings cannot write {type(value).__name__}")

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

    def range(self, first, last=None) -> "FakeRange":
        self.log(f"range({first!r}, {last!r})")
        r1, c1 = _cell(first)
        r2, c2 = _cell(last) if last is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def clear(self) -> None:
        self.log("clear()")
        for store in (self.values, self.formulas, self.number_formats, self.colors, self.notes):
            store.clear()
        self.bold.clear()

    @property
    def charts(self) -> "FakeCharts":
        return FakeCharts(self)

    @property
    def freeze_panes(self) -> "FakeFreezePanes":
        return FakeFreezePanes(self)

    @property
    def visible(self) -> bool:
        self.log("visible")
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self.log("visible=")
        self._visible = value


class FakeFreezePanes:
    __slots__ = ("_sheet",)

    def __init__(self, sheet):
        self._sheet = sheet

    def freeze_at(self, where: str) -> None:
        self._sheet.log(f"freeze_at({where!r})")
        self._sheet.frozen = where


class FakeCharts:
    __slots__ = ("_sheet",)

    def __init__(self, sheet):
        self._sheet = sheet

    def __iter__(self):
        self._sheet.log("charts.__iter__")
        return iter(list(self._sheet._charts))

    def add(self, left=0, top=0, width=355, height=211, chart_type=None, source=None, anchor=None, **_):
        self._sheet.log("charts.add()")
        chart = FakeChart(self._sheet, chart_type, source, anchor)
        self._sheet._charts.append(chart)
        return chart


class FakeChart:
    __slots__ = ("_sheet", "chart_type", "source", "anchor", "_title")

    def __init__(self, sheet, chart_type, source, anchor):
        self._sheet, self.chart_type, self.source, self.anchor = sheet, chart_type, source, anchor
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


class FakeFont:
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


class FakeRange:
    __slots__ = ("sheet", "r1", "c1", "r2", "c2", "_ndim")

    def __init__(self, sheet, r1, c1, r2, c2, ndim=None):
        self.sheet, self.r1, self.c1, self.r2, self.c2, self._ndim = sheet, r1, c1, r2, c2, ndim

    def keys(self):
        return [(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)]

    def options(self, ndim=None, **_):
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
        grid = [[self.sheet.values.get((r, c)) for c in range(self.c1, self.c2 + 1)]
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
        return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else grid

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
    def color(self, rgb):
        self.sheet.log("range.color=")
        for key in self.keys():
            self.sheet.colors[key] = rgb

    @property
    def column_width(self):
        raise AttributeError("LiveBook never reads column_width")

    @column_width.setter
    def column_width(self, width):
        self.sheet.log("range.column_width=")
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = width

    def add_note(self, text: str):
        self.sheet.log("range.add_note()")
        if (self.r1, self.c1) in self.sheet.notes:
            raise ValueError("cell already has a note")
        self.sheet.notes[(self.r1, self.c1)] = text


def _cell(ref) -> tuple[int, int]:
    if isinstance(ref, tuple):
        return ref
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref.upper())
    if not match:
        raise ValueError(f"fake range supports 'A1' or (row, col), not {ref!r}")
    return int(match.group(2)), column_index_from_string(match.group(1))


__all__ = ["FakeBook", "get_column_letter"]
