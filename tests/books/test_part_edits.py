"""The part-by-part save on workbooks written by others: LibreOffice, Excel's naming, SDK prefixes.

The promise: what Relance does not write keeps its bytes, so a workbook saved by a
spreadsheet (with its notes, cached formula results, custom properties…) comes out
of a refresh with all of it, and a second refresh changes nothing.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from addin.actions import refresh
from addin.books.base import Block, ChartSpec, GeneratedSheet
from addin.books.file import FileBook
from addin.books.xlsx import SheetXml, Styles, excel_serial
from tests import libreoffice
from tests.actions.test_refresh import TODAY, fill_template


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


INPUT_SHEETS = ("Paramètres", "Clients", "Factures", "Paiements", "Échéanciers", "Scénarios", "Taux")


def notes_of_input_sheets(path: Path) -> dict[str, bytes]:
    """Each input sheet's notes part (by sheet name), as stored."""
    from addin.books.package import Package
    from addin.books.xlsx import REL_COMMENTS, WorkbookPart

    package = Package(path.read_bytes())
    out = {}
    for entry in WorkbookPart(package).sheets:
        if entry.name in INPUT_SHEETS:
            for rel in package.rels(entry.part):
                if rel.type == REL_COMMENTS:
                    out[entry.name] = package.read(rel.target)
    return out


def cells(path: Path, sheet: str) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory) -> Path:
    """The template filled by hand, with formulas in input cells, then saved by LibreOffice."""
    folder = tmp_path_factory.mktemp("lo")
    source = fill_template(folder / "source.xlsx")
    wb = openpyxl.load_workbook(source)
    ws = wb["Factures"]
    header = [c.value for c in ws[1]]
    ttc = header.index("Montant TTC") + 1
    ws.cell(row=3, column=ttc, value="=600*2")  # F002: 1,200.00 typed as a formula
    pays = wb["Paiements"]
    pays.cell(row=3, column=4, value="=1000+1000")  # the unnamed payment, 2,000.00
    wb.save(source)
    return libreoffice.convert(source, "xlsx", folder / "out", folder / "profile")


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_is_refreshed_and_keeps_everything(saved_by_libreoffice, tmp_path):
    path = tmp_path / "registre.xlsx"
    shutil.copyfile(saved_by_libreoffice, path)
    before = parts(path)
    result = refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    assert result.summary
    after = parts(path)
    # LibreOffice's own parts (its custom properties, the theme) and every input sheet's
    # notes (LibreOffice names them xl/commentsN.xml) keep their bytes.
    assert after["docProps/custom.xml"] == before["docProps/custom.xml"]
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    notes = notes_of_input_sheets(saved_by_libreoffice)
    assert len(notes) >= 5 and notes == notes_of_input_sheets(path)
    values = cells(path, "Factures")
    # The formula inputs keep their cached results, so the engine used them: F002 is 1,200.00.
    header = {v: k[:-1] for k, v in values.items() if k.endswith("1") and not k[:-1].isdigit()
              and re.fullmatch(r"[A-Z]+1", k)}
    assert values[f"{header['Montant TTC']}3"] == 1200
    assert values[f"{header['Reste dû']}3"] == 1200


@pytest.mark.libreoffice
def test_formula_inputs_survive_two_refreshes(saved_by_libreoffice, tmp_path):
    path = tmp_path / "registre.xlsx"
    shutil.copyfile(saved_by_libreoffice, path)
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    first = FileBook.open(path).read_sheet("Factures")
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    second = FileBook.open(path).read_sheet("Factures")
    assert first.rows == second.rows
    assert first.formulas == second.formulas and first.formulas  # still formulas, values cached
    stored = b"".join(data for name, data in parts(path).items() if name.startswith("xl/worksheets/"))
    assert re.search(rb"<f[^>]*>600\*2</f><v>1200</v>", stored)
    assert re.search(rb"<f[^>]*>1000\+1000</f><v>2000</v>", stored)


@pytest.mark.libreoffice
def test_the_refreshed_workbook_opens_in_libreoffice_with_its_values(saved_by_libreoffice, tmp_path):
    path = tmp_path / "registre.xlsx"
    shutil.copyfile(saved_by_libreoffice, path)
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    again = libreoffice.convert(path, "xlsx", tmp_path / "again", tmp_path / "profile")
    ours, theirs = cells(path, "Factures"), cells(again, "Factures")
    for ref, value in ours.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert theirs.get(ref) == pytest.approx(value), ref


