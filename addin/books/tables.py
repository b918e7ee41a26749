"""A generated sheet that is an Excel Table, with a note on each header (``FileBook``).

A ``GeneratedSheet`` with ``table`` set (the *Journal* Relance creates in a register that has
none) is written like the template's sheets: its first block — header row and rows — is an
Excel Table of that name (style TableStyleMedium2, a filter on each header, a row added below it
joins it), and each header with a ``Block.notes`` text carries it as a note, as the template's
headers carry the column's help (``addin.register.template``). The sheet's own ``note`` opens
the first header's note (one note per cell).

The parts (ECMA-376 Part 1, §18.5 Tables, §18.7 Comments): ``xl/tables/tableN.xml`` with an id
and a name unique in the workbook, tied to the sheet by a ``table`` relationship and a
``<tableParts>`` element (the sheet's last child but ``extLst``); ``xl/commentsN.xml`` and its
legacy VML drawing (the box Excel shows on hover), tied by ``comments`` and ``vmlDrawing``
relationships and ``<legacyDrawing>``.
"""

from __future__ import annotations

import re

from addin.books import xlsx
from addin.books.base import GeneratedSheet
from addin.books.package import Package, parse_xml

CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
STYLE = "TableStyleMedium2"


def has_extras(sheet: GeneratedSheet) -> bool:
    return bool(sheet.table) or any(block.notes for block in sheet.blocks)


def prepare(sheet: GeneratedSheet, grid: xlsx.Grid) -> None:
    """Before the grid is written: its notes are written here (all of them, the sheet's
    included), not as the grid's single A1 note."""
    if has_extras(sheet):
        grid.note = ""


def apply_all(package: Package, workbook: xlsx.WorkbookPart, generated: dict, new_types: dict[str, str]) -> None:
    """``apply`` for every generated sheet (name → (GeneratedSheet, grid)) that needs it."""
    for name, (sheet, _grid) in generated.items():
        entry = workbook.entry(name)
        if has_extras(sheet) and entry is not None and entry.part is not None:
            apply(package, workbook, entry, sheet, new_types)


def layout(sheet: GeneratedSheet) -> list[tuple[int, int]]:
    """Each block's header row and row count, as ``FileBook`` stacks blocks (title, headers,
    rows, one blank row)."""
    out = []
    row = 1
    for block in sheet.blocks:
        if block.title:
            row += 1
        out.append((row, len(block.rows)))
        row += 1 + len(block.rows) + 1
    return out


def header_notes(sheet: GeneratedSheet) -> list[tuple[int, int, str]]:
    """(row, column, text) of every note: each header's, the sheet's own opening the first (A1)."""
    notes = []
    for block, (header, _n) in zip(sheet.blocks, layout(sheet)):
        notes.extend((header, j, text) for j, text in enumerate(block.notes, start=1) if text)
    if sheet.note:
        if notes and notes[0][:2] == (1, 1):
            notes[0] = (1, 1, sheet.note + "\n\n" + notes[0][2])
        else:
            notes.insert(0, (1, 1, sheet.note))
    return notes


def apply(package: Package, workbook: xlsx.WorkbookPart, entry: xlsx.SheetEntry, sheet: GeneratedSheet,
          new_types: dict[str, str]) -> None:
    """Add the table and the header notes to the generated sheet part ``entry.part``."""
    xml = package.read(entry.part)
    tail = b""
    positions = layout(sheet)
    notes = header_notes(sheet)
    if notes:
        comments = package.free_name("xl/comments{}.xml")
        package.write(comments, comments_xml(notes))
        new_types[comments] = xlsx.CT_COMMENTS
        vml = package.free_name("xl/drawings/vmlDrawing{}.vml")
        package.write(vml, notes_vml([(r, c) for r, c, _t in notes], 100 + workbook.sheets.index(entry)))
        new_types[vml] = xlsx.CT_VML
        package.add_rel(entry.part, xlsx.REL_COMMENTS, comments)
        rid = package.add_rel(entry.part, xlsx.REL_VML, vml)
        xml = re.sub(rb"<legacyDrawing [^>]*/>", b"", xml)  # none: the grid's note was left to us
        tail += f'<legacyDrawing r:id="{rid}"/>'.encode()
    if sheet.table and sheet.blocks and sheet.blocks[0].headers:
        block = sheet.blocks[0]
        header, count = positions[0]
        ref = f"A{header}:{xlsx.col_letter(len(block.headers))}{header + max(1, count)}"
        part = package.free_name("xl/tables/table{}.xml")
        package.write(part, table_xml(block.headers, ref, *_unique(package, workbook, sheet.table)))
        new_types[part] = CT_TABLE
        rid = package.add_rel(entry.part, xlsx.REL_TABLE, part)
        tail += f'<tableParts count="1"><tablePart r:id="{rid}"/></tableParts>'.encode()
    package.write(entry.part, xml.replace(b"</worksheet>", tail + b"</worksheet>"))


def _unique(package: Package, workbook: xlsx.WorkbookPart, name: str) -> tuple[int, str]:
    """A table id and a name no other table (nor defined name) of the workbook has."""
    ids, names = set(), {el.get("name", "").lower() for el in workbook.root.iter(f"{{{xlsx.NS_MAIN}}}definedName")}
    for part in package.names():
        if part.lower().startswith("xl/tables/") and part.lower().endswith(".xml"):
            try:
                root = parse_xml(package.read(part))
            except Exception:  # noqa: BLE001 - an unreadable part names nothing
                continue
            ids.add(int(root.get("id", "0") or 0))
            names.add((root.get("displayName") or root.get("name") or "").lower())
    unique, n = name, 2
    while unique.lower() in names:
        unique, n = f"{name}{n}", n + 1
    return max(ids, default=0) + 1, unique


def table_xml(headers, ref: str, table_id: int, name: str) -> bytes:
    esc = _esc
    columns = "".join(f'<tableColumn id="{i}" name="{esc(h)}"/>' for i, h in enumerate(headers, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<table xmlns="{xlsx.NS_MAIN}" id="{table_id}" name="{esc(name)}" displayName="{esc(name)}" '
            f'ref="{ref}"><autoFilter ref="{ref}"/><tableColumns count="{len(headers)}">{columns}</tableColumns>'
            f'<tableStyleInfo name="{STYLE}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            f'showColumnStripes="0"/></table>').encode("utf-8")


def comments_xml(notes, author: str = "Relance") -> bytes:
    items = "".join(f'<comment ref="{xlsx.ref_of(r, c)}" authorId="0"><text><t xml:space="preserve">'
                    f'{_esc(xlsx.excel_text(text))}</t></text></comment>' for r, c, text in notes)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{xlsx.NS_MAIN}"><authors><author>{_esc(author)}</author></authors>'
            f'<commentList>{items}</commentList></comments>').encode("utf-8")


def notes_vml(cells, block: int) -> bytes:
    """The legacy drawing Excel needs to show each note (a box hidden until hovered)."""
    shapes = "".join(
        f'<v:shape id="_x0000_s{block * 1024 + n}" type="#_x0000_t202" '
        f'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:240pt;height:110pt;'
        f'z-index:{n};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
        f'<v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
        f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
        f'<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>'
        for n, (r, c) in enumerate(cells, start=1))
    return (f'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            f'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
            f'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            f'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            f'{shapes}</xml>').encode("utf-8")


def _esc(text: str) -> str:
    import html

    return html.escape(xlsx.clean_text(str(text)), quote=True)
