"""What a workbook file holds, counted, so that a save can prove it lost nothing.

``FileBook`` edits a package part by part (``addin.books.package``): the parts it
does not edit are copied byte for byte, so images, charts, shapes, form controls,
slicers, pivot tables, notes and every sheet extension stay as they were. This module
is the independent check of that promise: ``inventory`` counts what each sheet holds
(before and after), ``losses`` names what the new package would lack, outside the
sheets Relance regenerates. A save with a loss is refused and the file left untouched.

A save checks the sheets whose part, relationships or related parts (drawings, notes,
tables…) differ between the two packages (``changed_parts``: by CRC and size, read off
the zip directories): a part copied unchanged counts the same on both sides. Content
types and relationships are compared for the whole package, always.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping
from xml.etree import ElementTree as ET

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

# Sheet extensions (``<ext uri=...>``), by their published URI.
_EXT_NAMES = {
    "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}": "graphiques sparkline",
    "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}": "validations de données étendues",
    "{78C0D931-6437-407d-A8EE-F0AAD7539E65}": "mises en forme conditionnelles étendues",
    "{A8765BA9-456A-4dab-B4F3-ACF838C121DE}": "segments (slicers)",
    "{3A4CF648-6AED-40f4-86FF-DC5316D8AED3}": "segments de tableau (slicers)",
    "{7E03D99C-DC04-49d9-9315-930204A7B6E9}": "chronologies (timelines)",
}

# What each count means to a user, in the order messages list them.
LABELS = {
    "images": "image(s)",
    "charts": "graphique(s)",
    "shapes": "forme(s) ou zone(s) de texte",
    "other_graphics": "objet(s) graphique(s) (SmartArt, équations…)",
    "alternate_content": "objet(s) récent(s) (contrôles de formulaire, formes)",
    "form_controls": "contrôle(s) de formulaire (boutons, cases à cocher)",
    "activex": "contrôle(s) ActiveX",
    "threaded_comments": "commentaire(s) en fil de discussion",
    "pivots": "tableau(x) croisé(s) dynamique(s)",
    "comments": "note(s) / commentaire(s)",
    "data_validations": "validation(s) de données",
    "conditional_formats": "mise(s) en forme conditionnelle(s)",
    "tables": "tableau(x) Excel",
    "extensions": "extension(s) Excel (sparklines, segments…)",
    "hyperlinks": "lien(s) hypertexte",
}


@dataclass
class Inventory:
    """The countable content of one package, per sheet name."""

    sheets: dict[str, Counter] = field(default_factory=dict)
    extensions: dict[str, list[str]] = field(default_factory=dict)  # sheet -> extension names
    defined_names: int = 0
    vba: bytes | None = None
    content_types: dict[str, str] = field(default_factory=dict)  # part (lower case) -> its content type
    relationships: set[tuple[str, str, str]] = field(default_factory=set)  # (source, type, target), lower case
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet name -> its part (lower case)


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels") if part else "_rels/.rels"


def _rels(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(type suffix, absolute target) of a part's internal relationships."""
    folder = posixpath.dirname(part)
    try:
        root = ET.fromstring(archive.read(_rels_path(part)))
    except KeyError:
        return []
    out = []
    for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((rel.get("Type", "").rsplit("/", 1)[-1], path, rel.get("Id", "")))
    return [(kind, path) for kind, path, _id in out]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _drawing_counts(xml: bytes) -> Counter:
    counts: Counter = Counter()
    root = ET.fromstring(xml)
    for anchor in root:
        for child in anchor:
            name = _local(child.tag)
            if child.tag == f"{{{NS_XDR}}}pic":
                counts["images"] += 1
            elif child.tag == f"{{{NS_XDR}}}graphicFrame":
                if any(el.tag == f"{{{NS_CHART}}}chart" for el in child.iter()):
                    counts["charts"] += 1
                else:
                    counts["other_graphics"] += 1
            elif name in ("sp", "grpSp", "cxnSp") and child.tag.startswith(f"{{{NS_XDR}}}"):
                counts["shapes"] += 1
            elif child.tag == f"{{{NS_MC}}}AlternateContent":
                counts["alternate_content"] += 1
    return counts


