"""What a workbook file holds, and what re-saving it with openpyxl would lose.

openpyxl rewrites the whole package when it saves. It keeps cells, styles,
comments (as notes), data validations, conditional formats, defined names,
tables, images, pivot tables and the charts it can read; it drops shapes and
text boxes, form controls, ActiveX controls, slicers, timelines, threaded
comments and every ``extLst`` extension of a sheet (sparklines, x14 validations
and conditional formats). Relance never saves a file that would lose something:
``inventory`` describes a package (before and after), ``risks`` names what a
re-save is known to drop, ``losses`` compares two inventories.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

# Sheet extensions (``<ext uri=...>``) openpyxl does not read, by their published URI.
_EXT_NAMES = {
    "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}": "graphiques sparkline",
    "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}": "validations de données étendues (listes vers une autre feuille)",
    "{78C0D931-6437-407d-A8EE-F0AAD7539E65}": "mises en forme conditionnelles étendues (barres de données, icônes)",
    "{A8765BA9-456A-4dab-B4F3-ACF838C121DE}": "segments (slicers)",
    "{3A4CF648-6AED-40f4-86FF-DC5316D8AED3}": "segments de tableau (slicers)",
    "{7E03D99C-DC04-49d9-9315-930204A7B6E9}": "chronologies (timelines)",
}

# Parts whose disappearance is harmless: Excel rebuilds them or they only cache things.
_HARMLESS_KINDS = {
    "xl/calcChain.xml",
    "xl/printerSettings/printerSettings#.bin",
    "docProps/thumbnail.jpeg",
    "docProps/thumbnail.wmf",
    "docProps/thumbnail.emf",
    "xl/sharedStrings.xml",
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
}

# Counts that openpyxl is known to drop: refused before anything is written.
DROPPED = ("shapes", "other_graphics", "alternate_content", "form_controls", "activex",
           "threaded_comments")
# Counts that openpyxl keeps: compared before/after as a safety net.
KEPT = ("images", "charts", "pivots", "comments", "data_validations", "conditional_formats",
        "tables")


@dataclass
class Inventory:
    """The countable content of one package, per sheet name."""

    sheets: dict[str, Counter] = field(default_factory=dict)
    extensions: dict[str, list[str]] = field(default_factory=dict)  # sheet -> extension names
    part_kinds: set[str] = field(default_factory=set)
    defined_names: int = 0
    workbook_features: list[str] = field(default_factory=list)
    vba: bytes | None = None


def _kind(part: str) -> str:
    """``xl/drawings/drawing12.xml`` → ``xl/drawings/drawing#.xml``."""
    return re.sub(r"\d+", "#", part)


def _rels(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(type suffix, absolute target) of a part's relationships."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    if rels_path not in archive.namelist():
        return []
    root = ET.fromstring(archive.read(rels_path))
    out = []
    for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(folder, target))
        out.append((rel.get("Type", "").rsplit("/", 1)[-1], path))
    return out


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


