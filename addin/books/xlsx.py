"""SpreadsheetML edits at the level of the XML: cells spliced into a sheet, whole sheets written.

What Relance changes in a workbook file, and nothing else (ECMA-376 Part 1, §18):

- in an existing sheet, the cells it writes: each ``<c>`` is replaced or inserted in its
  row, every other byte of the sheet stays as it was (cached results of formulas,
  ``extLst`` extensions, row attributes, merges, validations, drawings…);
- the sheets it owns (*Relances*, *Anomalies*, *Revue*…), written whole;
- the styles part, only to add the cell formats its cells need (deduplicated, so a
  second refresh adds none);
- the workbook part, only to add a sheet, hide one, drop the calculation chain and ask
  for a full recalculation on open (``fullCalcOnLoad``: formulas of the user that read
  the computed columns are then up to date in Excel and LibreOffice).

Text is always written as an inline string: never a formula, whatever it starts with.
"""

from __future__ import annotations

import bisect
import copy
import functools
import html
import math
import operator
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import accumulate, compress, repeat
from typing import Iterable, Iterator, Mapping, NamedTuple, Sequence

from lxml import etree

from addin.books.base import naive
from addin.books.package import Package, parse_xml, to_xml

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_OFFICE_DOCUMENT = RELS + "/officeDocument"
REL_WORKSHEET = RELS + "/worksheet"
REL_STYLES = RELS + "/styles"
REL_CALC_CHAIN = RELS + "/calcChain"
REL_DRAWING = RELS + "/drawing"
REL_CHART = RELS + "/chart"
REL_COMMENTS = RELS + "/comments"
REL_VML = RELS + "/vmlDrawing"
REL_TABLE = RELS + "/table"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

_M = f"{{{NS_MAIN}}}"

# Number formats Excel knows by id (ECMA-376 §18.8.30); others are declared in numFmts.
BUILTIN_FORMATS = {
    "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
    "0.00E+00": 11, "mm-dd-yy": 14, "d-mmm-yy": 15, "d-mmm": 16, "mmm-yy": 17, "h:mm": 20,
    "h:mm:ss": 21, "m/d/yy h:mm": 22, "@": 49,
}
_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class XlsxError(Exception):
    """A package Relance cannot edit safely (not SpreadsheetML, strict namespace, binary…)."""


# --- references ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def col_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def split_ref(ref: str) -> tuple[int, int]:
    """``"AB12"`` → (12, 28)."""
    m = _REF.fullmatch(ref)
    if not m:
        raise ValueError(f"référence de cellule illisible : {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


def ref_of(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """``"A1:C10"`` → (min_row, min_col, max_row, max_col)."""
    first, _, last = ref.partition(":")
    r1, c1 = split_ref(first)
    r2, c2 = split_ref(last or first)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


# --- styles ----------------------------------------------------------------------------------

_MINIMAL_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b'</styleSheet>'
)
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst")
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
               "name", "family", "charset", "scheme")


def _key(el: etree._Element) -> tuple:
    """What makes two style records equal: names, attributes, text and children, in order."""
    return (etree.QName(el).localname, tuple(sorted((etree.QName(k).localname, v) for k, v in el.attrib.items())),
            (el.text or "").strip(), tuple(_key(child) for child in el if isinstance(child.tag, str)))


class Styles:
    """The styles part, grown only by the formats Relance's cells need (deduplicated)."""

    def __init__(self, data: bytes | None):
        self.created = data is None
        self.changed = data is None
        self.root = parse_xml(data or _MINIMAL_STYLES)
        self._keys: dict[str, dict[tuple, int]] = {}
        self._sections: dict[str, etree._Element] = {}
        self._derived: dict[tuple, int] = {}
        self._numfmts: dict[int, int] = {}

    def _section(self, name: str) -> etree._Element:
        el = self._sections.get(name)
        if el is not None:
            return el
        el = self.root.find(_M + name)
        if el is None:
            el = etree.Element(_M + name)
            position = _STYLE_ORDER.index(name)
            index = 0
            for i, child in enumerate(self.root):
                local = etree.QName(child).localname
                if local in _STYLE_ORDER and _STYLE_ORDER.index(local) < position:
                    index = i + 1
            self.root.insert(index, el)
        self._sections[name] = el
        return el

    def _index(self, section: str, candidate: etree._Element) -> int:
        """The position of an element equal to ``candidate`` in ``section``, appended if new."""
        parent = self._section(section)
        keys = self._keys.get(section)
        if keys is None:
            keys = {}
            for i, el in enumerate(el for el in parent if isinstance(el.tag, str)):
                keys.setdefault(_key(el), i)
            self._keys[section] = keys
        found = keys.get(_key(candidate))
        if found is not None:
            return found
        # Equal records may repeat in a file (Excel writes duplicates): count the elements.
        index = sum(1 for el in parent if isinstance(el.tag, str))
        parent.append(candidate)
        keys[_key(candidate)] = index
        parent.set("count", str(index + 1))
        self.changed = True
        return index

    def _items(self, section: str) -> list[etree._Element]:
        return [el for el in self._section(section) if isinstance(el.tag, str)]

    def numfmt_id(self, code: str) -> int:
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        section = self._section("numFmts")
        used = set()
        for el in section:
            if el.get("formatCode") == code:
                return int(el.get("numFmtId"))
            used.add(int(el.get("numFmtId", "0")))
        new_id = max(used | {163}) + 1
        el = etree.SubElement(section, _M + "numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        section.set("count", str(len(section)))
        self.changed = True
        return new_id

    def is_general(self, xf: int) -> bool:
        """Whether cell format ``xf`` shows numbers as General (id 0, or a format declared as
        "General", as LibreOffice writes its default)."""
        fmt_id = self.numfmt_of(xf)
        if fmt_id == 0:
            return True
        if fmt_id < 164:
            return False
        for el in self._section("numFmts"):
            if el.get("numFmtId") == str(fmt_id):
                return el.get("formatCode", "").strip().lower() == "general"
        return False

    def numfmt_of(self, xf: int) -> int:
        """The number format id of cell format ``xf`` (0, General, when there is none)."""
        found = self._numfmts.get(xf)
        if found is None:
            xfs = self._items("cellXfs")
            found = self._numfmts[xf] = int(xfs[xf].get("numFmtId", "0")) if xf < len(xfs) else 0
        return found

    def derive(self, base: int, *, numfmt: str | None = None, bold: bool = False, size: float | None = None,
               fill: str | None = None, wrap: bool = False) -> int:
        """A cell format: ``base``'s, with these changes; an existing equal one is reused."""
        request = (base, numfmt, bold, size, fill, wrap)
        found = self._derived.get(request)
        if found is None:
            found = self._derived[request] = self._derive(base, numfmt, bold, size, fill, wrap)
        return found

    def _derive(self, base: int, numfmt: str | None, bold: bool, size: float | None, fill: str | None,
                wrap: bool) -> int:
        xfs = self._items("cellXfs")
        if not xfs:
            self._index("cellXfs", etree.fromstring(
                f'<xf xmlns="{NS_MAIN}" numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'))
            xfs = self._items("cellXfs")
        xf = copy.deepcopy(xfs[base if base < len(xfs) else 0])
        if numfmt is not None:
            xf.set("numFmtId", str(self.numfmt_id(numfmt)))
            xf.set("applyNumberFormat", "1")
        if bold or size:
            fonts = self._items("fonts")
            font = copy.deepcopy(_at(fonts, xf.get("fontId", "0")) if fonts else etree.Element(_M + "font"))
            if bold and font.find(_M + "b") is None:
                font.insert(0, etree.Element(_M + "b"))
            if size:
                sz = font.find(_M + "sz")
                if sz is None:
                    sz = etree.Element(_M + "sz")
                    _insert_ordered(font, sz, _FONT_ORDER)
                sz.set("val", f"{size:g}")
            xf.set("fontId", str(self._index("fonts", font)))
            xf.set("applyFont", "1")
        if fill:
            el = etree.fromstring(
                f'<fill xmlns="{NS_MAIN}"><patternFill patternType="solid"><fgColor rgb="FF{fill}"/>'
                f'<bgColor indexed="64"/></patternFill></fill>')
            xf.set("fillId", str(self._index("fills", el)))
            xf.set("applyFill", "1")
        if wrap:
            alignment = xf.find(_M + "alignment")
            if alignment is None:
                alignment = etree.Element(_M + "alignment")
                xf.insert(0, alignment)
            alignment.set("wrapText", "1")
            alignment.set("vertical", "top")
            xf.set("applyAlignment", "1")
        return self._index("cellXfs", xf)

    def to_bytes(self) -> bytes:
        return to_xml(self.root)


def _at(items: list[etree._Element], index: str | None) -> etree._Element:
    """``items[index]`` for an index read from the file; the first item when it is past the end or not
    a number (a style pointing past its list is the file's mistake: Excel shows the default font)."""
    try:
        position = int(index or "0")
    except ValueError:
        position = 0
    return items[position] if 0 <= position < len(items) else items[0]


def _insert_ordered(parent: etree._Element, child: etree._Element, order: Sequence[str]) -> None:
    position = order.index(etree.QName(child).localname)
    index = len(parent)
    for i, el in enumerate(parent):
        if isinstance(el.tag, str) and etree.QName(el).localname in order \
                and order.index(etree.QName(el).localname) > position:
            index = i
            break
    parent.insert(index, child)


# --- the workbook part -------------------------------------------------------------------------


@dataclass
class SheetEntry:
    name: str
    part: str | None  # None: not a worksheet (a chart sheet, a dialog sheet)
    element: etree._Element = field(repr=False)


class WorkbookPart:
    """``xl/workbook.xml`` and its relationships: the sheets and the date system."""

    def __init__(self, package: Package):
        self.package = package
        office = [r for r in package.rels("") if r.type == REL_OFFICE_DOCUMENT]
        if not office or not package.exists(office[0].target):
            raise XlsxError("le fichier n'a pas de classeur (partie officeDocument absente)")
        self.part = office[0].target
        if not self.part.lower().endswith(".xml"):
            raise XlsxError(f"format binaire ({self.part}) : seul le format .xlsx/.xlsm est pris en charge")
        self.root = parse_xml(package.read(self.part))
        namespace = etree.QName(self.root).namespace
        if namespace == NS_STRICT:
            raise XlsxError("classeur au format « Strict Open XML » : enregistrez-le au format .xlsx habituel")
        if namespace != NS_MAIN:
            raise XlsxError(f"partie de classeur inattendue ({namespace})")
        self.changed = False
        rels = {r.id: r for r in package.rels(self.part)}
        self.rels = rels
        self.sheets: list[SheetEntry] = []
        for el in self.root.iter(_M + "sheet"):
            rel = rels.get(el.get(f"{{{NS_R}}}id", ""))
            part = rel.target if rel is not None and rel.type == REL_WORKSHEET else None
            self.sheets.append(SheetEntry(el.get("name", ""), part, el))
        pr = self.root.find(_M + "workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    def entry(self, name: str) -> SheetEntry | None:
        for entry in self.sheets:
            if entry.name == name:
                return entry
        return None

    def styles_part(self) -> str | None:
        for rel in self.rels.values():
            if rel.type == REL_STYLES:
                return rel.target
        return None

    def add_styles(self, part: str) -> None:
        self.package.add_rel(self.part, REL_STYLES, part)

    def add_sheet(self, name: str) -> SheetEntry:
        """A new worksheet part and its tab, after the others."""
        part = self.package.free_name("xl/worksheets/sheet{}.xml")
        self.package.write(part, b"")  # reserved: the caller writes the sheet
        rid = self.package.add_rel(self.part, REL_WORKSHEET, part)
        sheets = self.root.find(_M + "sheets")
        ids = [int(e.element.get("sheetId", "0")) for e in self.sheets]
        el = etree.SubElement(sheets, _M + "sheet")
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        el.set(f"{{{NS_R}}}id", rid)
        entry = SheetEntry(name, part, el)
        self.sheets.append(entry)
        self.changed = True
        return entry

    def set_hidden(self, entry: SheetEntry, hidden: bool) -> None:
        state = entry.element.get("state")
        if hidden and state not in ("hidden", "veryHidden"):
            entry.element.set("state", "hidden")
            self.changed = True
        elif not hidden and state not in (None, "visible"):
            del entry.element.attrib["state"]
            self.changed = True
        if hidden:
            self._keep_a_visible_active_tab(entry)

    def _keep_a_visible_active_tab(self, hidden: SheetEntry) -> None:
        index = self.sheets.index(hidden)
        for view in self.root.iter(_M + "workbookView"):
            if int(view.get("activeTab", "0")) == index:
                visible = [i for i, e in enumerate(self.sheets) if e.element.get("state") in (None, "visible")]
                if visible:
                    view.set("activeTab", str(visible[0]))
                    self.changed = True

    def recalculate_on_open(self) -> None:
        """Drop the calculation chain (Excel rebuilds it) and ask for a full recalculation."""
        for rel in list(self.rels.values()):
            if rel.type == REL_CALC_CHAIN:
                self.package.remove_rel(self.part, rel.id)
                del self.rels[rel.id]
        calc = self.root.find(_M + "calcPr")
        if calc is None:
            calc = etree.Element(_M + "calcPr")
            order = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                     "functionGroups", "externalReferences", "definedNames", "calcPr")
            _insert_ordered(self.root, calc, order + ("oleSize", "customWorkbookViews", "pivotCaches",
                                                      "smartTagPr", "smartTagTypes", "webPublishing",
                                                      "fileRecoveryPr", "webPublishObjects", "extLst"))
            self.changed = True
        if calc.get("fullCalcOnLoad") != "1":
            calc.set("fullCalcOnLoad", "1")
            self.changed = True

    def save(self) -> None:
        if self.changed:
            self.package.write(self.part, to_xml(self.root))


# --- cell values -------------------------------------------------------------------------------


def excel_serial(value: date | datetime | time, date1904: bool = False) -> float | int:
    """A date as Excel stores it: days since the workbook's epoch (1900 or 1904 system)."""
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    if isinstance(value, datetime):
        days = (naive(value).date() - epoch).days
        fraction = excel_serial(value.time())
        return days + fraction if fraction else days
    return (value - epoch).days


def clean_text(text: str) -> str:
    """Characters XML cannot carry are dropped (control characters, lone surrogates)."""
    return _ILLEGAL.sub("", text)


_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def excel_text(text: str) -> str:
    """Text as Excel stores it: what reads like Excel's own escape ``_xHHHH_`` is escaped
    itself (``_x005F_xHHHH_``), so that "_x0041_" stays "_x0041_" and does not show as "A"."""
    return _ESCAPE_LIKE.sub(r"_x005F_\1", clean_text(text))


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"nombre impossible à écrire : {value}")
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"nombre impossible à écrire : {value}")
        return repr(value) if not value.is_integer() or abs(value) >= 1e16 else str(int(value))
    return str(int(value))


