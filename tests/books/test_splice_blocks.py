"""A block of rows written alike is spliced a chunk of rows at a time (``SheetEdits.spans``,
``_Splicer.bulk``): the same bytes, and the same styles numbered in the same order, as the
rows written one by one (``SheetEdits.rows``), whatever the sheet holds and the values are."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from addin.books import xlsx
from addin.books.xlsx import RowBlock, SheetEdits, Styles, col_letter, splice

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
STYLES = (b'<styleSheet ' + NS + b'><numFmts count="0"/><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
          b'<borders count="1"><border/></borders><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="2" applyNumberFormat="1"/>'
          b'<xf numFmtId="0"/></cellXfs></styleSheet>')


def sheet(rows: list[bytes]) -> bytes:
    return (b'<worksheet ' + NS + b'><dimension ref="A1:C2"/><cols><col min="5" max="5" style="2"/></cols><sheetData>'
            + b"".join(rows) + b'</sheetData><pageMargins left="0.7"/></worksheet>')


def run(data: bytes, edits: SheetEdits, size: int, spans: bool) -> tuple[bytes, bytes]:
    styles = Styles(STYLES)
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    out = b"".join(splice(chunks, edits.spans() if spans else edits.rows(), *edits.extent(), styles, False))
    return out, styles.to_bytes()


VALUES = st.one_of(
    st.none(), st.just(""), st.integers(-3, 3), st.sampled_from([0.5, 1.0, -0.0, 1e16, 2.0]),
    st.sampled_from([D("0"), D("-0.00"), D("1.50"), D("1.5"), D("1E+3"), D("2"), D("-7.25")]),
    st.booleans(), st.sampled_from(["Payée", "a<&>", "_x0041_", "x\r\ny", "Payée"]),
    st.sampled_from([date(2025, 1, 31), date(2025, 2, 1), datetime(2025, 1, 31), datetime(2025, 1, 31, 8, 30),
                     time(9, 15)]),
)

# What a row may hold: cells left of the written columns (the common case), or what makes the
# row go one by one: a cell where cells are written, spans, a row style, a cell without its
# reference, a reference in lower case, rich text, an extension, a self-closing row.
KINDS = ["plain", "plain", "plain", "plain", "attrs", "at", "spans", "style", "noref", "lower", "rich", "ext", "empty"]


def row_xml(r: int, kind: str) -> bytes:
    cells = b'<c r="A%d" t="inlineStr"><is><t>F%d</t></is></c><c r="B%d" s="1"><v>%d</v></c>' % (r, r, r, r)
    if kind == "at":
        cells += b'<c r="D%d" s="2"><v>4</v></c>' % r
    elif kind == "noref":
        cells += b"<c><v>3</v></c>"
    elif kind == "lower":
        cells = b'<c r="a%d"><v>1</v></c>' % r
    elif kind == "rich":
        cells += b'<c r="B%d" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>x</t></r></is></c>' % r
    elif kind == "ext":
        cells += b'<extLst><ext uri="{X}"/></extLst>'
    if kind == "empty":
        return b'<row r="%d"/>' % r
    attrs = {"attrs": b' ht="20" customHeight="1"', "spans": b' spans="1:2"', "style": b' s="2" customFormat="1"'}
    return b'<row r="%d"%s>%s</row>' % (r, attrs.get(kind, b""), cells)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_block_spliced_at_once_gives_the_bytes_and_styles_of_the_rows_one_by_one(data):
    last = data.draw(st.integers(2, 40))
    present = data.draw(st.lists(st.sampled_from(KINDS + ["missing"]), min_size=last, max_size=last))
    rows = [row_xml(1, "plain")] + [row_xml(r, kind) for r, kind in enumerate(present, start=2) if kind != "missing"]
    first = data.draw(st.integers(1, 6))
    width = data.draw(st.integers(1, 4))
    height = data.draw(st.integers(1, last + 3))
    values = data.draw(st.lists(st.lists(VALUES, min_size=width, max_size=width).map(tuple),
                                min_size=height, max_size=height))
    edits = SheetEdits()
    if data.draw(st.booleans()):  # the header cells, one block per column, as a refresh writes them
        for j in range(width):
            edits.add(1, 3 + j, [(f"Calculé {j}",)], [None])
    formats = data.draw(st.lists(st.sampled_from([None, "0.00", "dd/mm/yyyy", "@"]), min_size=width, max_size=width))
    edits.add(first, 3, values, formats)
    if data.draw(st.booleans()):  # a later block over part of the first: rows written cell by cell
        edits.add(first + height // 2, 4, [("later",)], [None])
    xml = sheet(rows)
    size = data.draw(st.sampled_from([len(xml), 64, 200, 1000]))
    assert run(xml, edits, size, spans=True) == run(xml, edits, size, spans=False)


def rows_one_by_one(monkeypatch) -> list[int]:
    """The rows the splice goes through one by one (``_Splicer.edited_row``), in the order it calls it."""
    seen: list[int] = []
    edited_row = xlsx._Splicer.edited_row
    monkeypatch.setattr(xlsx._Splicer, "edited_row",
                        lambda self, out, attrs, inner, r_attr, r, edit:
                        seen.append(r) or edited_row(self, out, attrs, inner, r_attr, r, edit))
    return seen


def test_the_rows_of_a_block_are_spliced_at_once_and_the_others_one_by_one(monkeypatch):
    rows = [row_xml(r, "plain") for r in range(1, 301)]
    rows[149] = rows[149].replace(b"</row>", b'<c r="P150" s="2"><v>4</v></c></row>')  # a cell where a block writes
    edits = SheetEdits()
    edits.add(2, 14, [(D(r), date(2025, 1, r % 28 + 1), "Payée" if r % 3 else None) for r in range(2, 301)],
              ["0.00", "dd/mm/yyyy", None])
    assert [item.__class__ for item in edits.spans()] == [RowBlock]
    one_by_one = rows_one_by_one(monkeypatch)
    xml = sheet(rows)
    out, _styles = run(xml, edits, len(xml), spans=True)
    # Row 150 goes one by one (its cell replaced), and so do the next few (no new try at once).
    assert one_by_one == list(range(150, 150 + xlsx._FEW_ROWS))
    assert b'<row r="2"><c r="A2" t="inlineStr"><is><t>F2</t></is></c><c r="B2" s="1"><v>2</v></c>' \
           b'<c r="N2" s="1"><v>2</v></c><c r="O2" s="3"><v>45660</v></c>' \
           b'<c r="P2" t="inlineStr"><is><t xml:space="preserve">Pay\xc3\xa9e</t></is></c></row>' in out
    assert b'<c r="P150" s="2"/></row>' in out  # the cell replaced keeps its style (None: an empty cell)
    one_by_one.clear()
    assert out == run(xml, edits, len(xml), spans=False)[0]
    assert one_by_one == list(range(2, 301))


def test_a_column_of_equal_values_of_two_types_goes_one_by_one():
    rows = [row_xml(r, "plain") for r in range(1, 6)]
    edits = SheetEdits()
    edits.add(2, 5, [(1,), (1.0,), (True,), (D(1),)], [None])
    xml = sheet(rows)
    out, _styles = run(xml, edits, len(xml), spans=True)
    assert out == run(xml, edits, len(xml), spans=False)[0]
    assert b'<c r="E4" s="2" t="b"><v>1</v></c>' in out and b'<c r="E3" s="2"><v>1</v></c>' in out


def test_the_columns_before_a_column():
    for c0 in (1, 2, 14, 26, 27, 28, 53, 702, 703, 16384):
        found = xlsx._before(b"", c0)
        for c in (*range(1, 760), 16383, 16384):
            assert (found.search(b'<c r="%s5">' % col_letter(c).encode()) is None) == (c < c0), (c0, c)
        assert found.search(b'<c r="a5">') is not None and found.search(b"<color/>") is not None


def test_the_styles_cells_add_are_numbered_in_the_order_of_the_rows():
    # Row 2 needs a date format (column D), row 3 a date-and-time one (column C): numbered so.
    rows = [row_xml(r, "plain") for r in range(1, 5)]
    edits = SheetEdits()
    edits.add(2, 3, [(None, date(2025, 1, 31)), (datetime(2025, 1, 31, 8, 30), None), (None, None)], [None, None])
    xml = sheet(rows)
    out, styles = run(xml, edits, len(xml), spans=True)
    assert (out, styles) == run(xml, edits, len(xml), spans=False)
    assert b'<c r="D2" s="3"><v>45688</v></c>' in out and b'<c r="C3" s="4"><v>45688.354166666664</v></c>' in out


def test_rows_as_excel_writes_them_spans_and_all_are_spliced_at_once(monkeypatch):
    # Excel gives each row its spans (a hint of its first and last cell) and more attributes:
    # the spans go (wrong once cells are added), the rest stays, as one by one.
    rows = [b'<row r="%d" spans="1:2" x14ac:dyDescent="0.25"><c r="A%d"><v>%d</v></c></row>' % (r, r, r)
            for r in range(1, 101)]
    edits = SheetEdits()
    edits.add(2, 3, [(D(r) / 4, "Payée") for r in range(2, 101)], ["0.00", None])
    one_by_one = rows_one_by_one(monkeypatch)
    xml = sheet(rows)
    out, styles = run(xml, edits, len(xml), spans=True)
    assert one_by_one == []
    assert b'<row r="2" x14ac:dyDescent="0.25"><c r="A2"><v>2</v></c><c r="C2" s="1"><v>0.5</v></c>' in out
    assert b'<row r="1" spans="1:2" x14ac:dyDescent="0.25">' in out  # not written: kept as it was
    assert (out, styles) == run(xml, edits, len(xml), spans=False) and one_by_one == list(range(2, 101))


def test_a_second_refresh_replaces_the_written_cells_a_window_at_a_time(monkeypatch):
    # The rows already hold the written cells (a first refresh): each row is kept up to them and
    # gets the new ones, each keeping its cell's style, as row by row; a row whose cell has
    # another style, or with a user's cell after them, goes row by row.
    rows = [row_xml(r, "plain") for r in range(1, 121)]
    first = SheetEdits()
    first.add(2, 3, [(D(r) / 4, date(2025, 1, r % 28 + 1), "Payée") for r in range(2, 121)], ["0.00", None, None])
    once, _styles = run(sheet(rows), first, 10 ** 6, spans=True)
    once = once.replace(b'<c r="D60" s="3">', b'<c r="D60" s="2">')  # another style, by hand
    once = once.replace(b"</c></row><row r=\"91\"", b'</c><c r="H90"><v>1</v></c></row><row r="91"')
    again = SheetEdits()
    again.add(2, 3, [(D(r) / 8, date(2025, 2, r % 28 + 1), None) for r in range(2, 121)], ["0.00", None, None])
    one_by_one = rows_one_by_one(monkeypatch)
    out, styles = run(once, again, 10 ** 6, spans=True)
    assert 60 in one_by_one and 90 in one_by_one and len(one_by_one) <= 2 * xlsx._FEW_ROWS
    assert b'<row r="2"><c r="A2" t="inlineStr"><is><t>F2</t></is></c><c r="B2" s="1"><v>2</v></c>' \
           b'<c r="C2" s="1"><v>0.25</v></c><c r="D2" s="3"><v>45691</v></c><c r="E2" s="2"/></row>' in out
    one_by_one.clear()
    assert (out, styles) == run(once, again, 10 ** 6, spans=False) and len(one_by_one) == 119
