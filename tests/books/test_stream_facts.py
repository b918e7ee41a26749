"""A plain data sheet's facts (merged ranges, no formula) read as a stream of chunks are those of the
whole part; a sheet with a formula, or an odd part, is left to the whole reading (None)."""

import pytest
from hypothesis import given, settings, strategies as st

from addin.books import xlsx

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ROWS = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>f</t></is></c></row>'
                % (i, i, i, i) for i in range(1, 40))


def chunked(xml: bytes, size: int) -> list[bytes]:
    return [xml[i:i + size] for i in range(0, len(xml), size)]


PLAIN = [
    b"<worksheet " + NS + b"><sheetData>" + ROWS + b"</sheetData><mergeCells count=\"2\"><mergeCell ref=\"A1:B2\"/>"
    b"<mergeCell ref=\"C3:C9\"/></mergeCells></worksheet>",
    b'<x:worksheet xmlns:x="u"><x:sheetData>' + ROWS.replace(b"<", b"<x:").replace(b"<x:/", b"</x:")
    + b'</x:sheetData><x:mergeCells><x:mergeCell ref="D1:E2"/></x:mergeCells></x:worksheet>',
    b"<worksheet " + NS + b"><sheetData/><mergeCells><mergeCell ref=\"A1:B2\"/></mergeCells></worksheet>",
    b"<worksheet " + NS + b"><sheetData>" + ROWS + b"</sheetData></worksheet>",
]


@pytest.mark.parametrize("xml", PLAIN)
@given(size=st.integers(1, 300))
@settings(max_examples=40, deadline=None)
def test_a_plain_sheet_streamed_gives_the_whole_parts_facts(xml, size):
    assert xlsx.stream_facts(chunked(xml, size)) == xlsx.SheetXml(xml).facts()


FORMULA = (b"<worksheet " + NS + b"><sheetData>" + ROWS
           + b'<row r="60"><c r="A60"><f>SUM(A1:A39)</f><v>780</v></c></row></sheetData></worksheet>')


@given(size=st.integers(1, 300))
@settings(max_examples=40, deadline=None)
def test_a_formula_anywhere_in_the_rows_leaves_the_sheet_to_the_whole_reading(size):
    assert xlsx.stream_facts(chunked(FORMULA, size)) is None
    assert xlsx.SheetXml(FORMULA).facts().formulas() == {(60, 1)}


@pytest.mark.parametrize("xml", [
    b"<worksheet " + NS + b"><sheetData>" + ROWS,  # truncated: never closed
    b"<worksheet " + NS + b"></worksheet>",  # no sheetData
    b"<notasheet/>",
])
def test_an_odd_part_is_left_to_the_whole_reading_which_says_what_is_wrong(xml):
    assert xlsx.stream_facts(chunked(xml, 7)) is None
    with pytest.raises(xlsx.XlsxError):
        xlsx.SheetXml(xml).facts()


def test_a_head_too_long_to_be_a_sheet_head_is_left_to_the_whole_reading():
    xml = b"<worksheet " + NS + b"><sheetPr>" + b" " * 5000 + b"</sheetPr><sheetData/></worksheet>"
    assert xlsx.stream_facts(chunked(xml, 100), head_limit=1000) is None
    assert xlsx.stream_facts(chunked(xml, 100)) == xlsx.SheetXml(xml).facts()


def noise(size: int) -> bytes:
    """Bytes that do not compress (a part that compresses too well is refused as a zip bomb)."""
    import hashlib

    return b"".join(hashlib.sha256(b"%d" % i).hexdigest().encode() for i in range(size // 64))


def test_the_package_check_feeds_each_watched_part_its_inflated_bytes_once(tmp_path):
    import io
    import zipfile

    from addin.books.inspect import check_package

    parts = {"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
             "xl/worksheets/sheet1.xml": PLAIN[0] * 1, "xl/worksheets/big.xml": PLAIN[3] + noise(3 << 20)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        archive.writestr("stored.xml", b"<a/>", compress_type=zipfile.ZIP_STORED)
    fed: dict[str, list[bytes]] = {}
    try:
        check_package(buffer.getvalue(), "t.xlsx", lambda entry: fed.setdefault(entry, []).append)
    except Exception:  # not a workbook: the streams are checked (and fed) before the kind is
        pass
    assert {name: b"".join(chunks) for name, chunks in fed.items()} == {**parts, "stored.xml": b"<a/>"}
    assert len(fed["xl/worksheets/big.xml"]) > 1  # in chunks, never whole