def cell_xml(ref: str, style: int, value: object, date1904: bool, prefix: str = "") -> str:
    """One ``<c>``: text as an inline string (never a formula), numbers, booleans, dates."""
    return f'<{prefix}c r="{ref}"' + cell_tail(style, value, date1904, prefix)


def cell_tail(style: int, value: object, date1904: bool, prefix: str = "") -> str:
    """A ``<c>`` after its reference: the same for every cell of equal style and value, so
    that a sheet's writer makes it once per distinct (style, value) (``SheetXml.patch``)."""
    p = prefix
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'{s}/>'
    if isinstance(value, bool):
        return f'{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if isinstance(value, (int, float, Decimal)):
        return f'{s}><{p}v>{_number(value)}</{p}v></{p}c>'
    if isinstance(value, (date, datetime, time)):
        return f'{s}><{p}v>{_number(excel_serial(value, date1904))}</{p}v></{p}c>'
    if isinstance(value, str):
        text = html.escape(excel_text(value), quote=False).replace("\r", "&#13;")
        return f'{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{text}</{p}t></{p}is></{p}c>'
    raise TypeError(f"valeur impossible à écrire dans une cellule : {value!r}")


# --- splicing cells into an existing sheet -------------------------------------------------------


class _Shared:
    """Shared formulas whose anchor cell is overwritten: their other cells get their own formula."""

    def __init__(self) -> None:
        self.orphans: dict[str, tuple[str, str]] = {}  # si -> (formula text, anchor ref)

    def note_overwritten(self, raw: bytes, p: bytes) -> None:
        m = re.search(rb"<" + p + rb"f\b([^>]*)>(.*?)</" + p + rb"f>", raw, re.S)
        if m and b't="shared"' in m.group(1) and b"ref=" in m.group(1):
            si = re.search(rb'si="(\d+)"', m.group(1))
            ref = re.search(rb'\br="([A-Z]+\d+)"', raw)
            if si and ref:
                self.orphans[si.group(1).decode()] = (html.unescape(m.group(2).decode("utf-8")),
                                                      ref.group(1).decode())

    def adopt(self, raw: bytes, ref: str, p: bytes) -> bytes:
        """A dependent cell of an orphaned group, with the formula translated to its place."""
        if not self.orphans or b"si=" not in raw:
            return raw
        m = re.search(rb"<" + p + rb'f\b([^>]*?)si="(\d+)"([^>]*?)(/>|>\s*</' + p + rb"f>)", raw)
        if not m or m.group(2).decode() not in self.orphans or b"ref=" in m.group(0):
            return raw
        from openpyxl.formula.translate import Translator

        formula, anchor = self.orphans[m.group(2).decode()]
        translated = Translator("=" + formula, origin=anchor).translate_formula(ref)[1:]
        new_f = b"<" + p + b"f>" + html.escape(translated, quote=False).encode("utf-8") + b"</" + p + b"f>"
        return raw[:m.start()] + new_f + raw[m.end():]


def _prefix(xml: bytes) -> bytes:
    m = re.search(rb"<(?:(\w+):)?worksheet\b", xml)
    if not m:
        raise XlsxError("partie de feuille sans élément worksheet")
    return m.group(1) + b":" if m.group(1) else b""


@functools.lru_cache(maxsize=None)
def _rows_open(p: bytes) -> re.Pattern:
    """The opening of a sheet's rows, ``<sheetData>`` (group 1: "/" when it has none)."""
    return re.compile(rb"<" + p + rb"sheetData\b[^>]*?(/?)>")


@functools.lru_cache(maxsize=None)
def _attr_pattern(name: bytes) -> re.Pattern:
    return re.compile(rb"(?<![\w:])" + name + rb'="([^"]*)"')


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    m = _attr_pattern(name).search(attrs)
    return m.group(1) if m else None