def _vml_controls(xml: bytes) -> int:
    """Legacy form controls live in VML next to the notes (ObjectType other than Note)."""
    types = re.findall(rb'ObjectType="([A-Za-z]+)"', xml)
    return sum(1 for t in types if t != b"Note")


_ROWS_OPEN = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_ROWS_CLOSE = re.compile(rb"</(?:\w+:)?sheetData\s*>")


def _closing(data: bytes) -> int:
    """Where ``</sheetData>`` starts in ``data`` (-1: not there). Found by its name first (a
    fast search through megabytes of rows), then checked as a closing tag."""
    at = data.find(b"sheetData")
    while at >= 0:
        start = data.rfind(b"<", max(0, at - 40), at)
        if start >= 0 and _ROWS_CLOSE.match(data, start):
            return start
        at = data.find(b"sheetData", at + 1)
    return -1


class _Outside:
    """A worksheet part without its rows (what ``sheetData`` holds), found as its bytes go by
    in chunks: a sheet may be a gigabyte, and its rows are never kept."""

    def __init__(self) -> None:
        self.head, self.tail, self.inside, self.carry = b"", None, False, b""

    def feed(self, chunk: bytes) -> None:
        if self.tail is not None:
            self.tail += chunk
            return
        if not self.inside:
            self.head += chunk
            m = _ROWS_OPEN.search(self.head)
            if m is None or m.group(1):  # not yet, or <sheetData/>: no rows, everything is outside
                return
            self.head, chunk, self.inside = self.head[:m.start()], self.head[m.end():], True
        buffer = self.carry + chunk
        at = _closing(buffer)
        if at >= 0:
            self.tail = buffer[at:]
        else:
            self.carry = buffer[-40:]  # a closing tag may start here and end in the next chunk

    def bytes(self) -> bytes:
        return self.head + (self.tail if self.tail is not None else self.carry)


def _outside_rows(archive: zipfile.ZipFile, part: str, size: int = 1 << 22) -> bytes:
    """A worksheet part without its rows, read in chunks (``_Outside``)."""
    outside = _Outside()
    with archive.open(part) as stream:
        while chunk := stream.read(size):
            outside.feed(chunk)
    return outside.bytes()


def watch(part: str, chunks: Iterable[bytes], into: dict[str, bytes]) -> Iterator[bytes]:
    """``chunks`` (a worksheet part's bytes, as a save reads or writes them), passed on as they
    come; once they are all gone by, the part without its rows in ``into[part]`` (lower case),
    for ``inventory``: the part is then not inflated again to be counted.

    The rows are not searched as they go by: ``</sheetData>`` is looked for from the end of the
    last chunks kept (``_LAST``, 8 MiB); a part whose end past its rows is longer is not
    recorded (``inventory`` then reads it)."""
    outside = _Outside()
    last: list[bytes] | None = None  # the chunks kept once the rows begin
    kept = 0
    for chunk in chunks:
        if last is not None:
            last.append(chunk)
            kept += len(chunk)
            while kept - len(last[0]) >= _LAST:
                kept -= len(last.pop(0))
        else:
            outside.feed(chunk)
            if outside.inside and outside.tail is None:  # the rows begin: from here, only kept
                last, kept = [outside.carry], len(outside.carry)
        yield chunk
    if last is None:  # no rows, or their end met at once
        into[part.lower()] = outside.bytes()
        return
    end = b"".join(last)
    at = _last_closing(end)
    if at >= 0:
        into[part.lower()] = outside.head + end[at:]


_LAST = 1 << 23


def _last_closing(data: bytes) -> int:
    """Where the last ``</sheetData>`` starts in ``data`` (-1: not there), as ``_closing``."""
    at = data.rfind(b"sheetData")
    while at >= 0:
        start = data.rfind(b"<", max(0, at - 40), at)
        if start >= 0 and _ROWS_CLOSE.match(data, start):
            return start
        at = data.rfind(b"sheetData", 0, at)
    return -1


