"""The written sheet is spliced as a stream, one pass per row (``xlsx.splice``): the same bytes
whatever the chunks, and the fast path (a row kept up to its first written column, the
written cells after) the same bytes as the cell-by-cell one."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from addin.books import safety, xlsx
from addin.books.xlsx import SheetEdits, Styles, splice

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ROWS = [
    b'<row r="1" spans="1:3"><c r="A1" t="inlineStr"><is><t>N</t></is></c><c r="B1"><v>1</v></c></row>',
    # the written columns already hold cells (a second refresh): replaced, each keeping its style
    b'<row r="2"><c r="A2"><v>2</v></c><c r="C2" s="3"><v>7</v></c><c r="D2" s="4" t="inlineStr">'
    b'<is><t>old</t></is></c></row>',
    # a user's cell right of the written ones stays
    b'<row r="3"><c r="A3"><v>3</v></c><c r="C3"><v>1</v></c><c r="F3"><v>5</v></c></row>',
    b'<row r="4"/>',
    # rich text (its <color> also opens with "<c"), a cell in lower case, a row extension
    b'<row r="5"><c r="A5" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>x</t></r></is></c></row>',
    b'<row r="6"><c r="a6"><v>6</v></c><c r="c6"><v>6</v></c></row>',
    b'<row r="7"><c r="A7"><v>7</v></c><extLst><ext uri="{X}"/></extLst></row>',
    # a formula in a written cell: its shared group gets formulas of its own
    b'<row r="8"><c r="A8"><v>8</v></c><c r="C8"><f t="shared" ref="C8:E9" si="0">A8*2</f><v>16</v></c></row>',
    b'<row r="9"><c r="A9"><v>9</v></c><c r="E9"><f t="shared" si="0"/><v>18</v></c></row>',
    b'<row r="10" customFormat="1" s="2"><c r="A10"><v>10</v></c></row>',
    b'<row r="12"><c r="A12"><v>12</v></c></row>',
    b'<row><c><v>13</v></c></row>',
]
SHEET = (b'<worksheet ' + NS + b'><dimension ref="A1:F13"/><cols><col min="4" max="4" style="5"/></cols><sheetData>'
         + b"".join(ROWS) + b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')


def edits() -> SheetEdits:
    out = SheetEdits()
    rows = [(D("1.50"), "Payée"), (date(2025, 1, 31), None), (7, "x"), (True, ""), (D("-2"), "é<&>"), (0.5, None),
            (None, "a"), (1e16, "_x0041_ a\r\nb"), (-0.25, 1e-7), (D("1E+3"), D("-0.00")), (7, 8), (9, 10),
            (11, 12), (13, 14)]
    out.add(2, 3, rows, ["0.00", None])
    out.add(1, 3, [("Calculé", "Statut")], [None, None])
    out.add(3, 4, [("overwritten",)], [None])  # a later write over an earlier one wins
    return out


def spliced(chunks, book_edits=None, styles=None) -> bytes:
    book_edits = book_edits or edits()
    return b"".join(splice(chunks, book_edits.rows(), *book_edits.extent(), styles or Styles(None), False))


def cell_by_cell(monkeypatch) -> bytes:
    with monkeypatch.context() as m:
        m.setattr(xlsx._Splicer, "edited_row", lambda self, out, attrs, inner, r_attr, r, edit:
                  out.append(self.any_row(attrs, inner, r_attr, r, edit[1])))
        return spliced([SHEET])


def test_the_fast_path_gives_the_bytes_of_the_cell_by_cell_one(monkeypatch):
    assert spliced([SHEET]) == cell_by_cell(monkeypatch)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=len(SHEET)))
def test_the_chunks_a_sheet_is_read_in_do_not_change_its_bytes(size):
    whole = spliced([SHEET])
    assert spliced([SHEET[i:i + size] for i in range(0, len(SHEET), size)]) == whole


def test_what_is_kept_and_what_is_written():
    out = spliced([SHEET])
    # kept up to the first written column, the written cells after it, spans dropped
    assert (b'<row r="1"><c r="A1" t="inlineStr"><is><t>N</t></is></c><c r="B1"><v>1</v></c>'
            b'<c r="C1" t="inlineStr"><is><t xml:space="preserve">Calcul\xc3\xa9</t></is></c>') in out
    # replaced cells keep their style but for the number format; a new cell takes its column's
    assert b'<c r="C2" s="' in out and b'<v>1.5</v>' in out and b"old" not in out
    assert b'<c r="D3" s="5" t="inlineStr"><is><t xml:space="preserve">overwritten</t></is></c>' in out
    assert b'<c r="F3"><v>5</v></c>' in out  # the user's cell after the written ones
    assert b'<row r="4"/>' not in out and b'<row r="4"><c r="C4"' in out
    assert b'<c r="a6"><v>6</v></c><c r="C6"' in out and b"c6" not in out  # kept as is; replaced once
    assert b'<extLst><ext uri="{X}"/></extLst></row>' in out
    assert b'<c r="E9"><f>C9*2</f><v>18</v></c>' in out and b"si=" not in out
    assert b'<c r="D10" s="2"><v>1e-07</v></c>' in out  # a new cell takes its row's style
    assert b'<row r="11"><c r="C11" s="1"><v>1000</v></c><c r="D11" s="5"><v>-0</v></c></row>' in out  # added
    assert b'<row r="13"><c r="A13"><v>13</v></c><c r="C13" s="1"><v>9</v></c>' in out  # positions made explicit
    assert b'<row r="15"><c r="C15" s="1"><v>13</v></c>' in out  # below the last row
    assert b'<dimension ref="A1:F15"/>' in out
    assert out.endswith(b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')


def test_the_blocks_read_back_as_cells_later_writes_winning():
    block = SheetEdits()
    block.add(2, 3, [(1, 2), (3, 4)], ["0.00"])
    block.add(3, 4, [(9,)], [None])
    assert dict(block) == {2: {3: (1, "0.00"), 4: (2, None)}, 3: {3: (3, "0.00"), 4: (9, None)}}
    assert [(r, [(c, tuple(v)) for c, v, _f in runs]) for r, runs, _cols in block.rows()] == \
        [(2, [(3, (1, 2))]), (3, [(3, (3,)), (4, (9,))])]
    assert block.extent() == (3, 4)


def test_a_sheet_without_rows_gets_them():
    sheet = b'<worksheet ' + NS + b'><sheetData/></worksheet>'
    block = SheetEdits()
    block.add(2, 1, [("a",)], [None])
    out = b"".join(splice([sheet], block.rows(), *block.extent(), Styles(None), False))
    assert out == (b'<worksheet ' + NS + b'><sheetData><row r="2"><c r="A2" t="inlineStr"><is>'
                   b'<t xml:space="preserve">a</t></is></c></row></sheetData></worksheet>')


def test_a_truncated_sheet_is_refused():
    with pytest.raises(xlsx.XlsxError):
        spliced([SHEET[:SHEET.index(b"</sheetData>")]])


# --- the save's safety check, on the parts that changed --------------------------------------------

WORKBOOK = (b'<workbook ' + NS + b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="A" sheetId="1" r:id="rId1"/><sheet name="B" sheetId="2" r:id="rId2"/></sheets>'
            b'</workbook>')
RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/a.xml"/>'
        b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/b.xml"/></Relationships>')
VALIDATED = (b'<worksheet ' + NS + b'><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
             b'<dataValidations count="1"><dataValidation sqref="A1"/></dataValidations></worksheet>')
PLAIN = b'<worksheet ' + NS + b'><sheetData/></worksheet>'


def package(a: bytes, b: bytes) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/a.xml", a)
        z.writestr("xl/worksheets/b.xml", b)
    out.seek(0)
    return out


def test_a_loss_in_a_changed_sheet_is_found_and_an_unchanged_sheet_is_not_read():
    before, after = package(VALIDATED, VALIDATED), package(PLAIN, VALIDATED)
    changed = safety.changed_parts(before, after)
    assert changed == {"xl/worksheets/a.xml"}
    lost = safety.losses(safety.inventory(package(VALIDATED, VALIDATED), changed),
                         safety.inventory(package(PLAIN, VALIDATED), changed))
    assert lost == ["la feuille « A » perdrait 1 validation(s) de données"]
    # B was copied as it was: not counted (its rows were never read), on either side.
    assert safety.inventory(package(VALIDATED, VALIDATED), changed).sheets["B"] == {}