class SheetXml:
    """A worksheet part split around its ``sheetData``, with fast scans of what a read needs.

    The rows are not copied out of the part: scans run over ``xml`` between two offsets."""

    def __init__(self, xml: bytes):
        self.xml = xml
        self.p = _prefix(xml)
        p = self.p
        m = _rows_open(p).search(xml)
        if not m:
            raise XlsxError("feuille sans sheetData")
        if m.group(1):
            self.head = xml[:m.start()] + b"<" + p + b"sheetData>"
            self._start = self._end = m.end()
            self.tail = b"</" + p + b"sheetData>" + xml[m.end():]
        else:
            end = xml.find(b"</" + p + b"sheetData>", m.end())
            if end < 0:
                raise XlsxError("feuille incomplète (sheetData non refermé : la partie est tronquée)")
            self.head, self._start, self._end, self.tail = xml[:m.end()], m.end(), end, xml[end:]
        self._row = re.compile(rb"<" + p + rb"row\b([^>]*?)(?:/>|>(.*?)</" + p + rb"row>)", re.S)
        self._parts = _RowParts(p)

    @property
    def data(self) -> bytes:
        """The rows, as in the part (a copy: scans use ``xml`` and the offsets)."""
        return self.xml[self._start:self._end]

    def formulas(self) -> frozenset[tuple[int, int]]:
        """(row, column) of every cell holding a formula."""
        p, data, first, last = self.p, self.xml, self._start, self._end
        tag = re.compile(rb"<" + p + rb"f[\s>/]")
        if tag.search(data, first, last) is None:  # a data sheet: no formula, nothing else to scan
            return frozenset()
        if not self._cells_have_refs():
            return frozenset((r, c) for r, cells in self.rows() for c, raw in cells
                             if tag.search(raw))
        found = set()
        opening = b"<" + p + b"c"
        for m in tag.finditer(data, first, last):
            start = data.rfind(opening, first, m.start())
            # "<c" must open a cell, not a longer tag name.
            while start >= 0 and data[start + len(opening):start + len(opening) + 1] not in b" \t\n\r>/":
                start = data.rfind(opening, first, start)
            if start >= 0:
                ref = _attr(data[start:data.index(b">", start)], b"r")
                if ref is not None:
                    found.add(split_ref(ref.decode()))
        return frozenset(found)

    def _cells_have_refs(self) -> bool:
        # A writer may omit r on cells (positions are then implicit): rare, read the slow way.
        p = self.p
        cells = re.compile(rb"<" + p + rb"c[\s>/]").findall(self.xml, self._start, self._end)
        refs = re.compile(rb"<" + p + rb'c\s[^>]*?(?<![\w:])r="').findall(self.xml, self._start, self._end)
        return len(cells) == len(refs)

    def rows(self):
        """(row, [(col, raw cell bytes)]) for every row, positions made explicit."""
        last = 0
        for m in self._row.finditer(self.xml, self._start, self._end):
            r_attr = _attr(m.group(1), b"r")
            r = int(r_attr) if r_attr else last + 1
            last = r
            yield r, self._parts.cells(m.group(2) or b"")

    def merged(self) -> tuple[tuple[int, int, int, int], ...]:
        return _merged_in(self.p, self.tail)

    def tab_selected(self) -> bool:
        return bool(re.search(rb'<' + self.p + rb'sheetView\b[^>]*\btabSelected="(1|true)"', self.head))

    def column_styles(self) -> list[tuple[int, int, int]]:
        out = []
        for m in re.finditer(rb"<" + self.p + rb"col\b([^>]*)", self.head):
            lo, hi, style = _attr(m.group(1), b"min"), _attr(m.group(1), b"max"), _attr(m.group(1), b"style")
            if lo and hi and style:
                out.append((int(lo), int(hi), int(style)))
        return out

    def facts(self) -> "SheetFacts":
        """What a read needs of this sheet, without its XML (which can then be let go)."""
        return SheetFacts(self.formulas(), self.merged())

    def patch(self, edits: Mapping[int, Mapping[int, tuple[object, str | None]]], styles: Styles,
              date1904: bool) -> bytes:
        """The sheet with ``edits`` (row → column → (value, number format or None)) spliced in.

        Nothing else changes: rows and cells not written keep their bytes. A written cell
        keeps its style but for the number format (a date in a General cell gets
        ``DATE_FORMAT``); a new cell takes its row's or column's style (``splice``, which
        does the same on a stream).
        """
        max_row = max(edits, default=0)
        max_col = max((max(row) for row in edits.values() if row), default=0)
        return b"".join(splice([self.xml], rows_of(edits), max_row, max_col, styles, date1904))


@dataclass(frozen=True)
class SheetFacts:
    """A sheet's formula cells and merged ranges (``SheetXml.facts``): what a read keeps of it."""

    _formulas: frozenset
    _merged: tuple

    def formulas(self) -> frozenset[tuple[int, int]]:
        return self._formulas

    def merged(self) -> tuple[tuple[int, int, int, int], ...]:
        return self._merged


def stream_facts(chunks: Iterable[bytes], head_limit: int = 1 << 24) -> SheetFacts | None:
    """``SheetXml(part).facts()`` of a part read as ``chunks``, never whole in memory (a sheet of a
    million rows is hundreds of megabytes of XML): its merged ranges, and no formula.

    None when the part is not that plain case (a formula, no ``sheetData``, a head beyond
    ``head_limit``): the caller then reads it whole with ``SheetXml``, which finds the formulas
    or says what is wrong, exactly as before."""
    scanner = FactsScanner(head_limit)
    for chunk in chunks:
        if not scanner.feed(chunk):
            break
    return scanner.result()


class FactsScanner:
    """``stream_facts`` fed a chunk at a time (``feed``), as the package check inflates the part:
    the sheet is then inflated once for both. Keeps a small window, the head until ``sheetData``
    opens, and the tail from where it closes (merged ranges are there)."""

    def __init__(self, head_limit: int = 1 << 24):
        self.head_limit = head_limit
        self._buf = b""  # the head, then the window of the rows not yet searched
        self._p: bytes | None = None
        self._formula: re.Pattern | None = None  # a formula's tag, or (group 1) the rows' end
        self._keep = 0
        self._tail: list[bytes] | None = None
        self._odd = False

    def feed(self, chunk: bytes) -> bool:
        """Take the next chunk; False once the answer is known to be None (the rest can be skipped)."""
        if self._odd:
            return False
        if self._tail is not None:
            self._tail.append(chunk)
            return True
        self._buf += chunk
        if self._formula is None and not self._open():
            return not self._odd
        window = self._buf
        found = self._formula.search(window)  # the first formula or the end of the rows, in one pass
        if found is None:
            self._buf = window[-self._keep:]
        elif found.group(1) is None:
            self._odd, self._buf = True, b""  # a formula: the whole reading finds them all
            return False
        else:
            self._tail, self._buf = [window[found.start():]], b""
        return True

    def _open(self) -> bool:
        """Find the prefix and ``<sheetData>`` in the head; False while they are not there yet."""
        buf = self._buf
        try:
            p = _prefix(buf)
        except XlsxError:
            p = None
        opening = _rows_open(p).search(buf) if p is not None else None
        if opening is None:
            if len(buf) > self.head_limit:
                self._odd, self._buf = True, b""
            return False
        self._p = p
        if opening.group(1):  # <sheetData/>: no rows, the rest is the tail
            self._tail, self._buf = [buf[opening.end():]], b""
            return False
        self._formula = re.compile(rb"<(?:" + p + rb"f[\s>/]|(/)" + p + rb"sheetData>)")
        self._keep = len(p) + 16  # a tag cut between two chunks is whole in the next window
        self._buf = buf[opening.end():]
        return True

    def result(self) -> SheetFacts | None:
        """The facts, or None: a formula, an odd part, or one that ended before ``sheetData`` closed."""
        if self._odd or self._tail is None:
            return None
        return SheetFacts(frozenset(), _merged_in(self._p, b"".join(self._tail)))


def _merged_in(p: bytes, tail: bytes) -> tuple[tuple[int, int, int, int], ...]:
    return tuple(range_bounds(m.group(1).decode())
                 for m in re.finditer(rb"<" + p + rb'mergeCell\b[^>]*?\bref="([^"]+)"', tail))


_COLUMN_INDEX: dict[bytes, int] = {}


# --- splicing cells into a sheet, as a stream ---------------------------------------------------

# A run of cells written in one row: (first column, values, number formats), one format per value.
Run = tuple[int, Sequence[object], Sequence["str | None"]]
# A written row for ``splice``: (row, its runs in column order and disjoint, the columns written).
RowEdit = tuple[int, Sequence[Run], frozenset]


class RowBlock(NamedTuple):
    """Rows ``lo`` to ``hi - 1`` written alike for ``splice``: each row ``r`` the run
    (``c0``, ``rows[r - r0]``, ``fmts``), every row as wide as ``fmts``; ``columns`` the set of
    the columns written (``SheetEdits.spans``)."""

    lo: int
    hi: int
    c0: int
    rows: Sequence[tuple]
    r0: int
    fmts: tuple
    columns: frozenset


def rows_of(edits: Mapping[int, Mapping[int, tuple[object, str | None]]]) -> Iterator[RowEdit]:
    """``splice``'s rows from a mapping row → column → (value, number format)."""
    for r in sorted(edits):
        cells = edits[r]
        yield r, tuple((c, (cells[c][0],), (cells[c][1],)) for c in sorted(cells)), frozenset(cells)


