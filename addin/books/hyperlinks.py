"""Hyperlinks written by ``FileBook``: a cell whose text opens a file or a web page.

A ``Link`` (``addin.books.base``) written in a cell becomes, in the package (ECMA-376
Part 1, §18.3.1.47-48):

- the cell's text, as any other text;
- a ``<hyperlink ref="J12" r:id="rId3"/>`` in the sheet's ``<hyperlinks>`` element, placed
  where the schema puts it in ``CT_Worksheet`` (after ``conditionalFormatting`` and
  ``dataValidations``, before ``printOptions``, ``pageMargins``… ``tableParts``, ``extLst``);
  the sheet's other hyperlinks are kept, one on the same cell is replaced;
- a relationship of type ``…/relationships/hyperlink`` with ``TargetMode="External"`` in
  the sheet's relationships, added beside the others (none is removed).

The target: a file inside the workbook's folder (a letter in « Lettres à envoyer/ ») is
written **relative to the workbook**, as a URI reference (``Lettres%20%C3%A0%20envoyer/…``):
the link keeps working when the whole folder is moved, copied to a USB key or synced to
another computer — what Excel itself does for a link to a file beside the workbook. A file
elsewhere is an absolute ``file:`` URI; a URL (``https:``, ``mailto:``) is written as given.

Only the sheet's head and tail (outside ``sheetData``, a few kilobytes even for a big
sheet) are parsed; the rows are copied as they are.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Mapping, Sequence

from lxml import etree

from addin.books import xlsx
from addin.books.base import Link
from addin.books.package import Package, parse_xml, rels_name, to_xml

NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_TRANSITIONAL_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# CT_Worksheet's children that come after <hyperlinks> (ECMA-376 Part 1, §18.3.1.99).
AFTER = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
         "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
         "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
         "tableParts", "extLst")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:(?![\\/]?$)")  # https:, mailto:, file: (not C:\)


def holds(block: Sequence[Sequence[object]]) -> bool:
    """Whether ``block`` holds a ``Link`` (one pass at C speed: most blocks hold none)."""
    return any(Link in map(type, row) for row in block)


def split(block: Sequence[Sequence[object]], first_row: int, first_col: int,
          into: dict[tuple[int, int], str]) -> list[list[object]]:
    """``block`` with each ``Link`` replaced by its text; its target recorded in ``into`` by
    (row, column). A plain value written over a linked cell removes the pending link."""
    out = []
    for i, values in enumerate(block):
        row = list(values)
        for j, value in enumerate(row):
            key = (first_row + i, first_col + j)
            if isinstance(value, Link):
                into[key] = value.target
                row[j] = value.text
            else:
                into.pop(key, None)
        out.append(row)
    return out


def take(cells: dict[tuple[int, int], tuple[object, int]], into: dict[tuple[int, int], str]) -> None:
    """The same for a generated sheet's grid (cell → (value, style)), in place."""
    for key, (value, style) in list(cells.items()):
        if isinstance(value, Link):
            into[key] = value.target
            cells[key] = (value.text, style)


def target_uri(target: str, folder: Path) -> str:
    """What a relationship's ``Target`` holds for ``target`` seen from a workbook in ``folder``:
    a path relative to the workbook for a file inside its folder, else a ``file:`` URI; a URL
    as given."""
    if _URL.match(target) and not re.match(r"^[A-Za-z]:[\\/]", target):
        return target
    path = Path(os.path.abspath(target))
    try:
        relative = PurePosixPath(*path.relative_to(os.path.abspath(folder)).parts)
    except ValueError:
        return path.as_uri()
    return urllib.parse.quote(str(relative), safe="/")


def resolve(target: str, folder: Path) -> Path | None:
    """The local file a relationship ``Target`` names, seen from a workbook in ``folder``
    (``None`` for a web or mail link)."""
    if target.lower().startswith("file:"):
        parsed = urllib.parse.urlparse(target)
        return Path(urllib.parse.unquote(parsed.path))
    if _URL.match(target) and not re.match(r"^[A-Za-z]:[\\/]", target):
        return None
    return Path(folder) / urllib.parse.unquote(target)


def apply_all(package: Package, workbook, links: Mapping[str, Mapping[tuple[int, int], str]],
              folder: Path) -> None:
    """``apply`` for every sheet with links (sheet name → its links); ``workbook``: the
    ``xlsx.WorkbookPart`` naming each sheet's part."""
    for name, cells in links.items():
        entry = workbook.entry(name)
        if cells and entry is not None and entry.part is not None:
            apply(package, entry.part, cells, folder)


def apply(package: Package, part: str, links: Mapping[tuple[int, int], str], folder: Path) -> None:
    """Write ``links`` ((row, column) → target) into the sheet ``part`` and its relationships."""
    if not links:
        return
    scan = xlsx.SheetXml(package.read(part))
    root = parse_xml(scan.head + scan.tail)
    main = etree.QName(root).namespace
    rel_ns = _STRICT_REL if main == xlsx.NS_STRICT else _TRANSITIONAL_REL
    rel_type = REL_HYPERLINK if rel_ns == _TRANSITIONAL_REL else rel_ns + "/hyperlink"
    ids = _add_rels(package, part, rel_type, [target_uri(t, folder) for _k, t in sorted(links.items())])
    container = root.find(f"{{{main}}}hyperlinks")
    if container is None:
        container = etree.Element(f"{{{main}}}hyperlinks")
        following = next((child for child in root if isinstance(child.tag, str)
                          and etree.QName(child).localname in AFTER + ("AlternateContent",)), None)
        if following is not None:
            following.addprevious(container)
        else:
            root.append(container)
    refs = {xlsx.ref_of(r, c) for r, c in links}
    for old in list(container):
        if isinstance(old.tag, str) and old.get("ref") in refs:
            container.remove(old)  # the cell's text changed: its old link goes with it
    for ((r, c), _target), rid in zip(sorted(links.items()), ids):
        link = etree.SubElement(container, f"{{{main}}}hyperlink", nsmap=None)
        link.set("ref", xlsx.ref_of(r, c))
        link.set(f"{{{rel_ns}}}id", rid)
    rebuilt = xlsx.SheetXml(to_xml(root))
    package.write(part, rebuilt.head + scan.data + rebuilt.tail)


def _add_rels(package: Package, part: str, rel_type: str, targets: Sequence[str]) -> list[str]:
    """Add one external relationship per target to ``part``'s relationships; their new Ids."""
    name = rels_name(part)
    root = parse_xml(package.read(name)) if package.exists(name) else \
        etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
    used = {el.get("Id") for el in root}
    ids = []
    n = 1
    for target in targets:
        while f"rId{n}" in used:
            n += 1
        used.add(f"rId{n}")
        el = etree.SubElement(root, f"{{{NS_PKG_REL}}}Relationship")
        el.set("Id", f"rId{n}")
        el.set("Type", rel_type)
        el.set("Target", target)
        el.set("TargetMode", "External")
        ids.append(f"rId{n}")
    package.write(name, to_xml(root))
    return ids

