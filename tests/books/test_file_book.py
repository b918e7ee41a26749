"""FileBook: reading cached values, writing blocks and generated sheets, keeping the rest."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from addin.books.base import Block, BookError, ChartSpec, GeneratedSheet
from addin.books.file import FileBook


def test_read_returns_cached_values_formula_cells_and_merges(rich, tmp_path):
    # openpyxl never calculates: give the formula a cached value as Excel would have saved it.
    book = FileBook.open(rich)
    data = book.read_sheet("Factures")
    assert data.rows[0][:3] == ("N° facture", "Code client", "Date facture")
    assert data.rows[1][0] == "F-001"
    assert data.rows[1][2] == date(2024, 1, 1)  # a date, not a serial number
    assert data.rows[1][3] == 100.5
    assert (2, 9) in data.formulas and len(data.formulas) == 1
    assert (4, 9, 5, 10) in data.merged
    assert book.sheet_names() == ["Factures", "Notes perso"]


def test_read_gives_formula_cached_value_from_the_file(tmp_path):
    # Build the cached value by hand in the sheet XML, as Excel writes it: <f> plus <v>.
    from tests.books.conftest import rewrite_zip

    path = tmp_path / "calc.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 2
    wb.active["A2"] = "=A1*21"
    wb.save(path)

    def add_cache(parts):
        xml = parts["xl/worksheets/sheet1.xml"]
        # openpyxl writes an empty <v/> or <v></v> (with lxml) after the formula.
        new = re.sub(rb"<f>A1\*21</f><v\s*(/>|></v>)", b"<f>A1*21</f><v>42</v>", xml)
        assert new != xml
        parts["xl/worksheets/sheet1.xml"] = new

    rewrite_zip(path, add_cache)
    data = FileBook.open(path).read_sheet("Sheet")
    assert data.rows == ((2,), (42,))
    assert data.formulas == frozenset({(2, 1)})


def test_write_cells_text_is_never_a_formula(rich):
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_cells("Factures", 2, 7, [["=1+1"], ["+33 6 12"], ["-x"], ["@home"]])
    book.save()
    ws = openpyxl.load_workbook(rich)["Factures"]
    for row, text in zip(range(2, 6), ["=1+1", "+33 6 12", "-x", "@home"]):
        assert ws.cell(row=row, column=7).value == text
        assert ws.cell(row=row, column=7).data_type == "s"


def test_write_cells_formats_per_column_and_keeps_styles(rich):
    book = FileBook.open(rich, today=date(2024, 6, 1))
    block = [[date(2024, 2, 1), Decimal("1234.56"), Decimal("0.1315"), 3, "x"]] * 2
    book.write_cells("Factures", 2, 5, block, ["date", "money", "percent", "int", "text"])
    book.save()
    ws = openpyxl.load_workbook(rich)["Factures"]
    assert ws["E2"].value == datetime(2024, 2, 1)
    assert ws["E2"].number_format == "dd/mm/yyyy"
    assert ws["F2"].value == 1234.56 and isinstance(ws["F2"].value, float)
    assert ws["F2"].number_format == '#,##0.00 "€"'
    assert ws["G2"].number_format == "0.00 %"
    assert ws["H2"].number_format == "0"
    assert ws["I3"].number_format == "@"
    # The shading the user (or the template) gave the computed column stays.
    assert ws["F2"].fill.start_color.rgb.endswith("FFF2CC")
    assert ws["F2"].font.italic


def test_unknown_format_is_refused(rich):
    book = FileBook.open(rich)
    with pytest.raises(ValueError):
        book.write_cells("Factures", 2, 5, [[1]], ["euros"])


def test_missing_sheet_is_a_book_error(rich):
    with pytest.raises(BookError):
        FileBook.open(rich).read_sheet("Nope")


def _snapshot(path, skip):
    """Every cell's value and look, every sheet-level setting, except the cells in ``skip``."""
    wb = openpyxl.load_workbook(path)
    snap = {"names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
            "sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if (ws.title, c.coordinate) in skip:
                    continue
                cells[c.coordinate] = (c.value, c.number_format, c.font.b, c.font.i,
                                       c.fill.start_color.rgb, c.comment.text if c.comment else None)
        snap[ws.title] = {
            "cells": cells,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "dv": [(str(d.sqref), d.formula1) for d in ws.data_validations.dataValidation],
            "cf": [(str(r.sqref), [x.formula for x in r.rules]) for r in ws.conditional_formatting],
            "tables": dict(ws.tables.items()),
            "local_names": sorted(ws.defined_names),
            "images": len(ws._images),
            "charts": len(ws._charts),
            "freeze": ws.freeze_panes,
        }
    return snap


def test_save_changes_only_the_written_cells(rich):
    before = _snapshot(rich, skip={("Factures", f"{c}{r}") for c in "EF" for r in range(2, 12)})
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_cells("Factures", 2, 5, [[date(2024, 3, i), Decimal(i)] for i in range(1, 11)],
                     ["date", "money"])
    book.save()
    after = _snapshot(rich, skip={("Factures", f"{c}{r}") for c in "EF" for r in range(2, 12)})
    assert after == before
    ws = openpyxl.load_workbook(rich)["Factures"]
    assert ws["E11"].value == datetime(2024, 3, 10) and ws["F11"].value == 10


def test_generated_sheet_layout(rich):
    book = FileBook.open(rich, today=date(2024, 6, 1))
    sheet = GeneratedSheet(
        name="Revue",
        blocks=(Block("Balance âgée", ("Client", "Non échu", "Échéance"),
                      ((("C1", Decimal("10.5"), date(2024, 7, 1)), ("C2", Decimal("3"), date(2024, 8, 1))))),
                Block("", ("Total",), ((Decimal("13.5"),),), formats=("money",), widths=(22,))),
        charts=(ChartSpec("Encours", categories=(3, 1, 4, 1), values=(2, 2, 4, 2), anchor="F2"),),
        note="Feuille régénérée par Relance.",
        hidden=True,
    )
    book.write_generated(sheet)
    # Replacing keeps its place among the tabs and drops the old content.
    book.write_generated(sheet)
    book.save()
    wb = openpyxl.load_workbook(rich)
    assert wb.sheetnames == ["Factures", "Notes perso", "Revue"]
    ws = wb["Revue"]
    assert ws["A1"].value == "Balance âgée" and ws["A1"].font.b
    assert ws["A2"].value == "Client" and ws["A2"].font.b and ws["A2"].fill.fill_type == "solid"
    assert ws["B3"].value == 10.5 and ws["B3"].number_format == '#,##0.00 "€"'
    assert ws["C3"].number_format == "dd/mm/yyyy"
    assert ws["A6"].value == "Total" and ws["A7"].value == 13.5  # blank row 5 between blocks
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 22
    assert ws.sheet_state == "hidden"
    assert ws["A1"].comment.text.startswith("Feuille régénérée")
    assert len(ws._charts) == 1


def test_regenerating_a_sheet_removes_old_rows(rich):
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_generated(GeneratedSheet("Relances", (Block("", ("A",), tuple((i,) for i in range(50))),)))
    book.save()
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_generated(GeneratedSheet("Relances", (Block("", ("A",), ((1,),)),)))
    book.save()
    assert FileBook.open(rich).read_sheet("Relances").rows == (("A",), (1,))


def test_append_rows_below_last_used_row_and_grows_the_table(rich):
    book = FileBook.open(rich, today=date(2024, 6, 1))
    first = book.append_rows("Factures", [["F-011", "C1"], ["F-012", "C2"]])
    assert first == 12
    assert book.read_sheet("Factures").rows[12][:2] == ("F-012", "C2")
    book.save()
    ws = openpyxl.load_workbook(rich)["Factures"]
    assert ws["A13"].value == "F-012"
    assert ws.tables["TFactures"].ref == "A1:G13"


def test_xlsm_keeps_its_macros(tmp_path):
    from tests.books.conftest import rewrite_zip

    path = tmp_path / "Registre.xlsm"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(path)
    vba = bytes(range(256)) * 40

    def add_vba(parts):
        parts["xl/vbaProject.bin"] = vba
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
                ).replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                  b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
            b'vbaProject" Target="vbaProject.bin"/></Relationships>')

    rewrite_zip(path, add_vba)
    book = FileBook.open(path, today=date(2024, 6, 1))
    book.write_cells("Sheet", 2, 1, [["x"]])
    book.save()
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == vba