def test_excel_part_names_are_not_mistaken_for_losses(tmp_path):
    # Excel names notes xl/commentsN.xml and their drawing vmlDrawingN.vml: nothing to refuse.
    path = fill_template(tmp_path / "r.xlsx")
    renamed = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as dst:
        names = {}
        for n in src.namelist():
            if m := re.fullmatch(r"xl/comments/comment(\d+)\.xml", n):
                names[n] = f"xl/comments{m[1]}.xml"
            if m := re.fullmatch(r"xl/drawings/commentsDrawing(\d+)\.vml", n):
                names[n] = f"xl/drawings/vmlDrawing{m[1]}.vml"
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".rels") or info.filename == "[Content_Types].xml":
                for old, new in names.items():
                    data = data.replace(("/" + old).encode(), ("/" + new).encode())
            dst.writestr(names.get(info.filename, info.filename), data)
    assert names
    notes = notes_of_input_sheets(renamed)
    refresh.run(FileBook.open(renamed, today=TODAY), today=TODAY)
    assert len(notes) >= 5 and notes_of_input_sheets(renamed) == notes


def test_a_filter_or_print_area_on_a_generated_sheet_does_not_block_a_refresh(tmp_path):
    path = fill_template(tmp_path / "r.xlsx")
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    wb = openpyxl.load_workbook(path)
    wb["Relances"].auto_filter.ref = "A2:D5"
    wb["Relances"].print_area = "A1:H20"
    wb.save(path)
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    assert "_xlnm.Print_Area" in parts(path)["xl/workbook.xml"].decode()


def test_computed_cells_take_their_column_shading(tmp_path):
    path = fill_template(tmp_path / "r.xlsx")
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY)
    ws = openpyxl.load_workbook(path)["Factures"]
    header = {c.value: c.column for c in ws[1]}
    shaded = ws.cell(row=1, column=header["Reste dû"]).fill.fgColor.rgb
    for row in range(2, 8):
        cell = ws.cell(row=row, column=header["Reste dû"])
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb != "00000000", row
        assert cell.number_format == '#,##0.00 "€"'
    assert shaded


# --- the sheet splicer ---------------------------------------------------------------------


def test_an_overwritten_shared_formula_leaves_its_other_cells_a_formula_of_their_own():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B4" si="0">A2*2</f><v>2</v></c></row>'
           b'<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="0"/><v>4</v></c></row>'
           b'<row r="4"><c r="A4"><v>3</v></c><c r="B4"><f t="shared" si="0"/><v>6</v></c></row>'
           b'</sheetData></worksheet>')
    out = SheetXml(xml).patch({2: {2: (99, None)}}, Styles(None), False)
    assert b'<c r="B2"><v>99</v></c>' in out
    assert b'<c r="B3"><f>A3*2</f><v>4</v></c>' in out and b'<c r="B4"><f>A4*2</f><v>6</v></c>' in out
    assert b"si=" not in out


def test_a_sheet_written_with_a_namespace_prefix_is_spliced_with_it():
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           b'<x:row r="1"><x:c r="A1" t="str"><x:v>N</x:v></x:c><x:c r="C1"><x:v>3</x:v></x:c></x:row>'
           b'</x:sheetData></x:worksheet>')
    out = SheetXml(xml).patch({1: {2: ("=1+1", None)}, 3: {1: (D("1.50"), None)}}, Styles(None), False)
    assert (b'<x:c r="A1" t="str"><x:v>N</x:v></x:c><x:c r="B1" t="inlineStr"><x:is>'
            b'<x:t xml:space="preserve">=1+1</x:t></x:is></x:c><x:c r="C1"><x:v>3</x:v></x:c>') in out
    assert b'<x:row r="3"><x:c r="A3"><x:v>1.5</x:v></x:c></x:row>' in out


def test_cells_and_rows_without_positions_are_placed_right():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>'
           b'</sheetData></worksheet>')
    sheet = SheetXml(xml)
    assert list(sheet.rows()) == [(1, [(1, b"<c><v>1</v></c>"), (2, b"<c><v>2</v></c>")]),
                                  (2, [(1, b"<c><v>3</v></c>")])]
    out = sheet.patch({1: {3: (9, None)}}, Styles(None), False)
    assert b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>9</v></c></row>' in out
    assert b'<row r="2"><c r="A2"><v>3</v></c></row>' in out  # positions made explicit


def test_dates_follow_the_workbook_date_system():
    # 1 Jan 2025 is serial 45658 in the 1900 system and 44196 in the Mac 1904 system.
    assert excel_serial(date(2025, 1, 1)) == 45658
    assert excel_serial(date(2025, 1, 1), date1904=True) == 44196


def test_a_mac_1904_workbook_gets_its_dates_right(tmp_path):
    path = tmp_path / "mac.xlsx"
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.active.title = "S"
    wb.active["A1"] = "x"
    wb.save(path)
    book = FileBook.open(path)
    book.write_cells("S", 2, 1, [[date(2025, 3, 15)]])
    book.save()
    assert openpyxl.load_workbook(path)["S"]["A2"].value.date() == date(2025, 3, 15)
    assert FileBook.open(path).read_sheet("S").rows[1][0] == date(2025, 3, 15)