class SheetEdits(Mapping):
    """The cells written to one sheet, kept as the blocks ``write_cells`` was given.

    No value per cell is made: a million-row block stays the rows it came as. Later
    writes win over earlier ones on the same cell. As a mapping, row → column → (value,
    number format), made on demand (reading a sheet back after writing it); ``rows``
    gives ``splice`` each written row's runs in column order.
    """

    def __init__(self) -> None:
        # (first row, first column, rows, number formats, width, every row as wide)
        self.blocks: list[tuple[int, int, tuple[tuple[object, ...], ...], tuple, int, bool]] = []
        self._map: dict[int, dict[int, tuple[object, str | None]]] | None = None

    def add(self, first_row: int, first_col: int, rows: Sequence[tuple[object, ...]],
            numfmts: Sequence[str | None]) -> None:
        rows = tuple(rows)
        if not rows:
            return
        lengths = set(map(len, rows))
        width = max(lengths)
        numfmts = (tuple(numfmts) + (None,) * width)[:width]
        self.blocks.append((first_row, first_col, rows, numfmts, width, len(lengths) == 1))
        self._map = None

    def _mapping(self) -> dict[int, dict[int, tuple[object, str | None]]]:
        if self._map is None:
            out: dict[int, dict[int, tuple[object, str | None]]] = {}
            for r0, c0, rows, fmts, _width, _even in self.blocks:
                for i, values in enumerate(rows):
                    row = out.setdefault(r0 + i, {})
                    for j, value in enumerate(values):
                        row[c0 + j] = (value, fmts[j])
            self._map = out
        return self._map

    def __getitem__(self, row: int) -> dict[int, tuple[object, str | None]]:
        return self._mapping()[row]

    def __iter__(self):
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def extent(self) -> tuple[int, int]:
        """The last row and the last column written (0, 0 when nothing is)."""
        rows = [r0 + len(rows) - 1 for r0, _c0, rows, _f, _w, _e in self.blocks]
        cols = [c0 + width - 1 for _r0, c0, _rows, _f, width, _e in self.blocks if width]
        return max(rows, default=0), max(cols, default=0)

    def rows(self) -> Iterator[RowEdit]:
        """Each written row in order: its runs (first column, values, formats), sorted and
        disjoint, and the set of its columns (one object shared by the rows of one layout)."""
        for item in self.spans():
            if item.__class__ is RowBlock:
                lo, hi, c0, rows, r0, fmts, columns = item
                for r in range(lo, hi):
                    yield r, ((c0, rows[r - r0], fmts),), columns
            else:
                yield item

    def spans(self) -> Iterator[RowEdit | RowBlock]:
        """``rows``, but the rows of one block written alone as one ``RowBlock`` (``splice``
        writes them a chunk of rows at a time)."""
        blocks = self.blocks
        bounds = sorted({b[0] for b in blocks} | {b[0] + len(b[2]) for b in blocks})
        for lo, hi in zip(bounds, bounds[1:]):
            active = [b for b in blocks if b[0] <= lo < b[0] + len(b[2])]
            if not active:
                continue
            spans = sorted((b[1], b[1] + b[4]) for b in active)
            if all(b[5] and b[4] for b in active) and all(a[1] <= b[0] for a, b in zip(spans, spans[1:])):
                order = sorted(active, key=lambda b: b[1])
                columns = frozenset(c for b in order for c in range(b[1], b[1] + b[4]))
                if len(order) == 1:
                    r0, c0, rows, fmts = order[0][:4]
                    yield RowBlock(lo, hi, c0, rows, r0, fmts, columns)
                else:
                    for r in range(lo, hi):
                        yield r, tuple((b[1], b[2][r - b[0]], b[3]) for b in order), columns
                continue
            for r in range(lo, hi):  # overlapping or ragged blocks: cell by cell, the last write wins
                cells: dict[int, tuple[object, str | None]] = {}
                for r0, c0, rows, fmts, _width, _even in active:
                    for j, value in enumerate(rows[r - r0]):
                        cells[c0 + j] = (value, fmts[j])
                if cells:
                    yield r, tuple((c, (cells[c][0],), (cells[c][1],)) for c in sorted(cells)), frozenset(cells)


@functools.lru_cache(maxsize=None)
def _at_or_after(p: bytes, col: int) -> re.Pattern:
    """A cell whose reference is at column ``col`` or to its right (letters compared as Excel
    orders them: shorter first, then alphabetically)."""
    letters = col_letter(col)
    n = len(letters)
    alternatives = [f"[A-Z]{{{n + 1},3}}"] if n < 3 else []
    for i, ch in enumerate(letters):
        if i == n - 1:
            alternatives.append(f"{letters[:i]}[{ch}-Z]")
        elif ch < "Z":
            alternatives.append(f"{letters[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{n - i - 1}}}")
    # Without case: a reference in lower case ("n5") is found too, and then read cell by cell.
    return re.compile(b"<" + p + b'c r="(?:' + "|".join(alternatives).encode() + rb")\d", re.I)


@functools.lru_cache(maxsize=None)
def _before(p: bytes, col: int) -> re.Pattern:
    """A ``<c`` that is not a cell opening with its reference left of column ``col`` (as
    ``<c r="M``, in upper case): a cell at or right of it, a cell without its reference first,
    a reference in lower case, rich text's ``<color``."""
    letters = col_letter(col)
    n = len(letters)
    alternatives = [f"[A-Z]{{1,{n - 1}}}"] if n > 1 else []
    for i, ch in enumerate(letters):
        if ch > "A":
            alternatives.append(f"{letters[:i]}[A-{chr(ord(ch) - 1)}]" + (f"[A-Z]{{{n - i - 1}}}" if n - i - 1 else ""))
    if not alternatives:
        return re.compile(b"<" + p + b"c")
    return re.compile(b"<" + p + b'c(?! r="(?:' + "|".join(alternatives).encode() + rb")\d)")


@functools.lru_cache(maxsize=None)
def _replaced_cells(p: bytes, col: int) -> re.Pattern:
    """A cell at or right of column ``col``: its letters and its style, when no other attribute
    before ``>`` could be a style."""
    at_or_after = _at_or_after(p, col).pattern
    letters = at_or_after[at_or_after.index(b'r="') + 3:at_or_after.rindex(b"\\d")]
    return re.compile(b"<" + p + b'c r="(' + letters + rb')\d+"(?: s="(\d+)")?(?![^>]*\ss=)')


def _column_of(letters: bytes) -> int:
    column = _COLUMN_INDEX.get(letters)
    if column is None:
        column = _COLUMN_INDEX[letters] = col_index(letters.decode())
    return column


