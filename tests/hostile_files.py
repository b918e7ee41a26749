"""A generator of hostile and odd workbook packages, built from a real register by the tests themselves.

Each ``make_*`` function takes the bytes of a good register (``tests.actions.test_refresh.fill_template``)
and returns the bytes of a damaged, forged or merely unusual package. ``CASES`` names the
hostile ones: every command must refuse each in one line and leave the file untouched.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def read_parts(data: bytes) -> list[tuple[str, bytes]]:
    """The package's entries, in order (duplicates kept)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def pack(parts, *, stored: set[str] = frozenset()) -> bytes:
    """Entries written as given, duplicates and odd names included (zipfile warns, and writes them)."""
    out = io.BytesIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return out.getvalue()


def edit(data: bytes, change, **kw) -> bytes:
    """``change(parts: dict)`` edits the parts in place (order kept, new names at the end)."""
    entries = read_parts(data)
    parts = dict(entries)
    change(parts)
    names = [n for n, _ in entries if n in parts] + [n for n in parts if n not in dict(entries)]
    return pack([(n, parts[n]) for n in names], **kw)


def sheet_part(data: bytes, sheet: str) -> str:
    """The part name of a sheet, from the workbook and its relationships."""
    parts = dict(read_parts(data))
    wb = parts["xl/workbook.xml"].decode()
    rid = re.search(r'<sheet [^>]*name="' + re.escape(sheet) + r'"[^>]*r:id="(rId\d+)"', wb)
    if rid is None:
        rid = re.search(r'<sheet [^>]*r:id="(rId\d+)"[^>]*name="' + re.escape(sheet) + '"', wb)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rel = re.search(r'<Relationship [^>]*Id="' + rid.group(1) + r'"[^>]*/>', rels).group(0)
    target = re.search(r'Target="([^"]+)"', rel).group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _add_root_rel(parts: dict, rel_type: str, target: str) -> None:
    rels = parts["_rels/.rels"].decode()
    rels = rels.replace("</Relationships>", f'<Relationship Id="rIdX9" Type="{rel_type}" Target="{target}"/>'
                                           "</Relationships>")
    parts["_rels/.rels"] = rels.encode()


