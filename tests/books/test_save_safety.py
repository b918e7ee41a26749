"""A save keeps what it does not edit, byte for byte; a lossy save, a locked or read-only file is refused."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from datetime import date

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from addin.books import safety, xlsx
from addin.books.base import BookError
from addin.books.file import FileBook
from tests.books.conftest import rewrite_zip

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

SHAPE = (b'<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
         b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
         b'<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff>'
         b'<xdr:row>4</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="" textlink="">'
         b'<xdr:nvSpPr><xdr:cNvPr id="9" name="Zone de texte 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr>'
         b'<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:sp>'
         b'<xdr:clientData/></xdr:twoCellAnchor>')
SPARKLINES = (b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
              b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
              b'<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
              b'<x14:sparklineGroup><x14:sparklines><x14:sparkline><xm:f>Factures!D2:D11</xm:f>'
              b'<xm:sqref>H2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>'
              b'</x14:sparklineGroups></ext></extLst>')


def _drawing_part(parts):
    import re

    return next(n for n in parts if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n))


def add_shape(parts):
    name = _drawing_part(parts)
    assert parts[name].endswith(b"</wsDr>")  # openpyxl writes the default namespace
    parts[name] = parts[name].replace(b"</wsDr>", SHAPE + b"</wsDr>")


def add_sparklines(parts):
    xml = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = xml.replace(b"</worksheet>", SPARKLINES + b"</worksheet>")


def add_form_control(parts):
    parts["xl/ctrlProps/ctrlProp1.xml"] = (
        b'<formControlPr xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
        b'objectType="CheckBox" checked="Checked"/>')
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdCtrl1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/ctrlProp" Target="../ctrlProps/ctrlProp1.xml"/></Relationships>')


def add_connection(parts):
    parts["xl/connections.xml"] = (
        b'<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<connection id="1" name="Banque" type="5" refreshedVersion="6"><dbPr connection="x" command="y"/>'
        b'</connection></connections>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdConn" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/connections" Target="connections.xml"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/connections.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"/></Types>')


def _state(folder):
    return sorted((p.name, p.read_bytes()) for p in folder.rglob("*") if p.is_file())


def _parts(path):
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("edit, part", [
    (add_shape, "xl/drawings/drawing1.xml"),
    (add_sparklines, None),
    (add_form_control, "xl/ctrlProps/ctrlProp1.xml"),
    (add_connection, "xl/connections.xml"),
])
def test_what_openpyxl_would_drop_is_kept_byte_for_byte(rich, edit, part):
    rewrite_zip(rich, edit)
    before = _parts(rich)
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_cells("Factures", 2, 5, [[1]])
    book.save()
    after = _parts(rich)
    if part:
        assert after[part] == before[part]
    else:  # the sparklines live in the sheet itself, after its cells
        assert SPARKLINES in after["xl/worksheets/sheet1.xml"]
    # Only the written sheet, the styles, the workbook (recalculation on open) and the
    # document's modified date change; every other part keeps its bytes.
    changed = {n for n in before if after.get(n) != before[n]}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml", "docProps/core.xml"}
    assert FileBook.open(rich).read_sheet("Factures").rows[1][4] == 1


def test_openpyxl_really_drops_those(rich, tmp_path):
    """Why Relance never re-saves through openpyxl: a plain re-save loses the shape and sparklines."""
    import zipfile

    rewrite_zip(rich, add_shape)
    rewrite_zip(rich, add_sparklines)
    openpyxl.load_workbook(rich).save(tmp_path / "resaved.xlsx")
    with zipfile.ZipFile(tmp_path / "resaved.xlsx") as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    assert b"Zone de texte 1" not in everything
    assert b"sparkline" not in everything


def test_a_save_that_would_lose_something_is_refused_and_the_file_untouched(rich, monkeypatch):
    # The safety net behind the part-by-part save: if the new package ever lacked a shape
    # the original had, nothing would be written.
    from addin.books import safety

    rewrite_zip(rich, add_shape)
    before = _state(rich.parent)
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_cells("Notes perso", 1, 5, [[1]])  # the sheet changes: its shapes are counted
    real = safety.inventory
    calls = []

    def losing_inventory(source, changed=None, **given):
        inv = real(source, changed, **given)
        calls.append(inv)
        if len(calls) == 2:  # the new package
            inv.sheets["Notes perso"]["shapes"] = 0
        return inv

    monkeypatch.setattr(safety, "inventory", losing_inventory)
    with pytest.raises(BookError) as error:
        book.save()
    assert "« Notes perso »" in str(error.value) and "forme" in str(error.value)
    assert _state(rich.parent) == before


@pytest.mark.parametrize("lock_name, app", [
    ("~$Registre.xlsx", "Excel"), ("~$gistre.xlsx", "Excel"), (".~lock.Registre.xlsx#", "LibreOffice")])
def test_open_in_excel_or_libreoffice_is_refused(rich, lock_name, app):
    (rich.parent / lock_name).write_text("marie")
    before = _state(rich.parent)
    book = FileBook.open(rich, today=date(2024, 6, 1))
    with pytest.raises(BookError) as error:
        book.write_cells("Factures", 2, 5, [[1]])
    assert app in str(error.value) and "Fermez" in error.value.fix
    (rich.parent / lock_name).unlink()
    book.write_cells("Factures", 2, 5, [[1]])
    (rich.parent / lock_name).write_text("marie")  # opened again in between: save refuses too
    with pytest.raises(BookError):
        book.save()
    assert _state(rich.parent) == before


def test_read_only_file_or_folder_is_refused(rich):
    before = rich.read_bytes()
    os.chmod(rich, stat.S_IREAD)
    try:
        with pytest.raises(BookError) as error:
            FileBook.open(rich).write_cells("Factures", 2, 5, [[1]])
        assert "lecture seule" in str(error.value)
    finally:
        os.chmod(rich, stat.S_IREAD | stat.S_IWRITE)
    folder_mode = rich.parent.stat().st_mode
    os.chmod(rich.parent, stat.S_IREAD | stat.S_IEXEC)
    try:
        with pytest.raises(BookError) as error:
            FileBook.open(rich).write_cells("Factures", 2, 5, [[1]])
        assert "dossier" in str(error.value)
    finally:
        os.chmod(rich.parent, folder_mode)
    assert rich.read_bytes() == before


def test_backups_keep_the_last_n(rich):
    versions = []
    for i in range(4):
        versions.append(rich.read_bytes())
        book = FileBook.open(rich, backups=2, today=date(2024, 6, 1))
        book.write_cells("Factures", 2, 5, [[i]])
        book.save()
    kept = sorted((rich.parent / ".relance-backups").iterdir())
    assert [p.name.split(".")[1] for p in kept] == ["0003", "0004"]
    assert [p.read_bytes() for p in kept] == versions[2:]


def test_backups_zero_disables(rich):
    book = FileBook.open(rich, backups=0, today=date(2024, 6, 1))
    book.write_cells("Factures", 2, 5, [[1]])
    book.save()
    assert not (rich.parent / ".relance-backups").exists()
    assert [p.name for p in rich.parent.iterdir()] == ["Registre.xlsx"]  # no temp file left


def test_a_spliced_sheet_is_counted_from_its_bytes_as_read_and_written(rich, monkeypatch):
    # The save's check counts a spliced sheet from the bytes the splice read and wrote (not
    # inflated again): the same as from the files, and a loss in the writing is found.
    book = FileBook.open(rich, today=date(2024, 6, 1))
    book.write_cells("Factures", 2, 8, [[1], [2]])
    seen: tuple[dict, dict] = ({}, {})
    data = book.to_bytes(seen)
    part = next(iter(seen[0]))
    assert set(seen[1]) == {part} and part.startswith("xl/worksheets/")
    before, after = zipfile.ZipFile(io.BytesIO(rich.read_bytes())), zipfile.ZipFile(io.BytesIO(data))
    name = {n.lower(): n for n in before.namelist()}[part]
    assert seen[0][part] == safety._outside_rows(before, name)
    assert seen[1][part] == safety._outside_rows(after, name)
    assert b"<dataValidation" in seen[1][part] and b"<row" not in seen[1][part]

    real = xlsx.splice

    def losing_splice(*args):  # a splice that would drop the sheet's validations
        return (re.sub(rb"<dataValidations.*?</dataValidations>", b"", chunk) for chunk in real(*args))

    monkeypatch.setattr(xlsx, "splice", losing_splice)
    state = _state(rich.parent)
    with pytest.raises(BookError) as error:
        book.save()
    assert "validation" in str(error.value) and _state(rich.parent) == state


def test_a_regenerated_sheet_is_listed_not_counted(rich):
    # Its losses are not losses (``losses`` ignores it): its parts are not read to be counted.
    assert safety.inventory(rich).sheets["Factures"]["data_validations"] == 1
    inv = safety.inventory(rich, replaced={"Factures"})
    assert inv.sheets["Factures"] == {} and inv.sheet_parts["Factures"].startswith("xl/worksheets/")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_part_watched_as_it_goes_by_gives_what_reading_it_again_gives(data):
    prefix = data.draw(st.sampled_from(["", "x:"]))
    rows = "".join(f'<{prefix}row r="{r}"><{prefix}c r="A{r}"><{prefix}v>{r}</{prefix}v></{prefix}c></{prefix}row>'
                   for r in range(1, data.draw(st.integers(0, 30))))
    tail = data.draw(st.sampled_from(["", '<dataValidations count="1"><dataValidation sqref="A1"/></dataValidations>',
                                      "<hyperlinks>" + '<hyperlink ref="A1"/>' * 40 + "</hyperlinks>"]))
    rows_xml = f"<{prefix}sheetData>{rows}</{prefix}sheetData >" if rows or data.draw(st.booleans()) \
        else f"<{prefix}sheetData/>"
    xml = (f'<{prefix}worksheet xmlns{":x" if prefix else ""}="{NS}"><{prefix}dimension ref="A1"/>{rows_xml}'
           f"{tail}</{prefix}worksheet>").encode()
    size = data.draw(st.integers(1, len(xml)))
    last = data.draw(st.sampled_from([8, 64, 1 << 23]))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(safety, "_LAST", last)
        seen: dict[str, bytes] = {}
        assert b"".join(safety.watch("A.xml", (xml[i:i + size] for i in range(0, len(xml), size)), seen)) == xml
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.xml", xml)
    expected = safety._outside_rows(zipfile.ZipFile(archive), "a.xml")
    # Recorded unless the end past the rows is longer than the chunks kept; then read again.
    assert seen.get("a.xml", expected) == expected
    if last > len(xml):
        assert "a.xml" in seen


def test_a_regenerated_sheet_whose_type_was_lost_is_declared_a_worksheet_and_any_other_change_refused():
    # The fuzzer's case: « Relances »' Override dropped from [Content_Types].xml, so its part falls
    # back to application/xml. Relance regenerates that sheet whole and declares it a worksheet:
    # a repair, not a loss. A sheet Relance does not regenerate keeps the refusal.
    worksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    parts = {"Relances": "xl/worksheets/sheet8.xml", "Factures": "xl/worksheets/sheet3.xml"}
    before = safety.Inventory(content_types={part: "application/xml" for part in parts.values()}, sheet_parts=parts)
    after = safety.Inventory(content_types={part: worksheet for part in parts.values()}, sheet_parts=parts)
    lines = safety.link_losses(before, after, {"Relances"})
    assert lines == [f"la partie « xl/worksheets/sheet3.xml » changerait de type de contenu "
                     f"(application/xml → {worksheet})"]
    assert len(safety.link_losses(before, after)) == 2  # nothing regenerated: both refused, as before


def test_a_send_on_a_register_whose_queue_lost_its_content_type_saves_and_repairs_it(tmp_path):
    import re as regex

    from typer.testing import CliRunner

    from addin.cli import app
    from tests.actions.test_refresh import TODAY, fill_template

    path = fill_template(tmp_path / "Registre.xlsx")

    def drop_relances_type(parts):
        relances = regex.search(rb'<sheet [^>]*name="Relances"[^>]*r:id="([^"]+)"', parts["xl/workbook.xml"]).group(1)
        link = regex.search(rb'<Relationship [^>]*Id="' + relances + rb'"[^>]*>', parts["xl/_rels/workbook.xml.rels"])
        part = regex.search(rb'Target="/?(?:xl/)?([^"]+)"', link.group(0)).group(1).decode()
        parts["[Content_Types].xml"] = regex.sub(rb'<Override PartName="/xl/' + part.encode() + rb'"[^>]*/>', b"",
                                                 parts["[Content_Types].xml"])
        return part

    found = []
    rewrite_zip(path, lambda parts: found.append(drop_relances_type(parts)))
    with zipfile.ZipFile(path) as package:
        assert f"/xl/{found[0]}" not in package.read("[Content_Types].xml").decode()
    result = CliRunner().invoke(app, ["send", str(path), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as package:
        assert regex.search(f'PartName="/xl/{found[0]}" ContentType="[^"]*worksheet\\+xml"',
                            package.read("[Content_Types].xml").decode())