class _Splicer:
    """The state of one sheet's splice: styles made, written cells made once, shared formulas."""

    def __init__(self, head: bytes, styles: Styles, date1904: bool):
        self.p = p = _prefix(head)
        self.ps = p.decode()
        self.styles = styles
        self.date1904 = date1904
        self.col_styles = [(int(lo), int(hi), int(style)) for attrs in
                           re.findall(rb"<" + p + rb"col\b([^>]*)", head)
                           for lo, hi, style in [(_attr(attrs, b"min"), _attr(attrs, b"max"), _attr(attrs, b"style"))]
                           if lo and hi and style]
        self.parts = _RowParts(p)
        self.shared = _Shared()
        self.styled: dict[tuple, int] = {}
        self.memos: dict[tuple, dict] = {}  # (base style, format) -> value -> (type, the cell after its reference)
        self.opens: dict[int, bytes] = {}  # column -> b'<c r="AB'
        self.by_column: dict[int, int] = {}  # column -> its style
        self.bases: dict[tuple, tuple | bool] = {}  # (columns, the replaced cells' refs) -> (column, style)
        self.plans: dict[tuple, tuple] = {}
        self.frames: dict[tuple, tuple[bytes, bytes] | bool] = {}
        # A row tag other than ``<row r="N" ...>`` and its cells: a row without cells, or another
        # tag starting so.
        self.odd_row = re.compile(b"<" + p + rb"row(?:[^ >]|[^>]*/>)")
        self.spans = re.compile(b"(<" + p + rb'row [^>]*?)\s+spans="[^"]*"')
        self.no_ref = re.compile(b"<" + p + b'c(?! r=")')
        self.formula_at = re.compile(b"<" + p + rb"f[\s>/]")
        self.window = _WINDOW  # bytes of rows ``bulk`` looks at, at most
        self.retry = 0  # the row from which ``bulk`` is tried again
        self.typed: dict[tuple, dict] = {}  # (base style, format, following, number type) -> value -> cell
        self.last_plan: tuple = (None, None, None, None, None)
        self.at_or_after: dict[int, re.Pattern] = {}
        self.row_open = b"<" + p + b"row"
        self.last = 0
        self.row_close = b"</" + p + b"row>"
        self.ext = b"<" + p + b"extLst"
        self.formula = b"<" + p + b"f"
        self.c_any = b"<" + p + b"c"
        self.c_ref = b"<" + p + b'c r="'
        self.refs = re.compile(b"<" + p + rb'c r="([A-Z]{1,3})\d+"([^>]*)>')

    def column_style(self, c: int) -> int:
        found = self.by_column.get(c)
        if found is None:
            found = 0
            for lo, hi, style in self.col_styles:
                if lo <= c <= hi:
                    found = style
                    break
            self.by_column[c] = found
        return found

    def style_for(self, base: int, value: object, numfmt: str | None) -> int:
        kind = temporal_format(value)
        key = (base, numfmt, kind)
        found = self.styled.get(key)
        if found is None:
            if numfmt is not None:
                found = self.styles.derive(base, numfmt=numfmt)
            elif kind is not None and self.styles.is_general(base):
                found = self.styles.derive(base, numfmt=kind)
            else:
                found = base
            self.styled[key] = found
        return found

    def tail(self, base: int, value: object, numfmt: str | None) -> bytes:
        """A written cell after its reference (from the closing quote of ``r``)."""
        return b'"' + cell_tail(self.style_for(base, value, numfmt), value, self.date1904, self.ps).encode("utf-8")

    def open_of(self, c: int) -> bytes:
        found = self.opens.get(c)
        if found is None:
            found = self.opens[c] = f'<{self.ps}c r="{col_letter(c)}'.encode()
        return found

    def plan(self, c0: int, fmts: Sequence[str | None], bases: tuple | None, row_style: int | None) -> tuple:
        """A run's first cell opening (``<c r="N``), then per column: the cells made so far for
        its style and format, each followed by the next cell's opening (value -> (type, bytes)),
        its base style, its number format and the next cell's opening."""
        key = (c0, fmts, bases, row_style)
        found = self.plans.get(key)
        if found is None:
            replaced = dict(bases or ())
            out = []
            for j, fmt in enumerate(fmts):
                c = c0 + j
                base = replaced.get(c)
                if base is None:
                    base = row_style if row_style is not None else self.column_style(c)
                following = self.open_of(c + 1) if j + 1 < len(fmts) else b""
                memo = self.memos.get((base, fmt, following))
                if memo is None:
                    memo = self.memos[(base, fmt, following)] = {}
                out.append((memo, base, fmt, following))
            found = self.plans[key] = (self.open_of(c0), tuple(out))
        return found

    def cells(self, out: list[bytes], r_bytes: bytes, runs: Sequence[Run], bases: tuple | None,
              row_style: int | None) -> None:
        """The written cells of a row, in column order, as pieces to join appended to ``out``.

        ``bases``: (column, style) of the cells replaced; a new cell takes ``row_style``, or
        its column's style. A cell is made once per distinct value of its column (same style
        and format), with the next cell's opening after it, so that a run of cells is its first
        opening and those pieces joined by the row number; equal values of another type (1 and
        True, 1 and 1.0) are told apart by the type kept beside."""
        miss = self.miss
        for c0, values, fmts in runs:
            if len(values) != len(fmts):
                fmts = fmts[:len(values)]
            last = self.last_plan  # the rows of one block share their layout: the same plan
            if last[0] is fmts and last[1] == c0 and last[2] is bases and last[3] == row_style:
                first, columns = last[4]
            else:
                first, columns = self.plan(c0, fmts, bases, row_style)
                self.last_plan = (fmts, c0, bases, row_style, (first, columns))
            try:
                pieces = [hit[1] if (hit := column[0].get(value)) is not None and hit[0] is value.__class__
                          else miss(column, value) for column, value in zip(columns, values)]
            except TypeError:  # an unhashable value: cell_tail refuses it with its message
                pieces = [miss(column, value) for column, value in zip(columns, values)]
            out += (first, r_bytes, r_bytes.join(pieces))

    def miss(self, column: tuple, value: object) -> bytes:
        """A cell not made yet for its column: numbers, dates and texts from their type's frame
        (the cell's bytes around its value, the same for every value of that type), others whole."""
        memo, base, fmt, following = column
        cls = value.__class__
        key = (base, fmt, following, cls)
        frame = self.frames.get(key)
        if frame is None:
            frame = self.frames[key] = self.frame(base, fmt, following, cls)
        if frame is False or (cls is str and not value):
            piece = self.tail(base, value, fmt) + following
        elif cls is str:
            piece = frame[0] + html.escape(excel_text(value), quote=False).replace("\r", "&#13;").encode("utf-8") \
                + frame[1]
        elif cls is date:
            piece = frame[0] + _number(excel_serial(value, self.date1904)).encode() + frame[1]
        else:
            piece = frame[0] + _number(value).encode() + frame[1]
        try:
            if memo.get(value) is None:
                memo[value] = (value.__class__, piece)
        except TypeError:
            pass
        return piece

    def frame(self, base: int, fmt: str | None, following: bytes, cls: type) -> tuple[bytes, bytes] | bool:
        """``cell_tail``'s bytes before and after the value, for a type whose style and form do
        not depend on the value (``False`` for the others: made whole)."""
        sample = {int: 0, float: 0.5, Decimal: Decimal(0), str: "x", date: date(2000, 1, 1)}.get(cls)
        if sample is None:
            return False
        ps = self.ps
        s = self.style_for(base, sample, fmt)
        s = f' s="{s}"' if s else ""
        if cls is str:
            return (f'"{s} t="inlineStr"><{ps}is><{ps}t xml:space="preserve">'.encode(),
                    f"</{ps}t></{ps}is></{ps}c>".encode() + following)
        return f'"{s}><{ps}v>'.encode(), f"</{ps}v></{ps}c>".encode() + following

    def bulk(self, out: list[bytes], data: bytes, start: int, r: int, block: RowBlock) -> int:
        """The rows of ``block`` from row ``r``, the row at ``start`` in ``data``, as far as they
        are the common case (within a window of ``data``, and of the block), appended to ``out``
        at once; where they end in ``data`` (0: nothing written, the rows go one by one through
        ``edited_row``).

        The common case is ``edited_row``'s fast path with nothing to replace, checked over the
        rows together: consecutive rows each opening with its number (``<row r="N"``), every cell
        opening with its reference, none at or right of the first written column, no row style,
        no extension, no orphaned shared formula; spans are dropped from the row tags, as
        ``edited_row`` does. Each row then keeps its bytes and gets its written cells before
        ``</row>``: the cells are found column by column, from the cells made so far (``cells``),
        those not made yet made in the order of the rows, as one by one (the styles they add
        are numbered in the same order)."""
        close = self.row_close
        c0 = block.c0
        # The rows looked at: those ending in a window of the chunk (grown while rows go at once,
        # so that a chunk whose rows go one by one is not searched again and again), up to the
        # first that is not the common case.
        stop = len(data)
        if stop > start + self.window:
            stop = data.rfind(close, start, start + self.window) + len(close)
        at_or_after = self.at_or_after.get(c0)
        if at_or_after is None:
            at_or_after = self.at_or_after[c0] = _at_or_after(self.p, c0)
        # Written cells already there (a second refresh): replaced, row by row's way.
        replacing = at_or_after.search(data, start, max(data.find(close, start, stop), start)) is not None
        if replacing:
            for odd in (self.no_ref.search(data, start, stop), self.formula_at.search(data, start, stop)):
                if odd is not None:  # a cell not opening with its reference, a formula
                    stop = odd.start()
        else:
            odd_cell = _before(self.p, c0).search(data, start, stop)
            if odd_cell is not None:
                stop = odd_cell.start()
        odd_row = self.odd_row.search(data, start, stop)  # <row/>, or a row tag not as written here
        if odd_row is not None:
            stop = odd_row.start()
        for odd in (self.ext, b"si=" if self.shared.orphans else None):
            if odd is not None and (at := data.find(odd, start, stop)) >= 0:
                stop = at
        stop = data.rfind(close, start, stop) + len(close)
        segments = data[start:stop].split(close)
        segments.pop()
        n = min(len(segments), block.hi - r)
        del segments[n:]
        looked_at = n
        # Consecutive rows, each opening with its number: with nothing more (the common case), or
        # with attributes, none of them spans or a row style.
        opening = self.row_open + b' r="%d"'
        plain = all(map(bytes.startswith, segments, map((opening + b">").__mod__, range(r, r + n))))
        if not plain:
            heads = list(map(bytes.startswith, segments, map(opening.__mod__, range(r, r + n))))
            if not all(heads):
                n = heads.index(False)
                del segments[n:]
            end = start + sum(map(len, segments)) + n * len(close)
            if (at := data.find(b"customFormat", start, end)) >= 0:  # the rows ending before it
                ends = list(accumulate(map(len, segments), lambda a, b: a + b + len(close), initial=start))
                n = bisect.bisect_right(ends, at, 1) - 1
                del segments[n:]
                end = start + sum(map(len, segments)) + n * len(close)
        lengths = list(map(len, segments))
        end = start + sum(lengths) + n * len(close)
        if not plain and n and data.find(b"spans=", start, end) >= 0:
            # Excel's hint of a row's first and last cell, wrong once cells are added: dropped from
            # each row tag (as edited_row does), the rows then split again.
            kept, dropped = self.spans.subn(rb"\1", data[start:end])
            if not dropped or kept.find(b"spans=") >= 0:  # elsewhere too (a text): one by one
                n = 0
            segments = kept.split(close)
            segments.pop()
        bases = None
        if replacing and n:
            # Each row kept up to its first cell at or right of the first written column; the
            # cells after it all written ones, of the same styles in every row (one plan).
            hits = list(map(at_or_after.search, segments))
            if None in hits:
                n = hits.index(None)
            cuts = list(map(_START, hits[:n]))
            rests = list(map(bytes.__getitem__, segments, map(slice, cuts, repeat(None))))
            counts = list(map(bytes.count, rests, repeat(self.c_ref)))
            k = counts[0] if n else 0
            if counts != [k] * n:
                n = list(map(operator.eq, counts, repeat(k))).index(False)
            # Each row's written cells, (letters, style) with nothing after the style that could be one.
            layouts = list(zip(*[iter(_replaced_cells(self.p, c0).findall(b"".join(rests[:n])))] * k)) if k else []
            if len(layouts) != n:
                n = 0
            elif n and layouts.count(layouts[0]) != n:  # the rows of the same styles as the first
                n = list(map(operator.eq, layouts, repeat(layouts[0]))).index(False)
            bases = self.replaced(rests[0], block.columns) if n else None
            if not bases:
                n = 0
            segments = list(map(bytes.__getitem__, segments[:n], map(slice, repeat(None), cuts)))
        if n < _FEW_ROWS:  # a few rows: one by one, and no new try for a while
            self.retry, self.window = r + _FEW_ROWS, _WINDOW
            if n < 2:
                return 0
        elif n == looked_at and self.window < 1 << 24:
            self.window *= 2
        del segments[n:]
        end = start + sum(lengths[:n]) + n * len(close)
        first, specs = self.plan(c0, block.fmts, bases, None)
        width = len(specs)
        i0 = r - block.r0
        columns = list(zip(*block.rows[i0:i0 + n])) if width else []
        if len(columns) != width:
            self.retry, self.window = r + _FEW_ROWS, _WINDOW
            return 0
        found: list[list] = []
        missing: list[tuple[int, dict]] = []  # (column, its values no cell is made for yet, in order)
        made = True  # every style and frame these cells can need exists: no new style
        try:
            for j, (spec, values) in enumerate(zip(specs, columns)):
                classes = set(map(type, values))
                others = classes - _NEVER_EQUAL
                if len(others) > 1:  # 1 and 1.0, 1 and True are equal keys: one by one (type checked)
                    self.retry, self.window = r + _FEW_ROWS, _WINDOW
                    return 0
                key = spec[1:] + (others.pop() if others else None,)
                cache = self.typed.get(key)
                if cache is None:
                    cache = self.typed[key] = {}
                pieces = list(map(cache.get, values))
                found.append(pieces)
                if None in pieces:
                    missing.append((j, cache))
                    made = made and self.made(spec, classes)
            if missing:
                if made:  # in any order
                    for j, cache in missing:
                        values, spec = columns[j], specs[j]
                        fresh = dict.fromkeys(compress(values, map(operator.not_, found[j])))
                        self.decimals(spec, cache, fresh)
                        for value in fresh:
                            self.resolve(spec, cache, value)
                else:  # in the order of the rows, as cells() would make them (and number their styles)
                    firsts = []
                    for j, cache in missing:
                        firsts += [(i * width + j, value) for value, i in dict(reversed(list(
                            compress(zip(columns[j], range(n)), map(operator.not_, found[j]))))).items()]
                    firsts.sort(key=_first)
                    caches = dict(missing)
                    for k, value in firsts:
                        self.resolve(specs[k % width], caches[k % width], value)
                for j, cache in missing:
                    pieces = found[j] = list(map(cache.get, columns[j]))
                    if None in pieces:  # equal to a value of another type met first: made each time, as cells() does
                        spec = specs[j]
                        for i, piece in enumerate(pieces):
                            if piece is None:
                                pieces[i] = self.miss(spec, columns[j][i])
        except (TypeError, ValueError):  # an unhashable or impossible value: one by one, for its message
            self.retry, self.window = r + _FEW_ROWS, _WINDOW
            return 0
        # Each row: its bytes and the first cell's opening, then the cells, joined by its number.
        numbers = map(b"%d".__mod__, range(r, r + n))
        found.insert(0, list(map(bytes.__add__, segments, repeat(first, n))))
        out += (close.join(map(bytes.join, numbers, zip(*found))), close)
        self.last = r + n - 1
        return end

    def made(self, spec: tuple, classes: set) -> bool:
        """Whether every cell of ``spec``'s column of values of ``classes`` finds its style made
        (no cell made for them adds one)."""
        _memo, base, fmt, following = spec
        for cls in classes:
            if cls in _FRAMED:
                if (base, fmt, following, cls) not in self.frames:
                    return False
            elif cls is datetime:
                if (base, fmt, DATE_FORMAT) not in self.styled or (base, fmt, DATETIME_FORMAT) not in self.styled:
                    return False
            elif cls is time:
                if (base, fmt, TIME_FORMAT) not in self.styled:
                    return False
            elif cls is not type(None) or (base, fmt, None) not in self.styled:
                return False
        return True

    def decimals(self, spec: tuple, cache: dict, fresh: dict) -> None:
        """``resolve`` for the decimals of ``fresh`` no cell is made for yet in ``spec``'s column
        (its frame made), each removed from ``fresh``: ``miss``'s cell without its calls."""
        memo, base, fmt, following = spec
        frame = self.frames.get((base, fmt, following, Decimal))
        if not frame:
            return
        head, foot = frame
        for value in [v for v in fresh if v.__class__ is Decimal and v not in memo]:
            if not value.is_finite():
                continue  # miss says why it cannot be written
            text = format(value, "f")
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            piece = head + text.encode() + foot
            memo[value] = (Decimal, piece)
            cache[value] = piece
            del fresh[value]

    def resolve(self, spec: tuple, cache: dict, value: object) -> None:
        """Make ``value``'s cell in ``spec``'s column as ``cells`` would, and keep it in ``cache``
        (``bulk``'s, keyed by value alone) only where ``cells`` would find it again: the cell
        its column made first for an equal value of the same type."""
        memo = spec[0]
        cls = value.__class__
        hit = memo.get(value)
        if hit is None or hit[0] is not cls:
            self.miss(spec, value)
            hit = memo.get(value)
        if hit is not None and hit[0] is cls:
            cache[value] = hit[1]

    def new_row(self, edit: RowEdit) -> bytes:
        r, runs, _columns = edit
        r_bytes = b"%d" % r
        out = [b"<" + self.p + b'row r="' + r_bytes + b'">']
        self.cells(out, r_bytes, runs, None, None)
        out.append(self.row_close)
        return b"".join(out)

    def replaced(self, rest: bytes, columns: frozenset) -> tuple | None | bool:
        """(column, style) of the cells in ``rest`` (a row from its first written column on),
        ``False`` when one of them is not written (a cell of the user's between or after)."""
        found = self.refs.findall(rest)
        key = (columns, tuple(found))
        bases = self.bases.get(key)
        if bases is None:
            out: list | bool = [] if len(found) == rest.count(self.c_ref) else False  # letters, then digits
            for letters, cell_attrs in found if out is not False else ():
                c = _column_of(letters)
                if c not in columns:
                    out = False
                    break
                s = _attr(cell_attrs, b"s")
                out.append((c, int(s) if s else 0))
            bases = self.bases[key] = tuple(out) if out is not False else False
        return bases

    def edited_row(self, out: list[bytes], attrs: bytes, inner: bytes, r_attr: bytes | None, r: int,
                   edit: RowEdit) -> None:
        """A row with written cells, appended to ``out``. Fast path: every cell opens with its
        reference (as Excel, LibreOffice and openpyxl write them) and the cells at or right of
        the first written column are all written: the row is kept up to there and the written
        cells follow."""
        _r, runs, columns = edit
        # Every "<c" opens a cell with its reference first (not so with rich text, whose
        # <color> also starts so, nor an extension: then cell by cell).
        if (r_attr is None or inner.count(self.c_any) != inner.count(self.c_ref)
                or (self.shared.orphans and b"si=" in inner) or self.ext in inner):
            out.append(self.any_row(attrs, inner, r_attr, r, runs))
            return
        row_style = None
        if b"customFormat" in attrs and _attr(attrs, b"customFormat") in (b"1", b"true"):
            s = _attr(attrs, b"s")
            row_style = int(s) if s else None
        c0 = runs[0][0]
        at_or_after = self.at_or_after.get(c0)
        if at_or_after is None:
            at_or_after = self.at_or_after[c0] = _at_or_after(self.p, c0)
        hit = at_or_after.search(inner)
        bases = None
        if hit is not None:
            rest = inner[hit.start():]
            if self.formula in rest:  # a formula overwritten: its shared group may need its other cells
                out.append(self.any_row(attrs, inner, r_attr, r, runs))
                return
            bases = self.replaced(rest, columns)
            if bases is False:
                out.append(self.any_row(attrs, inner, r_attr, r, runs))
                return
            inner = inner[:hit.start()]
        if b"spans=" in attrs:  # an optional hint of the row's first and last cell: wrong once cells are added
            attrs = re.sub(rb'\s+spans="[^"]*"', b"", attrs)
        out += (self.row_open, attrs, b">", inner)
        self.cells(out, r_attr, runs, bases, row_style)
        out.append(self.row_close)

    def any_row(self, attrs: bytes, inner: bytes, r_attr: bytes | None, r: int, runs: Sequence[Run] | None) -> bytes:
        """Any row, cell by cell: written cells replaced or inserted, positions made explicit,
        the cells of an orphaned shared formula given their own."""
        p = self.p
        shared = self.shared
        extension = b""
        at = inner.find(self.ext)
        if at >= 0:  # a row's own extension comes after its cells, and stays there
            inner, extension = inner[:at], inner[at:]
        if runs is None:
            body = b"".join(shared.adopt(_with_ref(raw, ref_of(r, c), p), ref_of(r, c), p)
                            for c, raw in self.parts.cells(inner))
            return _row_open(attrs, r, p, keep_spans=True) + body + extension + self.row_close
        edits = {c0 + j: (value, fmt) for c0, values, fmts in runs for j, (value, fmt) in enumerate(zip(values, fmts))}
        row_style = None
        if _attr(attrs, b"customFormat") in (b"1", b"true"):
            s = _attr(attrs, b"s")
            row_style = int(s) if s else None
        cells = self.parts.cells_by_column(inner)
        r_bytes = b"%d" % r
        for c, (value, numfmt) in edits.items():
            old = cells.get(c)
            if old is not None:
                s = _attr(old[:old.index(b">")], b"s")
                base = int(s) if s else 0
                if self.formula in old:
                    shared.note_overwritten(old, p)
            else:
                base = row_style if row_style is not None else self.column_style(c)
            cells[c] = self.open_of(c) + r_bytes + self.tail(base, value, numfmt)
        body = []
        for c in sorted(cells):
            raw = cells[c]
            if c not in edits and (shared.orphans or r_attr is None):
                raw = shared.adopt(_with_ref(raw, ref_of(r, c), p), ref_of(r, c), p)
            body.append(raw)
        return _row_open(attrs, r, p, keep_spans=False) + b"".join(body) + extension + self.row_close