def _sheet_counts(outside: bytes) -> tuple[Counter, list[str]]:
    """Counts read off a worksheet part outside its rows (``_outside_rows``): a cell's text
    cannot fake a count."""
    counts: Counter = Counter()
    counts["data_validations"] = len(re.findall(rb"<(?:\w+:)?dataValidation[\s>]", outside))
    counts["conditional_formats"] = len(re.findall(rb"<(?:\w+:)?conditionalFormatting[\s>]", outside))
    counts["hyperlinks"] = len(re.findall(rb"<(?:\w+:)?hyperlink[\s/>]", outside))
    exts = [_EXT_NAMES.get(uri.decode(), f"extension Excel {uri.decode()}")
            for uri in re.findall(rb'<(?:\w+:)?ext\b[^>]*?\buri="([^"]+)"', outside)]
    counts["extensions"] = len(exts)
    return counts, exts


def changed_parts(before, after) -> set[str]:
    """The parts (lower case) added, removed or changed between two packages, by their CRC and size."""
    def directory(source) -> dict[str, tuple[int, int]]:
        with zipfile.ZipFile(source) as archive:
            return {i.filename.lower(): (i.CRC, i.file_size) for i in archive.infolist()}

    old, new = directory(before), directory(after)
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def inventory(source, changed: set[str] | None = None, outside: Mapping[str, bytes] | None = None,
              replaced: Iterable[str] = ()) -> Inventory:
    """Describe a package (a path, a file object or bytes wrapped in ``io.BytesIO``).

    ``changed`` (parts in lower case, ``changed_parts``): count only the sheets whose part,
    relationships or related parts are among them; the others are listed with no counts.
    ``outside``: worksheet parts (lower case) without their rows, as ``watch`` saw them go by
    (the same bytes as this package's part): counted from there. ``replaced``: sheets Relance
    regenerates, listed with no counts (``losses`` ignores them)."""
    inv = Inventory()
    with zipfile.ZipFile(source) as archive:
        names = set(archive.namelist())
        if "xl/vbaProject.bin" in names:
            inv.vba = archive.read("xl/vbaProject.bin")
        office = [path for kind, path in _rels(archive, "") if kind == "officeDocument"]
        workbook = office[0] if office else "xl/workbook.xml"
        wb_root = ET.fromstring(archive.read(workbook))
        inv.defined_names = sum(1 for _ in wb_root.iter(f"{{{NS_MAIN}}}definedName"))
        targets = {rid: path for rid, path in _rels_by_id(archive, workbook)}
        inv.content_types, inv.relationships = _package_links(archive)
        for sheet in wb_root.iter(f"{{{NS_MAIN}}}sheet"):
            part = targets.get(sheet.get(f"{{{NS_REL}}}id"))
            name = sheet.get("name", "")
            counts: Counter = Counter()
            inv.sheets[name] = counts
            if part:
                inv.sheet_parts[name] = part.lower()
            if not part or part not in names:
                continue
            if name in replaced:
                continue
            related = _rels(archive, part)
            if changed is not None and not ({part.lower(), _rels_path(part).lower()}
                                            | {target.lower() for _kind, target in related}) & changed:
                continue
            seen = outside.get(part.lower()) if outside else None
            sheet_counts, exts = _sheet_counts(seen if seen is not None else _outside_rows(archive, part))
            counts.update(sheet_counts)
            if exts:
                inv.extensions[name] = exts
            for rel_type, target in related:
                if target not in names:
                    continue
                if rel_type == "drawing":
                    counts.update(_drawing_counts(archive.read(target)))
                elif rel_type == "vmlDrawing":
                    counts["form_controls"] += _vml_controls(archive.read(target))
                elif rel_type == "comments":
                    counts["comments"] += len(re.findall(rb"<(?:\w+:)?comment\s", archive.read(target)))
                elif rel_type == "table":
                    counts["tables"] += 1
                elif rel_type == "pivotTable":
                    counts["pivots"] += 1
                elif rel_type == "ctrlProp":
                    counts["form_controls"] += 1
                elif rel_type == "control":
                    counts["activex"] += 1
                elif rel_type == "threadedComment":
                    counts["threaded_comments"] += len(re.findall(rb"<(?:\w+:)?threadedComment\s",
                                                                  archive.read(target)))
    return inv


