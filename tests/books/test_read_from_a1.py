"""A sheet read by FileBook starts at A1 whatever its used area: a cell's indexes are its coordinates
(the reference is calamine's own ``to_python(skip_empty_area=False)``)."""

from datetime import date

import openpyxl
import pytest
import python_calamine

from addin.books.file import FileBook, _plain_row, _trim

LAYOUTS = {
    "from A1": {"A1": "N°", "B1": "Client", "A2": "F1", "B2": 3.0, "C3": date(2025, 1, 2)},
    "from C5": {"C5": "a", "E7": 3.5, "D9": "x"},
    "from A4": {"A4": "N°", "B4": "Client", "A5": "F1", "B6": 12},
    "from D1": {"D1": "titre", "E2": 1.25, "F3": "fin"},
    "one cell far away": {"H20": "seul"},
    "empty": {},
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_sheet_reads_from_a1_whatever_its_used_area(tmp_path, layout):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in LAYOUTS[layout].items():
        ws[ref] = value
    wb.save(path)
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S")
    want = _trim([_plain_row(r) for r in sheet.to_python(skip_empty_area=False)])
    got = FileBook.open(path).read_sheet("S").rows
    assert got == want
    for ref, value in LAYOUTS[layout].items():
        cell = ws[ref]
        assert got[cell.row - 1][cell.column - 1] == (value if not isinstance(value, float) or not value.is_integer()
                                                       else int(value))