def test_several_new_sheets_in_one_save_each_get_their_own_part(tmp_path):
    path = tmp_path / "w.xlsx"
    openpyxl.Workbook().save(path)
    book = FileBook.open(path)
    for name in ("Un", "Deux", "Trois"):
        book.write_generated(GeneratedSheet(name, (Block("", ("Nom",), ((name,),)),), note=f"note {name}"))
    book.write_generated(GeneratedSheet("Graphique", (Block("T", ("Tranche", "Montant"),
                                                             (("a", D(1)), ("b", D(2)))),),
                                        charts=(ChartSpec("Titre", (3, 1, 4, 1), (2, 2, 4, 2)),)))
    book.save()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Sheet", "Un", "Deux", "Trois", "Graphique"]
    assert [wb[n]["A2"].value for n in ("Un", "Deux", "Trois")] == ["Un", "Deux", "Trois"]
    assert wb["Deux"]["A1"].comment.text == "note Deux"
    assert len(wb["Graphique"]._charts) == 1
    # And again: the same bytes (part names, ids and styles are reused, not added).
    first = path.read_bytes()
    book = FileBook.open(path)
    for name in ("Un", "Deux", "Trois"):
        book.write_generated(GeneratedSheet(name, (Block("", ("Nom",), ((name,),)),), note=f"note {name}"))
    book.write_generated(GeneratedSheet("Graphique", (Block("T", ("Tranche", "Montant"),
                                                             (("a", D(1)), ("b", D(2)))),),
                                        charts=(ChartSpec("Titre", (3, 1, 4, 1), (2, 2, 4, 2)),)))
    book.save()
    assert path.read_bytes() == first


# --- what Excel would misread silently (found by validating the output against the spec) --------


def test_rows_appended_to_an_empty_table_make_it_grow(tmp_path):
    # Excel keeps an empty table as its header and one blank row (A1:B2): appending three rows
    # makes it A1:B4, so filters, banding and names over its columns cover them.
    from openpyxl.worksheet.table import Table

    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Code", "Nom"])
    ws.add_table(Table(displayName="tblClients", ref="A1:B2"))
    wb.save(path)
    book = FileBook.open(path)
    assert book.append_rows("Clients", [["C1", "Un"], ["C2", "Deux"], ["C3", "Trois"]]) == 2
    book.save()
    assert openpyxl.load_workbook(path)["Clients"].tables["tblClients"].ref == "A1:B4"


def test_a_date_in_a_libreoffice_general_cell_gets_a_date_format():
    # LibreOffice declares General as a custom format (id 164): a date written there must not
    # show as 46356.22.
    styles = Styles(
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<numFmts count="1"><numFmt numFmtId="164" formatCode="General"/></numFmts>'
        b'<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        b'<cellXfs count="1"><xf numFmtId="164" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>')
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    from datetime import datetime, time

    out = SheetXml(xml).patch({2: {1: (date(2026, 11, 23), None), 2: (datetime(2026, 11, 23, 5, 19), None),
                                   3: (time(9, 30), None), 4: (12, None)}}, styles, False)
    formats = {el.get("numFmtId"): el.get("formatCode") for el in styles.root.iter(
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}numFmt")}
    xfs = [el.get("numFmtId") for el in styles.root.iter(
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}xf")]
    cells = dict(re.findall(rb'<c r="([A-D]2)"(?: s="(\d+)")?', out))
    assert [formats[xfs[int(cells[ref] or 0)]] for ref in (b"A2", b"B2", b"C2")] == [
        "dd/mm/yyyy", "dd/mm/yyyy hh:mm", "hh:mm"]
    assert cells[b"D2"] == b""  # a number keeps the General format


def test_text_that_reads_like_an_excel_escape_is_kept_as_typed(tmp_path):
    path = tmp_path / "x.xlsx"
    openpyxl.Workbook().save(path)
    book = FileBook.open(path)
    book.write_cells("Sheet", 1, 1, [["réf _x0041_ client"]])
    book.write_generated(GeneratedSheet("Notes", (Block("", ("A",), (("x",),)),), note="code _x0042_"))
    book.save()
    stored = b"".join(parts(path).values())
    assert b"r\xc3\xa9f _x005F_x0041_ client" in stored and b"code _x005F_x0042_" in stored
    # Read back as Excel reads it (calamine decodes Excel's escapes the same way).
    assert FileBook.open(path).read_sheet("Sheet").rows[0][0] == "réf _x0041_ client"


def test_a_generated_sheet_hidden_again_is_never_left_a_selected_tab(tmp_path):
    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Factures"
    wb.create_sheet("_Relance")
    wb.active = 1  # the user unhid it and saved while looking at it
    wb.save(path)
    book = FileBook.open(path)
    book.write_generated(GeneratedSheet("_Relance", (Block("", ("K",), (("v",),)),), hidden=True))
    book.save()
    z = parts(path)
    sheet_xml = next(v for k, v in z.items() if k.startswith("xl/worksheets/") and b">K<" in v)
    assert b"tabSelected" not in sheet_xml
    assert b'activeTab="0"' in z["xl/workbook.xml"]  # the visible Factures, not the hidden sheet