def _package_links(archive: zipfile.ZipFile) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    """Every part's content type, and every relationship, part names in lower case (OPC compares
    them without case)."""
    names = [n for n in archive.namelist() if not n.endswith("/")]
    by_lower = {n.lower(): n for n in names}
    overrides: dict[str, str] = {}
    defaults: dict[str, str] = {}
    if "[content_types].xml" in by_lower:
        root = ET.fromstring(archive.read(by_lower["[content_types].xml"]))
        for el in root:
            if _local(el.tag) == "Override":
                overrides[el.get("PartName", "").lstrip("/").lower()] = el.get("ContentType", "")
            elif _local(el.tag) == "Default":
                defaults[el.get("Extension", "").lower()] = el.get("ContentType", "")
    types = {}
    links = set()
    for lower, name in by_lower.items():
        if lower == "[content_types].xml":
            continue
        types[lower] = overrides.get(lower) or defaults.get(lower.rsplit(".", 1)[-1], "")
        folder, base = posixpath.split(lower)
        if posixpath.basename(folder) != "_rels" or not base.endswith(".rels"):
            continue
        source = posixpath.join(posixpath.dirname(folder), base[:-5])
        source_folder = posixpath.dirname(source)
        for rel in ET.fromstring(archive.read(name)).iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") != "External":
                target = (target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join(source_folder, target))).lower()
            links.add((source, rel.get("Type", ""), target))
    return types, links


def _rels_by_id(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    root = ET.fromstring(archive.read(rels_path))
    return [(rel.get("Id"), posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
             if not rel.get("Target", "").startswith("/") else rel.get("Target").lstrip("/"))
            for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship")]


def losses(before: Inventory, after: Inventory, replaced: set[str] = frozenset()) -> list[str]:
    """What ``after`` lacks that ``before`` had, ignoring the sheets Relance regenerates."""
    lines = []
    for sheet, counts in before.sheets.items():
        if sheet in replaced:
            continue
        if sheet not in after.sheets:
            lines.append(f"la feuille « {sheet} » disparaîtrait")
            continue
        for key, label in LABELS.items():
            lost = counts.get(key, 0) - after.sheets[sheet].get(key, 0)
            if lost > 0:
                lines.append(f"la feuille « {sheet} » perdrait {lost} {label}")
    if before.defined_names > after.defined_names:
        lines.append(f"le classeur perdrait {before.defined_names - after.defined_names} nom(s) défini(s)")
    if before.vba is not None and before.vba != after.vba:
        lines.append("le classeur perdrait ou modifierait ses macros (vbaProject.bin)")
    lines.extend(link_losses(before, after, replaced))
    return lines


def link_losses(before: Inventory, after: Inventory, replaced: set[str] = frozenset()) -> list[str]:
    """Content types that would change, and relationships that would go, outside what Relance rewrites.

    A part whose type changes (an Override dropped: the part falls back to ``application/xml``) is
    not read by Excel as what it is; a relationship dropped from a part that stays cuts what it
    pointed to off the workbook. The regenerated sheets' own relationships, and the calculation
    chain (removed on purpose: Excel rebuilds it), are Relance's to change; so is a regenerated
    sheet's type, which Relance declares as a worksheet (a sheet whose Override was lost is repaired).
    """
    lines = []
    regenerated = {before.sheet_parts[name] for name in replaced if name in before.sheet_parts}
    for part, kind in before.content_types.items():
        new = after.content_types.get(part)
        if new is not None and new != kind and part not in regenerated:
            lines.append(f"la partie « {part} » changerait de type de contenu ({kind or 'aucun'} → {new or 'aucun'})")
    for source, kind, target in sorted(before.relationships - after.relationships):
        if source in regenerated or kind.endswith("/calcChain") or (source and source not in after.content_types):
            continue
        lines.append(f"la relation « {kind.rsplit('/', 1)[-1]} » de « {source or 'paquet'} » vers « {target} » "
                     "disparaîtrait")
    return lines