class _RowParts:
    """A row's cells found by their tags (``p``: the sheet's namespace prefix)."""

    def __init__(self, p: bytes):
        self.p = p
        self.cell = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.S)
        self.cell_start = re.compile(rb"<" + p + rb'c r="([A-Z]{1,3})\d+"')

    def cells(self, inner: bytes) -> list[tuple[int, bytes]]:
        out = []
        last = 0
        for m in self.cell.finditer(inner):
            ref = _attr(m.group(1), b"r")
            c = split_ref(ref.decode())[1] if ref else last + 1
            last = c
            out.append((c, m.group(0)))
        return out

    def cells_by_column(self, inner: bytes) -> dict[int, bytes]:
        """A row's cells by column. Fast path: every cell opens with its r attribute, as Excel,
        LibreOffice and openpyxl write them; a cell starts where the previous one ends."""
        p = self.p
        starts = [(m.start(), m.group(1)) for m in self.cell_start.finditer(inner)]
        if len(starts) != inner.count(b"<" + p + b"c ") + inner.count(b"<" + p + b"c>") + \
                inner.count(b"<" + p + b"c/>"):
            return dict(self.cells(inner))
        out = {}
        for i, (begin, letters) in enumerate(starts):
            stop = starts[i + 1][0] if i + 1 < len(starts) else len(inner)
            out[_column_of(letters)] = inner[begin:stop]
        return out


