"""Saving copies the parts Relance did not change as their compressed bytes, and deflates the
changed ones at a fast level (``package.CHANGED_LEVEL``)."""

import io
import zipfile
import zlib

from addin.books.package import CHANGED_LEVEL, Package

TEXT = b"<row>" + b"".join(b"<c r='A%d'><v>%d</v></c>" % (i, i * 7919 % 1000) for i in range(3000)) + b"</row>"


def compressed(data: bytes, name: str) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(name)
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def source() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/"
                   b"content-types'/>", zipfile.ZIP_DEFLATED)
        z.writestr("xl/kept.xml", TEXT, zipfile.ZIP_DEFLATED, compresslevel=9)
        z.writestr("xl/media/image1.png", b"\x89PNG" + bytes(range(256)), zipfile.ZIP_STORED)
        z.writestr("xl/feuille é.xml", TEXT, zipfile.ZIP_DEFLATED, compresslevel=9)
        z.writestr("xl/changed.xml", b"old", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_unchanged_parts_keep_their_compressed_bytes_and_changed_ones_are_deflated_fast():
    original = source()
    package = Package(original)
    package.write("xl/changed.xml", TEXT)
    package.write("xl/new.xml", b"<new/>")
    saved = package.to_bytes()

    archive = zipfile.ZipFile(io.BytesIO(saved))
    assert archive.testzip() is None  # every CRC checks
    assert archive.namelist() == ["[Content_Types].xml", "xl/kept.xml", "xl/media/image1.png",
                                  "xl/feuille é.xml", "xl/changed.xml", "xl/new.xml"]
    # Level 9's bytes, not re-deflated: the part was never inflated.
    for name in ("xl/kept.xml", "xl/feuille é.xml"):
        assert compressed(saved, name) == compressed(original, name)
        assert archive.read(name) == TEXT
    assert archive.getinfo("xl/media/image1.png").compress_type == zipfile.ZIP_STORED
    assert archive.read("xl/media/image1.png") == b"\x89PNG" + bytes(range(256))
    level = zlib.compressobj(CHANGED_LEVEL, zlib.DEFLATED, -15)
    assert compressed(saved, "xl/changed.xml") == level.compress(TEXT) + level.flush()
    assert archive.read("xl/changed.xml") == TEXT and archive.read("xl/new.xml") == b"<new/>"
    # Fixed dates and modes on every entry, copied or not: the same edits give the same bytes.
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert Package(saved).to_bytes() == Package(saved).to_bytes()