def inventory(source) -> Inventory:
    """Describe a package (a path, a file object or bytes wrapped in ``io.BytesIO``)."""
    inv = Inventory()
    with zipfile.ZipFile(source) as archive:
        names = archive.namelist()
        inv.part_kinds = {_kind(n) for n in names if not n.endswith("/")}
        if "xl/vbaProject.bin" in names:
            inv.vba = archive.read("xl/vbaProject.bin")
        wb_root = ET.fromstring(archive.read("xl/workbook.xml"))
        inv.defined_names = sum(1 for _ in wb_root.iter(f"{{{NS_MAIN}}}definedName"))
        for ext in wb_root.iter(f"{{{NS_MAIN}}}ext"):
            text = ET.tostring(ext, encoding="unicode").lower()
            if "slicer" in text:
                inv.workbook_features.append("segments (slicers)")
            elif "timeline" in text:
                inv.workbook_features.append("chronologies (timelines)")
        targets = dict(_rels_by_id(archive, "xl/workbook.xml"))
        for sheet in wb_root.iter(f"{{{NS_MAIN}}}sheet"):
            rid = sheet.get(f"{{{NS_REL}}}id")
            part = targets.get(rid)
            name = sheet.get("name", "")
            counts: Counter = Counter()
            inv.sheets[name] = counts
            if not part or part not in names:
                continue
            xml = archive.read(part)
            root = ET.fromstring(xml)
            counts["data_validations"] = sum(1 for _ in root.iter(f"{{{NS_MAIN}}}dataValidation"))
            counts["conditional_formats"] = sum(
                1 for _ in root.iter(f"{{{NS_MAIN}}}conditionalFormatting"))
            exts = []
            for ext_list in root.findall(f"{{{NS_MAIN}}}extLst"):
                for ext in ext_list:
                    uri = ext.get("uri", "")
                    exts.append(_EXT_NAMES.get(uri, f"extension Excel {uri}"))
            if exts:
                inv.extensions[name] = exts
            for rel_type, target in _rels(archive, part):
                if target not in names:
                    continue
                if rel_type == "drawing":
                    counts.update(_drawing_counts(archive.read(target)))
                elif rel_type == "vmlDrawing":
                    counts["form_controls"] += _vml_controls(archive.read(target))
                elif rel_type == "comments":
                    counts["comments"] += archive.read(target).count(b"<comment ")
                elif rel_type == "table":
                    counts["tables"] += 1
                elif rel_type == "pivotTable":
                    counts["pivots"] += 1
                elif rel_type == "ctrlProp":
                    counts["form_controls"] += 1
                elif rel_type == "control":
                    counts["activex"] += 1
                elif rel_type == "threadedComment":
                    counts["threaded_comments"] += archive.read(target).count(b"<threadedComment ")
    return inv


def _rels_by_id(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    root = ET.fromstring(archive.read(rels_path))
    return [(rel.get("Id"), posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
             if not rel.get("Target", "").startswith("/") else rel.get("Target").lstrip("/"))
            for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship")]


def risks(inv: Inventory) -> list[str]:
    """What a re-save with openpyxl is known to drop, one French line per sheet and kind."""
    lines = []
    for sheet, counts in inv.sheets.items():
        for key in DROPPED:
            if counts.get(key):
                lines.append(f"la feuille « {sheet} » contient {counts[key]} {LABELS[key]}")
        for ext in inv.extensions.get(sheet, ()):
            lines.append(f"la feuille « {sheet} » contient des {ext}")
    for feature in inv.workbook_features:
        lines.append(f"le classeur contient des {feature}")
    for kind in sorted(inv.part_kinds):
        if kind.startswith(("xl/activeX/", "xl/slicers/", "xl/timelines/")) and not any(
                "ActiveX" in x or "slicers" in x or "timelines" in x for x in lines):
            lines.append(f"le classeur contient une partie « {kind} » que Relance ne sait pas conserver")
    return lines


def losses(before: Inventory, after: Inventory, replaced: set[str] = frozenset()) -> list[str]:
    """What ``after`` lacks that ``before`` had, ignoring the sheets Relance regenerates."""
    lines = []
    for sheet, counts in before.sheets.items():
        if sheet in replaced:
            continue
        if sheet not in after.sheets:
            lines.append(f"la feuille « {sheet} » a disparu")
            continue
        for key in KEPT + DROPPED:
            if counts.get(key, 0) > after.sheets[sheet].get(key, 0):
                lines.append(f"la feuille « {sheet} » perdrait {counts[key] - after.sheets[sheet].get(key, 0)}"
                             f" {LABELS[key]}")
        lost_ext = Counter(before.extensions.get(sheet, ())) - Counter(after.extensions.get(sheet, ()))
        for ext in lost_ext:
            lines.append(f"la feuille « {sheet} » perdrait ses {ext}")
    if before.defined_names > after.defined_names:
        lines.append(f"le classeur perdrait {before.defined_names - after.defined_names} nom(s) défini(s)")
    if before.vba is not None and before.vba != after.vba:
        lines.append("le classeur perdrait ou modifierait ses macros (vbaProject.bin)")
    for kind in sorted(before.part_kinds - after.part_kinds - _HARMLESS_KINDS):
        lines.append(f"le classeur perdrait la partie « {kind} »")
    return lines