class _Pending:
    """``splice``'s written rows, one at a time (``edit``), and the ``RowBlock`` the current
    one comes from (``block``, or None)."""

    def __init__(self, edits: Iterable[RowEdit | RowBlock]):
        self.items = iter(edits)
        self.block: RowBlock | None = None
        self.edit: RowEdit | None = None
        self.next()

    def next(self, skip: int = 1) -> RowEdit | None:
        """The written row ``skip`` rows after the current one in its block, or the next one."""
        block = self.block
        if block is not None:
            r = self.edit[0] + skip
            if r < block.hi:
                self.edit = (r, ((block.c0, block.rows[r - block.r0], block.fmts),), block.columns)
                return self.edit
            self.block = None
        for item in self.items:
            if item.__class__ is RowBlock:
                if item.lo < item.hi:
                    self.block = item
                    self.edit = (item.lo, ((item.c0, item.rows[item.lo - item.r0], item.fmts),), item.columns)
                    return self.edit
                continue
            self.edit = item
            return item
        self.edit = None
        return None


_WINDOW = 1 << 16
_START = operator.methodcaller("start")
_FEW_ROWS = 32

# Types whose values never equal a value of another of them (nor a number): a value alone is a
# key for its cell when a column holds these and at most one other type.
_NEVER_EQUAL = frozenset({type(None), str, date, datetime, time})
# Types whose cells are made from a frame (``_Splicer.frame``).
_FRAMED = frozenset({int, float, Decimal, str, date})


_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")


def splice(chunks: Iterable[bytes], edits: Iterable[RowEdit], max_row: int, max_col: int, styles: Styles,
           date1904: bool) -> Iterator[bytes]:
    """A worksheet part, read as ``chunks`` of its bytes, with the written rows spliced in, as chunks.

    One pass, row by row: rows not written keep their bytes; a written row keeps its cells
    left of the first written column and gets the written cells after them, each keeping the
    style of the cell it replaces but for the number format (a date in a General cell gets
    ``DATE_FORMAT``), a new cell taking its row's or column's style; rows written below the
    last are added. Neither the sheet nor its result is ever whole in memory: a chunk of rows
    at a time. ``edits``: the written rows in order (``rows_of``, ``SheetEdits.rows``).
    """
    source = iter(chunks)
    buffer = b""
    for chunk in source:
        buffer += chunk
        if _SHEET_DATA.search(buffer):
            break
    worksheet = re.search(rb"<(?:(\w+):)?worksheet\b", buffer)
    if not worksheet:
        raise XlsxError("partie de feuille sans élément worksheet")
    p = worksheet.group(1) + b":" if worksheet.group(1) else b""
    m = _rows_open(p).search(buffer)
    if not m:
        raise XlsxError("feuille sans sheetData")
    splicer = _Splicer(buffer[:m.start()], styles, date1904)
    closing = b"</" + p + b"sheetData>"
    if m.group(1):  # <sheetData/>: no rows
        head, buffer, ended = buffer[:m.start()] + b"<" + p + b"sheetData>", closing + buffer[m.end():], True
    else:
        head, buffer, ended = buffer[:m.end()], buffer[m.end():], False
    yield _grow_dimension(head, p, max_row, max_col)
    pending = _Pending(edits)
    edit = pending.edit
    row_open = b"<" + p + b"row"
    after_name = len(row_open)
    row_close = splicer.row_close
    while True:
        end = buffer.find(closing)
        if end >= 0:
            data, buffer = buffer[:end], buffer[end:]
        else:
            cut = buffer.rfind(row_close)
            data, buffer = (buffer[:cut + len(row_close)], buffer[cut + len(row_close):]) if cut >= 0 else (b"", buffer)
        if data:
            out: list[bytes] = []
            pos = 0
            while True:  # each row: <row attrs/> or <row attrs>inner</row>
                start = data.find(row_open, pos)
                if start < 0:
                    break
                following = data[start + after_name:start + after_name + 1]
                if not following or following not in b" \t\r\n/>":  # a longer tag name
                    out.append(data[pos:start + after_name])
                    pos = start + after_name
                    continue
                if start != pos:
                    out.append(data[pos:start])
                gt = data.index(b">", start)
                if data[gt - 1] == 47:  # "/>"
                    attrs, inner, pos = data[start + after_name:gt - 1], b"", gt + 1
                else:
                    close = data.index(row_close, gt)
                    attrs, inner, pos = data[start + after_name:gt], data[gt + 1:close], close + len(row_close)
                if attrs.startswith(b' r="'):
                    r_attr = attrs[4:attrs.index(b'"', 4)]
                else:
                    r_attr = _attr(attrs, b"r")
                r = int(r_attr) if r_attr else splicer.last + 1
                splicer.last = r
                while edit is not None and edit[0] < r:
                    out.append(splicer.new_row(edit))
                    edit = pending.next()
                if edit is not None and edit[0] == r:
                    if pending.block is not None and r >= splicer.retry:
                        stop = splicer.bulk(out, data, start, r, pending.block)
                        if stop:
                            pos = stop
                            edit = pending.next(splicer.last - r + 1)
                            continue
                    splicer.edited_row(out, attrs, inner, r_attr, r, edit)
                    edit = pending.next()
                elif r_attr is None or (splicer.shared.orphans and b"si=" in inner):
                    out.append(splicer.any_row(attrs, inner, r_attr, r, None))
                else:
                    out.append(data[start:pos])
            out.append(data[pos:])
            yield b"".join(out)
        if end >= 0 or ended:
            break
        chunk = next(source, None)
        if chunk is None:
            raise XlsxError("feuille incomplète (sheetData non refermé : la partie est tronquée)")
        buffer += chunk
    while edit is not None:
        yield splicer.new_row(edit)
        edit = pending.next()
    yield buffer
    yield from source


DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TIME_FORMAT = "hh:mm"


def temporal_format(value: object) -> str | None:
    """The number format a date, a date and time, or a time needs in a General cell."""
    cls = value.__class__
    if cls is date:
        return DATE_FORMAT
    if cls is datetime:
        return DATE_FORMAT if value.time() == time() else DATETIME_FORMAT  # type: ignore[union-attr]
    if cls is time:
        return TIME_FORMAT
    return None


def _with_ref(raw: bytes, ref: str, p: bytes) -> bytes:
    if _attr(raw[:raw.index(b">")], b"r") is not None:
        return raw
    n = len(p) + 2
    return raw[:n] + f' r="{ref}"'.encode() + raw[n:]


def _row_open(attrs: bytes, r: int, p: bytes, keep_spans: bool) -> bytes:
    if _attr(attrs, b"r") is None:
        attrs = f' r="{r}"'.encode() + attrs
    if not keep_spans:
        # spans is an optional hint of the row's first and last cell: wrong once cells are added.
        attrs = re.sub(rb'\s+spans="[^"]*"', b"", attrs)
    return b"<" + p + b"row" + attrs + b">"


def _grow_dimension(head: bytes, p: bytes, max_row: int, max_col: int) -> bytes:
    m = re.search(rb"<" + p + rb'dimension\b[^>]*?\bref="([^"]+)"', head)
    if not m or not max_row:
        return head
    try:
        r1, c1, r2, c2 = range_bounds(m.group(1).decode())
    except ValueError:
        return head
    if r2 >= max_row and c2 >= max_col:
        return head
    ref = f"{ref_of(r1, c1)}:{ref_of(max(r2, max_row), max(c2, max_col))}".encode()
    return head[:m.start(1)] + ref + head[m.end(1):]


# --- sheets Relance owns -----------------------------------------------------------------------

EMU_PER_CM = 360000


@dataclass
class Chart:
    """A clustered column chart: ``categories`` and ``values`` as (min_row, min_col, max_row, max_col)."""

    title: str
    categories: tuple[int, int, int, int]
    values: tuple[int, int, int, int]  # the first row holds the series names
    anchor: str = "H2"
    y_title: str = ""
    width_cm: float = 18
    height_cm: float = 9


@dataclass
class Grid:
    """A whole sheet as Relance writes it: cells with their format, widths, frozen rows.

    Cells are ``placed`` one by one ({(row, column): (value, style)}), or given a whole row
    at a time in ``rows`` ({row: (values, styles)}: column j holds values[j-1] with the style
    styles[j-1], a cell only when its value is not None or its style not 0), the way a
    block's rows come, without a Python object per cell. ``cells`` is all of them.
    """

    placed: dict[tuple[int, int], tuple[object, int]] = field(default_factory=dict)
    rows: dict[int, tuple[Sequence[object], Sequence[int]]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    freeze_rows: int = 0  # rows kept on screen when scrolling
    note: str = ""  # a note on A1
    charts: list[Chart] = field(default_factory=list)
    landscape: bool = True
    validations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (sqref, suggested values)
    # Row heights (points) of rows holding wrapped text: LibreOffice does not grow a row on load,
    # so a wrapped text would run over the rows below it.
    heights: dict[int, float] = field(default_factory=dict)

    @property
    def cells(self) -> dict[tuple[int, int], tuple[object, int]]:
        """Every cell by (row, column), whole rows taken in (for good: a cell set afterwards wins)."""
        if self.rows:
            placed = self.placed
            for r, (values, styles) in self.rows.items():
                for c, value, style in zip(range(1, len(values) + 1), values, styles):
                    if value is not None or style:
                        placed[(r, c)] = (value, style)
            self.rows = {}
        return self.placed

    def value(self, r: int, c: int) -> object:
        cell = self.placed.get((r, c))
        if cell:
            return cell[0]
        row = self.rows.get(r)
        return row[0][c - 1] if row is not None and 0 < c <= len(row[0]) else None


# What ``cell_tail`` would change in a text: characters XML cannot carry, Excel's escape, XML's own.
_NOT_PLAIN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]|_x")