def test_appended_dates_and_amounts_take_the_french_column_format(tmp_path):
    """openpyxl stamps a new date cell "yyyy-mm-dd": an appended row must look like a typed one."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Paiements"
    ws.append(["Date", "Montant", "Note"])
    ws.column_dimensions["B"].number_format = '#,##0.00 "€"'
    wb.save(tmp_path / "p.xlsx")
    book = FileBook.open(tmp_path / "p.xlsx", today=date(2024, 6, 1), backups=0)
    book.append_rows("Paiements", [[date(2025, 3, 15), 1200.5, datetime(2025, 3, 16)]])
    book.save()
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["Paiements"]
    assert ws["A2"].number_format == "dd/mm/yyyy"
    assert ws["B2"].number_format == '#,##0.00 "€"'
    assert ws["C2"].number_format == "dd/mm/yyyy"


def test_a_link_in_a_generated_sheets_rows_is_a_hyperlink_and_plain_rows_stay_rows(rich):
    from addin.books.base import Link

    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_generated(GeneratedSheet("Relances", (Block("", ("Client", "Lettre"), (
        ("C1", "aucune"), ("C2", Link("lettre C2", "https://example.com/c2.pdf")))),)))
    book.write_generated(GeneratedSheet("Revue", (Block("", ("Client", "Montant"), (("C1", 1), ("C2", 2))),)))
    # Without a link, the rows are kept as rows (written row by row, never a dict of cells).
    assert book._generated["Revue"][1].rows and not book._generated["Relances"][1].rows
    book.save()
    ws = openpyxl.load_workbook(rich)["Relances"]
    assert ws["B3"].value == "lettre C2" and ws["B3"].hyperlink.target == "https://example.com/c2.pdf"
    assert ws["B2"].hyperlink is None and openpyxl.load_workbook(rich)["Revue"]["B3"].value == 2