def override(parts: dict, part: str, content_type: str) -> None:
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace(
        "</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>').encode()


# --- zip bombs ----------------------------------------------------------------------------------


def forge_size(data: bytes, entry: str, size: int) -> bytes:
    """The central directory (and local header) of ``entry`` declaring ``size`` inflated bytes."""
    raw = bytearray(data)
    name = entry.encode()
    at = raw.find(b"PK\x01\x02" + b"", 0)
    while at >= 0:
        name_len = struct.unpack("<H", raw[at + 28:at + 30])[0]
        if raw[at + 46:at + 46 + name_len] == name:
            struct.pack_into("<I", raw, at + 24, size)
            local = struct.unpack("<I", raw[at + 42:at + 46])[0]
            struct.pack_into("<I", raw, local + 22, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def make_bomb_unreferenced(data: bytes) -> bytes:
    """A 64 MiB part of zeros nobody references: 1,000 times its compressed size."""
    return edit(data, lambda p: p.__setitem__("xl/media/pad.bin", bytes(64 << 20)))


def make_bomb_declared(data: bytes) -> bytes:
    """A small part whose central directory declares 3.5 GiB."""
    grown = edit(data, lambda p: p.__setitem__("xl/media/big.bin", b"x" * 1000))
    return forge_size(grown, "xl/media/big.bin", 0xE0000000)


def make_bomb_in_sheet(data: bytes) -> bytes:
    """50 MiB of blanks inside the Factures sheet, between its rows."""
    part = sheet_part(data, "Factures")

    def pad(p):
        p[part] = p[part].replace(b"</sheetData>", b" " * (50 << 20) + b"</sheetData>", 1)
    return edit(data, pad)


def make_bomb_lying(data: bytes) -> bytes:
    """An entry declaring 1,000 bytes (and the CRC of its first 1,000) that inflates to 20 MiB."""
    body = b"<a>" + b" " * (20 << 20) + b"</a>"
    grown = edit(data, lambda p: p.__setitem__("xl/media/lie.xml", body))
    raw = bytearray(forge_size(grown, "xl/media/lie.xml", 1000))
    crc = zlib.crc32(body[:1000])
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack("<H", raw[at + 28:at + 30])[0]
        if raw[at + 46:at + 46 + name_len] == b"xl/media/lie.xml":
            struct.pack_into("<I", raw, at + 16, crc)
            local = struct.unpack("<I", raw[at + 42:at + 46])[0]
            struct.pack_into("<I", raw, local + 14, crc)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


# --- broken parts -------------------------------------------------------------------------------

_ENTITY = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'


def make_entity_in_sheet(data: bytes) -> bytes:
    part = sheet_part(data, "Factures")

    def doctype(p):
        p[part] = re.sub(rb"^<\?xml[^>]*\?>", b"", p[part]).replace(b"<worksheet", _ENTITY + b"<worksheet", 1)
    return edit(data, doctype)


def make_entity_in_shared_strings(data: bytes) -> bytes:
    def add(p):
        p["xl/sharedStrings.xml"] = (_ENTITY + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                     b'2006/main" count="1" uniqueCount="1"><si><t>&e;</t></si></sst>')
        override(p, "xl/sharedStrings.xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
        p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument'
            b'/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return edit(data, add)


def make_entity_after_a_long_comment(data: bytes) -> bytes:
    """A DOCTYPE may come after any number of comments: 20,000 bytes of them here."""
    part = sheet_part(data, "Factures")

    def doctype(p):
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", p[part])
        p[part] = b'<?xml version="1.0"?><!--' + b"x" * 20000 + b'--><!DOCTYPE x [<!ENTITY e "boom">]>' + body
    return edit(data, doctype)


def make_bad_crc(data: bytes) -> bytes:
    """A byte of the (stored) Factures sheet changed after its CRC was written."""
    part = sheet_part(data, "Factures")
    raw = bytearray(edit(data, lambda p: None, stored={part}))
    at = raw.find(b"<sheetData")
    raw[at + 1] = ord("S")
    return bytes(raw)


def make_malformed_workbook(data: bytes) -> bytes:
    return edit(data, lambda p: p.__setitem__("xl/workbook.xml", p["xl/workbook.xml"][:-40]))


def make_missing_styles(data: bytes) -> bytes:
    return edit(data, lambda p: p.pop("xl/styles.xml"))


def make_style_past_fonts(data: bytes) -> bytes:
    """Every cell format points at font 99 of a list of a few."""
    return edit(data, lambda p: p.__setitem__(
        "xl/styles.xml", re.sub(rb'fontId="\d+"', b'fontId="99"', p["xl/styles.xml"])))


def make_macro_sheet(data: bytes) -> bytes:
    """An Excel 4 macro sheet beside the register's sheets."""
    def add(p):
        p["xl/macrosheets/sheet1.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1">'
            b'<f>HALT()</f></c></row></sheetData></xm:macrosheet>')
        override(p, "xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml")
        p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdM1" Type="http://schemas.microsoft.com/office/2006/'
            b'relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>')
        p["xl/workbook.xml"] = p["xl/workbook.xml"].replace(
            b"</sheets>", b'<sheet name="Macro1" sheetId="90" r:id="rIdM1"/></sheets>')
    return edit(data, add)


def make_sheet_without_rid(data: bytes) -> bytes:
    return edit(data, lambda p: p.__setitem__("xl/workbook.xml", p["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet name="Orpheline" sheetId="91"/></sheets>')))


def make_not_a_register(data: bytes) -> bytes:
    """A workbook of someone else's: its sheets renamed to what no register has."""
    def rename(p):
        p["xl/workbook.xml"] = re.sub(rb'name="([^"]+)"', lambda m: b'name="Feuil' + str(len(m.group(1))).encode()
                                      + m.group(1)[:1].hex().encode() + b'"', p["xl/workbook.xml"])
    return edit(data, rename)


def make_strict(data: bytes) -> bytes:
    """A Strict Open XML workbook: its relationship types and namespaces are ISO 29500 strict."""
    def strict(p):
        for name in list(p):
            if name.endswith((".xml", ".rels")):
                p[name] = p[name].replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                          b"http://purl.oclc.org/ooxml/officeDocument/relationships").replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    return edit(data, strict)


def make_signed(data: bytes) -> bytes:
    def sign(p):
        p["_xmlsignatures/origin.sigs"] = b""
        p["_xmlsignatures/sig1.xml"] = (b'<?xml version="1.0"?><Signature xmlns="http://www.w3.org/2000/09/'
                                        b'xmldsig#"><SignedInfo/></Signature>')
        p["_xmlsignatures/_rels/origin.sigs.rels"] = (
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/package/2006/'
            b'relationships/digital-signature/signature" Target="sig1.xml"/></Relationships>')
        _add_root_rel(p, "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin",
                      "_xmlsignatures/origin.sigs")
        ct = p["[Content_Types].xml"].decode().replace(
            "</Types>", '<Default Extension="sigs" ContentType="application/vnd.openxmlformats-package.'
                        'digital-signature-origin"/></Types>')
        p["[Content_Types].xml"] = ct.encode()
        override(p, "_xmlsignatures/sig1.xml",
                  "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml")
    return edit(data, sign)


def make_duplicate_entry(data: bytes) -> bytes:
    entries = read_parts(data)
    part = sheet_part(data, "Factures")
    return pack(entries + [(part, dict(entries)[part])])


def make_dotdot_entry(data: bytes) -> bytes:
    return pack(read_parts(data) + [("../../evil.txt", b"hors du classeur")])


def make_absolute_entry(data: bytes) -> bytes:
    return pack(read_parts(data) + [("/tmp/evil.txt", b"hors du classeur")])


def make_ole2(data: bytes) -> bytes:
    """What an .xls, or an .xlsx encrypted with a password, starts with."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def make_truncated_zip(data: bytes) -> bytes:
    return data[: len(data) // 2]


def make_empty_file(data: bytes) -> bytes:
    return b""


def make_missing_workbook_rels(data: bytes) -> bytes:
    return edit(data, lambda p: p.pop("xl/_rels/workbook.xml.rels"))


def make_missing_sheet_part(data: bytes) -> bytes:
    """The Factures sheet listed in the workbook and its relationships, its part gone."""
    part = sheet_part(data, "Factures")
    return edit(data, lambda p: p.pop(part))


def make_binary_workbook(data: bytes) -> bytes:
    """An .xlsb's officeDocument relationship (a binary workbook part)."""
    def binary(p):
        p["_rels/.rels"] = p["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/workbook.bin")
        p["xl/workbook.bin"] = b"\x00\x01binary"
    return edit(data, binary)


# Every hostile form, by name: refused in one line by every command, the file untouched.
CASES = {
    "bombe : partie non référencée": make_bomb_unreferenced,
    "bombe : taille déclarée": make_bomb_declared,
    "bombe : blancs dans la feuille": make_bomb_in_sheet,
    "bombe : entrée qui ment sur sa taille": make_bomb_lying,
    "DOCTYPE et entité dans une feuille": make_entity_in_sheet,
    "DOCTYPE et entité dans sharedStrings": make_entity_in_shared_strings,
    "DOCTYPE après un long commentaire": make_entity_after_a_long_comment,
    "CRC faux": make_bad_crc,
    "workbook.xml malformé": make_malformed_workbook,
    "pas un registre": make_not_a_register,
    "Strict Open XML": make_strict,
    "signé numériquement": make_signed,
    "entrée en double": make_duplicate_entry,
    "entrée ../": make_dotdot_entry,
    "entrée absolue": make_absolute_entry,
    ".xls ou chiffré (OLE2)": make_ole2,
    "zip tronqué": make_truncated_zip,
    "fichier vide": make_empty_file,
    "relations du classeur absentes": make_missing_workbook_rels,
    "classeur binaire": make_binary_workbook,
    "partie d'une feuille absente": make_missing_sheet_part,
}

# Odd but legitimate: a refresh must succeed (or refuse in one line) and never print a traceback.
ODD = {
    "styles.xml absent": make_missing_styles,
    "style au-delà de la liste des polices": make_style_past_fonts,
    "feuille de macros Excel 4": make_macro_sheet,
    "feuille sans identifiant de relation": make_sheet_without_rid,
}