def _plain_text_tail(style: int, value: object) -> str | None:
    """``cell_tail`` of a text it would write as it is (most names and codes), without its
    three passes over the text; None for any other value."""
    if value.__class__ is not str or not value or _NOT_PLAIN.search(value):  # type: ignore[arg-type]
        return None
    s = f' s="{style}"' if style else ""
    return f'{s} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def grid_sheet_xml(grid: Grid, date1904: bool, *, tab_selected: bool, drawing_rid: str | None,
                   legacy_rid: str | None) -> bytes:
    """A worksheet part for ``grid`` (no prefix, inline strings)."""
    body, max_row, max_col = _sheet_data(grid, date1904)
    selected = ' tabSelected="1"' if tab_selected else ""
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
             f'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
             f'<dimension ref="A1:{ref_of(max_row, max_col)}"/>'
             f'<sheetViews><sheetView workbookViewId="0"{selected}>']
    if grid.freeze_rows:
        top = ref_of(grid.freeze_rows + 1, 1)
        parts.append(f'<pane ySplit="{grid.freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" '
                     f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
    parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if grid.widths:
        parts.append("<cols>")
        for c in sorted(grid.widths):
            parts.append(f'<col min="{c}" max="{c}" width="{grid.widths[c]:g}" customWidth="1"/>')
        parts.append("</cols>")
    parts.append("<sheetData>")
    parts += body
    parts.append("</sheetData>")
    if grid.validations:
        parts.append(f'<dataValidations count="{len(grid.validations)}">')
        for sqref, values in grid.validations:
            listed = _esc('"' + ",".join(values) + '"')
            parts.append(f'<dataValidation type="list" errorStyle="information" allowBlank="1" '
                         f'showInputMessage="1" showErrorMessage="1" sqref="{sqref}">'
                         f'<formula1>{listed}</formula1></dataValidation>')
        parts.append("</dataValidations>")
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    orientation = "landscape" if grid.landscape else "portrait"
    parts.append(f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>')
    if drawing_rid:
        parts.append(f'<drawing r:id="{drawing_rid}"/>')
    if legacy_rid:
        parts.append(f'<legacyDrawing r:id="{legacy_rid}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode("utf-8")


def _sheet_data(grid: Grid, date1904: bool) -> tuple[list[str], int, int]:
    """The ``<row>`` elements of ``grid`` in order, with its last row and column (1 and 1 when empty).

    Each cell's text after its reference is made once per distinct (style, type, value): a
    review's million cells hold a few hundred thousand distinct ones.
    """
    placed: dict[int, list[tuple[int, object, int]]] = {}
    for (r, c), (value, style) in grid.placed.items():
        placed.setdefault(r, []).append((c, value, style))
    whole = grid.rows
    if any(r in whole for r in placed):  # a cell placed over a whole row: the cells as one dict
        placed = {}
        for (r, c), (value, style) in grid.cells.items():
            placed.setdefault(r, []).append((c, value, style))
        whole = {}
    parts: list[str] = []
    tails: dict[tuple, str] = {}
    widest = max(max((len(values) for values, _styles in whole.values()), default=0),
                 max((c for cells in placed.values() for c, _v, _s in cells), default=0))
    starts = [f'<c r="{col_letter(c)}' for c in range(widest + 1)]  # column -> '<c r="B'
    heights = grid.heights
    max_row = max_col = last = 1
    for r in sorted(placed.keys() | whole.keys()):
        if r in whole:
            values, styles = whole[r]
            cells = zip(range(1, len(values) + 1), values, styles)
        else:
            cells = sorted(placed[r], key=_first)
        height = heights.get(r)
        parts.append(f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">')
        opened = len(parts)
        number = f'{r}"'  # the row's number and the quote that ends a cell's reference
        gaps = r in whole  # in a whole row, a None without a style is no cell
        for c, value, style in cells:
            if gaps and value is None and not style:
                continue
            try:  # the same (style, type, value) gives the same cell after its reference: made once
                key = (style, value.__class__, value)
                tail = tails.get(key)
            except TypeError:  # unhashable: cell_tail refuses it with its message
                key, tail = None, None
            if tail is None:
                tail = _plain_text_tail(style, value) or cell_tail(style, value, date1904)
                if key is not None:
                    tails[key] = tail
            parts += (starts[c], number, tail)
            last = c
        if len(parts) == opened:  # a whole row with no cell is no row
            parts.pop()
            continue
        parts.append("</row>")
        max_row = r
        if last > max_col:
            max_col = last
    return parts, max_row, max_col


_first = operator.itemgetter(0)


def _esc(text: str) -> str:
    """Text for an XML attribute or element."""
    return html.escape(clean_text(text), quote=True)


def _formula(text: str) -> str:
    """A reference in a chart's ``<c:f>``: quotes kept as typed, as Excel writes them."""
    return html.escape(text, quote=False)


def comments_xml(ref: str, text: str, author: str = "Relance") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{NS_MAIN}"><authors><author>{_esc(author)}</author></authors>'
            f'<commentList><comment ref="{ref}" authorId="0"><text><t xml:space="preserve">{_esc(excel_text(text))}</t>'
            f'</text></comment></commentList></comments>').encode("utf-8")


def note_vml(row: int, col: int, block: int) -> bytes:
    """The legacy drawing Excel needs to show a note (its box, hidden until hovered)."""
    return (f'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            f'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
            f'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            f'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            f'<v:shape id="_x0000_s{block * 1024 + 1}" type="#_x0000_t202" '
            f'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:240pt;height:110pt;'
            f'z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            f'<v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape></xml>'
            ).encode("utf-8")


def drawing_xml(charts: Sequence[tuple[Chart, str]]) -> bytes:
    """The drawing part anchoring each chart (with its relationship id) at its cell."""
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
             'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">']
    for n, (chart, rid) in enumerate(charts, start=1):
        row, col = split_ref(chart.anchor)
        cx, cy = int(chart.width_cm * EMU_PER_CM), int(chart.height_cm * EMU_PER_CM)
        parts.append(
            f'<xdr:oneCellAnchor><xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff>'
            f'<xdr:row>{row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="{cx}" cy="{cy}"/>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n + 1}" name="{_esc(chart.title)}"/>'
            f'<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            f'</xdr:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            f'xmlns:r="{NS_R}" r:id="{rid}"/></a:graphicData></a:graphic></xdr:graphicFrame>'
            f'<xdr:clientData/></xdr:oneCellAnchor>')
    parts.append("</xdr:wsDr>")
    return "".join(parts).encode("utf-8")


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _area(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{_quote_sheet(sheet)}!${col_letter(c1)}${r1}:${col_letter(c2)}${r2}"


def _rich(text: str, size: int, bold: bool) -> str:
    return (f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="{int(bold)}"/></a:pPr>'
            f'<a:r><a:rPr lang="fr-FR" sz="{size}" b="{int(bold)}"/><a:t>{_esc(text)}</a:t></a:r></a:p></c:rich></c:tx>')


def chart_xml(chart: Chart, sheet: str, grid: Grid) -> bytes:
    """A clustered column chart over ``grid``'s cells, with the values cached for viewers."""
    cr1, cc1, cr2, cc2 = chart.categories
    vr1, vc1, vr2, vc2 = chart.values
    categories = [grid.value(r, cc1) for r in range(cr1, cr2 + 1)]
    series = []
    for i, c in enumerate(range(vc1, vc2 + 1)):
        name = grid.value(vr1, c)
        values = [grid.value(r, c) for r in range(vr1 + 1, vr2 + 1)]
        cat_cache = "".join(f'<c:pt idx="{j}"><c:v>{_esc(str(v if v is not None else ""))}</c:v></c:pt>'
                            for j, v in enumerate(categories))
        val_cache = "".join(f'<c:pt idx="{j}"><c:v>{_number(v)}</c:v></c:pt>'
                            for j, v in enumerate(values) if isinstance(v, (int, float, Decimal))
                            and not isinstance(v, bool))
        series.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
            f'<c:tx><c:strRef><c:f>{_formula(_area(sheet, vr1, c, vr1, c))}</c:f><c:strCache><c:ptCount val="1"/>'
            f'<c:pt idx="0"><c:v>{_esc(str(name or ""))}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
            f'<c:spPr><a:solidFill><a:srgbClr val="4472C4"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/>'
            f'<c:cat><c:strRef><c:f>{_formula(_area(sheet, cr1, cc1, cr2, cc2))}</c:f><c:strCache>'
            f'<c:ptCount val="{len(categories)}"/>{cat_cache}</c:strCache></c:strRef></c:cat>'
            f'<c:val><c:numRef><c:f>{_formula(_area(sheet, vr1 + 1, c, vr2, c))}</c:f><c:numCache>'
            f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(values)}"/>{val_cache}</c:numCache>'
            f'</c:numRef></c:val></c:ser>')
    y_title = (f'<c:title>{_rich(chart.y_title, 1000, False)}<c:overlay val="0"/></c:title>'
               if chart.y_title else "")
    legend = ('<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>' if len(series) > 1 else "")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{NS_R}"><c:roundedCorners val="0"/><c:chart>'
        f'<c:title>{_rich(chart.title, 1400, True)}<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        '<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
        f'<c:varyColors val="0"/>{"".join(series)}<c:gapWidth val="150"/>'
        '<c:axId val="10"/><c:axId val="100"/></c:barChart>'
        '<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="100"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        '<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="l"/><c:majorGridlines/>{y_title}'
        '<c:numFmt formatCode="#,##0 &quot;€&quot;" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="10"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx></c:plotArea>'
        f'{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    ).encode("utf-8")
